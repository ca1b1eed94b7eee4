package box

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pitchbox/pitchbox/audio"
	"github.com/pitchbox/pitchbox/audio/aac"
	"github.com/pitchbox/pitchbox/audio/opus"
	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/frame"
)

// retryMic is how often a missing microphone is looked for again.
const retryMic = 2 * time.Second

// audioEncoder is AAC's or Opus's encoder.
type audioEncoder interface {
	FrameSize() int
	Config() []byte
	Encode(dst []*encode.Packet, pcm []int16, origin time.Duration) ([]*encode.Packet, error)
	Close() error
}

// audioPath is the stream's sound: the microphone (or the sync beep)
// through gain, meter and drift correction into AAC-LC, or Opus at 48 kHz
// for WebRTC — or, when muted, without a microphone or without an
// encoder, the constant silent track.
type audioPath struct {
	cfg  config.Audio
	log  *slog.Logger
	opus bool         // Opus (WHIP) rather than AAC
	enc  audioEncoder // nil: constant silent frames
	pipe *audio.Pipeline
	asc  []byte

	closeOnce sync.Once

	mu     sync.Mutex
	source string
	reason string // why the track is silent, "" when it is not
}

// newAudioPath sets up the sound for cfg, in Opus (48 kHz, whatever
// audio.rate says) when opus is set.
func newAudioPath(cfg config.Audio, useOpus bool, log *slog.Logger) *audioPath {
	a := &audioPath{cfg: cfg, log: log, opus: useOpus, asc: audio.AudioSpecificConfig}
	codec, available := "AAC", aac.Available
	if useOpus {
		a.cfg.Rate, a.asc, codec, available = opus.Rate, nil, "Opus", opus.Available
	}
	switch {
	case cfg.Mute:
		a.reason = "muted (audio.mute = true)"
	case cfg.Device == "none":
		a.reason = "no microphone configured (audio.device = \"none\")"
	case !available:
		a.reason = "this build has no " + codec + " encoder (built without cgo)"
	}
	if a.reason != "" {
		a.source = "silent track"
		log.Info("audio: sending a silent "+codec+" track", "why", a.reason)
		return a
	}
	enc, err := a.newEncoder()
	if err != nil {
		a.reason, a.source = codec+" encoder unavailable: "+err.Error(), "silent track"
		log.Warn("audio: sending a silent "+codec+" track", "why", a.reason)
		return a
	}
	a.enc, a.asc = enc, enc.Config()
	a.pipe = audio.NewPipeline(a.cfg.Rate, a.cfg.Channels, enc.FrameSize(), a.cfg.GainDB)
	return a
}

// newEncoder opens the audio encoder a's codec and settings ask for.
func (a *audioPath) newEncoder() (audioEncoder, error) {
	if a.opus {
		return opus.New(a.cfg.Rate, a.cfg.Channels, a.cfg.BitrateKbps)
	}
	return aac.New(a.cfg.Rate, a.cfg.Channels, a.cfg.BitrateKbps)
}

// constant reports whether the track is the constant silent one, made on
// the video goroutine's clock.
func (a *audioPath) constant() bool { return a.enc == nil }

func (a *audioPath) set(source, reason string) {
	a.mu.Lock()
	changed := a.reason != reason
	a.source, a.reason = source, reason
	a.mu.Unlock()
	if changed && reason != "" {
		a.log.Warn("audio: silent", "why", reason)
	} else if changed {
		a.log.Info("audio: microphone", "source", source)
	}
}

func (a *audioPath) status() control.AudioStatus {
	a.mu.Lock()
	st := control.AudioStatus{Source: a.source, SilentReason: a.reason, PeakDBFS: -120, RMSDBFS: -120}
	a.mu.Unlock()
	if a.pipe != nil {
		st.PeakDBFS, st.RMSDBFS = a.pipe.Meter.Levels()
		st.Corrected = a.pipe.Corrected.Load()
	}
	return st
}

func (a *audioPath) open(ctx context.Context) (audio.Source, error) {
	if a.cfg.Device == "syncbeep" {
		return audio.NewBeep(ctx, a.cfg.Rate, a.cfg.Channels), nil
	}
	card, dev, err := audio.FindCard(a.cfg.Device)
	if err != nil {
		return nil, err
	}
	return audio.OpenALSA(card, dev, a.cfg.Rate, a.cfg.Channels)
}

// close frees the AAC encoder; run has returned.
func (a *audioPath) close() {
	a.closeOnce.Do(func() {
		if a.enc != nil {
			a.enc.Close()
		}
	})
}

// run is the audio stage: it captures and encodes until ctx ends, handing
// packets to out. While the microphone is missing it keeps the track going
// with silence on the same sample clock, and looks for the microphone
// again. With no AAC encoder the encode stage makes the silent track and
// run has nothing to do.
func (a *audioPath) run(ctx context.Context, s *stage, out func(*encode.Packet)) error {
	if a.enc == nil {
		<-ctx.Done()
		return nil
	}
	m := &mic{a: a, s: s, out: out, errs: newRateLog(a.log, 10*time.Second),
		buf: make([]int16, a.cfg.Rate/50*a.cfg.Channels)} // 20 ms periods
	m.emitFn = m.emit
	pace := time.NewTimer(0)
	defer pace.Stop()
	defer m.closeSource()
	for ctx.Err() == nil {
		if m.src == nil && time.Since(m.lastTry) >= retryMic {
			m.open(ctx)
		}
		if m.src != nil {
			m.read(ctx)
			continue
		}
		// No microphone: silence on the sample clock, in real time.
		clear(m.buf)
		at := a.pipe.Next()
		if !a.pipe.Started() {
			at = frame.Now()
		}
		a.pipe.Push(m.buf, at, m.emitFn)
		if d := at + 20*time.Millisecond - frame.Now(); d > 0 {
			pace.Reset(d)
			select {
			case <-ctx.Done():
				return nil
			case <-pace.C:
			}
		}
	}
	return nil
}

// mic is the audio stage's state between periods.
type mic struct {
	a       *audioPath
	s       *stage
	out     func(*encode.Packet)
	errs    *rateLog
	buf     []int16
	pkts    []*encode.Packet // reused
	emitFn  func([]int16)    // m.emit, bound once
	src     audio.Source
	lastTry time.Time
	lost    string // why the microphone went away, kept while it is looked for
}

// emit encodes one period of PCM and hands the packets on.
func (m *mic) emit(pcm []int16) {
	var err error
	m.s.in.Add(1)
	m.pkts, err = m.a.enc.Encode(m.pkts[:0], pcm, m.a.pipe.Origin())
	if err != nil {
		m.errs.Error("audio: encode", err)
	}
	for _, p := range m.pkts {
		m.s.out.Add(1)
		m.out(p)
	}
}

// open tries the microphone and says in status what came of it.
func (m *mic) open(ctx context.Context) {
	m.lastTry = time.Now()
	src, err := m.a.open(ctx)
	switch {
	case err == nil:
		m.src, m.lost = src, ""
		m.a.set(src.Describe(), "")
	case m.lost != "":
		m.a.set("silence", m.lost)
	case errors.Is(err, audio.ErrNoMicrophone) && m.a.cfg.Device == "auto":
		m.a.set("silence", "no microphone found (looking again every 2 s)")
	case m.a.opus:
		m.a.set("silence", "no microphone: "+err.Error()+"; WHIP's Opus sound needs it at 48 kHz (looking again every 2 s)")
	default:
		m.a.set("silence", "no microphone: "+err.Error()+" (looking again every 2 s)")
	}
}

// read takes one period from the microphone; a read error closes it and
// the track goes on with silence.
func (m *mic) read(ctx context.Context) {
	n, at, err := m.src.Read(m.buf)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		m.closeSource()
		m.lastTry = time.Now()
		m.lost = fmt.Sprintf("microphone lost: %v (looking again every 2 s)", err)
		m.a.set("silence", m.lost)
		return
	}
	m.a.pipe.Push(m.buf[:n*m.a.cfg.Channels], at, m.emitFn)
}

func (m *mic) closeSource() {
	if m.src != nil {
		m.src.Close()
		m.src = nil
	}
}
