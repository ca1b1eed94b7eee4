//go:build !race

package box

import (
	"io"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/encode/x264"
	"github.com/pitchbox/pitchbox/frame"
	"github.com/pitchbox/pitchbox/stream"
)

// TestCountdownCardPerFrameAllocatesNothing drives the real per-frame path
// (compose with a ticking countdown on a card, SEI at the IDRs, x264,
// muxer, publisher) on a clock that advances a frame at a time, so the
// measured frames cross second boundaries and IDRs, and checks it
// allocates nothing.
func TestCountdownCardPerFrameAllocatesNothing(t *testing.T) {
	if !x264.Available {
		t.Fatal("needs the x264 backend (cgo + libx264-dev)")
	}
	c := cardConfig(t)
	c.Audio.Mute = true
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	b, err := New(c, log)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	p := b.pipeline()
	now := time.Unix(1_800_000_000, 0)
	p.comp.Now = func() time.Time { return now }
	if err := b.Show(config.PresetID("Café crème"), "test"); err != nil {
		t.Fatal(err)
	}
	d := &countDest{}
	pub := publishTo(p, d)
	defer pub.Close()
	f, _ := frame.New(p.width, p.height)
	e := &encoder{kc: encode.KeyframeClock{Interval: time.Second}, failSince: -1}
	n := 0
	step := func() {
		f.PTS, f.Seq = time.Duration(n)*time.Second/30, uint64(n)
		now = now.Add(time.Second / 30)
		n++
		p.comp.Apply(f)
		p.encodeFrame(e, f)
		for pub.Queued() > 0 {
			runtime.Gosched()
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; i < 90 || pub.Status().State != stream.Live; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("publisher never went live: %+v", pub.Status())
		}
		step()
	}
	for i := 0; i < 60; i++ {
		step()
	}
	timer := p.scenes.get("Café crème").Timer
	before := p.comp.Current()
	if a := testing.AllocsPerRun(90, step); a > 0 {
		t.Fatalf("%v allocations per frame with a countdown on screen", a)
	}
	if p.comp.Current() != before || timer == nil || d.video.Load() < 200 {
		t.Fatalf("the countdown card was not on screen all along (%d packets)", d.video.Load())
	}
}
