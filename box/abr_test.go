package box

import (
	"errors"
	"log/slog"
	"testing"

	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/frame"
)

// rateEncoder records the bitrates it is set to and refuses one.
type rateEncoder struct {
	set    []int
	refuse int
}

func (e *rateEncoder) Encode(dst []*encode.Packet, _ *frame.Frame, _ bool) ([]*encode.Packet, error) {
	return dst, nil
}
func (e *rateEncoder) Flush(dst []*encode.Packet) ([]*encode.Packet, error) { return dst, nil }
func (e *rateEncoder) Name() string                                         { return "rate" }
func (e *rateEncoder) Close() error                                         { return nil }
func (e *rateEncoder) SetBitrate(kbps int) error {
	if kbps == e.refuse {
		return errors.New("no")
	}
	e.set = append(e.set, kbps)
	return nil
}

// TestBitrateApply: the encoder is set only when the target changes, a
// refused bitrate is not tried on every frame, and the configured one
// comes back when the target is cleared.
func TestBitrateApply(t *testing.T) {
	var b bitrate
	e := &rateEncoder{refuse: 700}
	log := slog.New(slog.DiscardHandler)
	step := func(target int64) {
		b.target.Store(target)
		for range 3 {
			b.apply(e, 3000, log)
		}
	}
	step(0)
	step(1000)
	step(700)
	step(1500)
	step(0)
	want := []int{1000, 1500, 3000}
	if len(e.set) != len(want) || e.set[0] != 1000 || e.set[1] != 1500 || e.set[2] != 3000 {
		t.Fatalf("set %v, want %v", e.set, want)
	}
	if b.kbps(3000) != 3000 {
		t.Fatalf("target %d", b.kbps(3000))
	}
}
