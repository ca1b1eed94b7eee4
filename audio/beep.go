package audio

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/pitchbox/pitchbox/frame"
)

// SyncPeriod is how often the sync sources mark time: the beep starts, and
// the sync test pattern flashes white, at every multiple of it on the
// pipeline clock.
const SyncPeriod = 2 * time.Second

// Beep is a synthetic microphone for checking lip sync: a 1 kHz tone of
// 200 ms starting at every multiple of SyncPeriod on the pipeline clock,
// silence in between, delivered in real time.
type Beep struct {
	rate, channels int
	Hz             float64
	Length         time.Duration
	origin         time.Duration
	n              int64 // frames delivered
	started        bool
	ctx            context.Context
	timer          *time.Timer
}

// NewBeep makes the source; ctx ends its waits.
func NewBeep(ctx context.Context, rate, channels int) *Beep {
	return &Beep{rate: rate, channels: channels, Hz: 1000, Length: 200 * time.Millisecond, ctx: ctx}
}

// Rate implements Source.
func (b *Beep) Rate() int { return b.rate }

// Channels implements Source.
func (b *Beep) Channels() int { return b.channels }

// Describe implements Source.
func (b *Beep) Describe() string {
	return fmt.Sprintf("sync beep (%g Hz every %v) %d Hz %dch", b.Hz, SyncPeriod, b.rate, b.channels)
}

// Close implements Source.
func (b *Beep) Close() error { return nil }

// Read implements Source: it returns when the last frame of buf would have
// been captured.
func (b *Beep) Read(buf []int16) (int, time.Duration, error) {
	frames := len(buf) / b.channels
	if !b.started {
		b.started, b.origin = true, frame.Now()
	}
	at := b.origin + SampleTime(b.n, b.rate)
	for i := 0; i < frames; i++ {
		t := at + time.Duration(i)*time.Second/time.Duration(b.rate)
		var v int16
		if ph := t % SyncPeriod; ph < b.Length {
			v = int16(16000 * math.Sin(2*math.Pi*b.Hz*ph.Seconds()))
		}
		for c := 0; c < b.channels; c++ {
			buf[i*b.channels+c] = v
		}
	}
	b.n += int64(frames)
	end := b.origin + SampleTime(b.n, b.rate)
	if d := end - frame.Now(); d > 0 {
		if b.timer == nil {
			b.timer = time.NewTimer(d)
		} else {
			b.timer.Reset(d)
		}
		select {
		case <-b.ctx.Done():
			b.timer.Stop()
			return 0, 0, b.ctx.Err()
		case <-b.timer.C:
		}
	}
	return frames, at, nil
}
