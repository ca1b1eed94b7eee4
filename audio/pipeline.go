package audio

import (
	"math"
	"sync/atomic"
	"time"
)

// Source captures interleaved signed 16-bit PCM.
type Source interface {
	// Read fills buf with whole frames (Channels samples each) and returns
	// how many frames it read and the capture time of the first, on the
	// pipeline clock (frame.Now). It blocks until data is there or ctx ends.
	Read(buf []int16) (frames int, at time.Duration, err error)
	Rate() int
	Channels() int
	Describe() string
	Close() error
}

// Pipeline turns captured periods into encoder-sized frames: gain and
// mute, a level meter, and clock-drift correction, so that sample count and
// capture clock stay together (lip sync) however far the sound card's
// crystal is from the camera's. It allocates nothing per period.
type Pipeline struct {
	rate, channels int
	frameSize      int
	gain           int32 // Q16 linear gain
	mute           atomic.Bool

	buf  []int16
	fill int
	zero []int16 // one frame of silence

	started bool
	origin  time.Duration // capture time of sample 0
	pos     int64         // samples emitted so far (per channel)
	errEMA  float64       // smoothed (capture clock − sample clock), seconds

	// Corrected counts samples inserted (positive) or dropped (negative).
	Corrected atomic.Int64
	Meter     Meter
}

// Drift correction: act once the smoothed offset passes driftLimit, by at
// most maxStep of audio per period (inaudible: one sample in ~400).
const (
	driftLimit = 10 * time.Millisecond
	emaAlpha   = 0.05
	resync     = 200 * time.Millisecond
)

// Next is the capture time the next sample should have: where the sample
// clock stands (the current time when nothing was pushed yet).
func (p *Pipeline) Next() time.Duration {
	if !p.started {
		return 0
	}
	return p.origin + SampleTime(p.pos+int64(p.fill/p.channels), p.rate)
}

// Started reports whether a period was pushed.
func (p *Pipeline) Started() bool { return p.started }

// NewPipeline makes a pipeline for rate and channels that emits frames of
// frameSize samples per channel, with gain in dB.
func NewPipeline(rate, channels, frameSize int, gainDB float64) *Pipeline {
	return &Pipeline{
		rate: rate, channels: channels, frameSize: frameSize,
		gain: int32(math.Round(math.Pow(10, gainDB/20) * 65536)),
		buf:  make([]int16, frameSize*channels),
		zero: make([]int16, channels),
	}
}

// SetMute silences the output (the meter still shows the input).
func (p *Pipeline) SetMute(m bool) { p.mute.Store(m) }

// Origin is the capture time of the first sample.
func (p *Pipeline) Origin() time.Duration { return p.origin }

// Push takes one captured period (frames×channels samples, first frame at
// capture time at) and calls emit for every full frame, whose slice is
// valid only during the call.
func (p *Pipeline) Push(period []int16, at time.Duration, emit func(frame []int16)) {
	frames := len(period) / p.channels
	if frames == 0 {
		return
	}
	if !p.started {
		p.started, p.origin = true, at
	}
	p.Meter.add(period)
	// How far the sample clock is from the capture clock at this period.
	off := (at - p.Next()).Seconds()
	if off > resync.Seconds() {
		// A gap (the microphone came back after a while): fill it with
		// silence at once instead of drifting back slowly.
		gap := int(min(off, 2) * float64(p.rate))
		for i := 0; i < gap; i++ {
			p.put(p.zero, emit)
		}
		p.errEMA, off = 0, 0
	} else if off < -resync.Seconds() {
		// Samples far ahead of the clock: drop this period.
		p.errEMA = 0
		return
	}
	p.errEMA += emaAlpha * (off - p.errEMA)
	adjust := 0
	if lim := driftLimit.Seconds(); p.errEMA > lim || p.errEMA < -lim {
		// One sample per 400 at most.
		step := max(frames/400, 1)
		if p.errEMA > 0 {
			adjust = step // capture clock ahead: samples are missing; repeat some
		} else {
			adjust = -step // samples run ahead: drop some
		}
		p.errEMA -= float64(adjust) / float64(p.rate)
		p.Corrected.Add(int64(adjust))
	}
	for i := 0; i < frames; i++ {
		f := period[i*p.channels : (i+1)*p.channels]
		n := 1
		switch {
		case adjust > 0 && i == frames/2:
			n = 1 + adjust // repeat the middle frame
		case adjust < 0 && i >= frames/2 && i < frames/2-adjust:
			n = 0 // drop frames in the middle
		}
		for ; n > 0; n-- {
			p.put(f, emit)
		}
	}
}

func (p *Pipeline) put(f []int16, emit func([]int16)) {
	mute := p.mute.Load()
	for c, s := range f {
		v := int64(0)
		if !mute {
			v = (int64(s)*int64(p.gain) + 1<<15) >> 16
			v = min(max(v, math.MinInt16), math.MaxInt16)
		}
		p.buf[p.fill+c] = int16(v)
	}
	p.fill += p.channels
	if p.fill == len(p.buf) {
		emit(p.buf)
		p.fill = 0
		p.pos += int64(p.frameSize)
	}
}

// Meter keeps peak and RMS levels of the input for status.
type Meter struct {
	peak, sumsq float64
	n           int
	peakDB      atomic.Uint64
	rmsDB       atomic.Uint64
	window      int
}

func (m *Meter) add(pcm []int16) {
	if m.window == 0 {
		m.window = 4410 * 2
	}
	for _, s := range pcm {
		v := float64(s) / 32768
		if a := math.Abs(v); a > m.peak {
			m.peak = a
		}
		m.sumsq += v * v
		m.n++
		if m.n >= m.window {
			m.peakDB.Store(math.Float64bits(dbfs(m.peak)))
			m.rmsDB.Store(math.Float64bits(dbfs(math.Sqrt(m.sumsq / float64(m.n)))))
			m.peak, m.sumsq, m.n = 0, 0, 0
		}
	}
}

// Levels returns the last window's peak and RMS in dBFS (−120 for silence).
func (m *Meter) Levels() (peakDB, rmsDB float64) {
	if m.peakDB.Load() == 0 && m.rmsDB.Load() == 0 {
		return -120, -120
	}
	return math.Float64frombits(m.peakDB.Load()), math.Float64frombits(m.rmsDB.Load())
}

func dbfs(v float64) float64 {
	if v < 1e-6 {
		return -120
	}
	return math.Round(20*math.Log10(v)*10) / 10
}
