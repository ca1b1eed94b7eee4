//go:build !race

// The race detector instruments channel operations with allocations of
// its own; `make unit` runs the allocation tests again without -race.

package box

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/encode/x264"
	"github.com/pitchbox/pitchbox/frame"
	"github.com/pitchbox/pitchbox/stream"
)

// TestPerFrameAllocatesNothing drives the box's per-frame path — compose,
// keyframe clock, x264, silent audio, muxer, publisher queue — while live
// and checks it allocates nothing in steady state.
func TestPerFrameAllocatesNothing(t *testing.T) {
	if !x264.Available {
		t.Fatal("needs the x264 backend (cgo + libx264-dev)")
	}
	c := testConfig(t)
	c.Audio.Mute = true // the constant silent track, made on this path
	b, err := New(c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Show("buy", "test"); err != nil {
		t.Fatal(err)
	}
	p := b.pipeline()
	d := &countDest{}
	pub := publishTo(p, d)
	defer pub.Close()
	f, _ := frame.New(p.width, p.height)
	e := &encoder{kc: encode.KeyframeClock{Interval: 2 * time.Second}}
	n := 0
	step := func() {
		f.PTS = time.Duration(n) * time.Second / 30
		n++
		p.comp.Apply(f)
		p.encodeFrame(e, f)
		// A real camera paces frames 33 ms apart and the publisher keeps
		// up; here frames come as fast as x264 makes them, so let the
		// publisher catch up, or packets pile up in its queue and new
		// ones are made for frames that a box would never have.
		for pub.Queued() > 0 {
			runtime.Gosched()
		}
	}
	// Warm up: pools, queues, the first keyframe, and the publisher's
	// session, which its own goroutine opens (allocating, once) when the
	// first keyframe reaches it. Measuring before that would count it.
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; i < 90 || pub.Status().State != stream.Live; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("publisher never went live: %+v", pub.Status())
		}
		step()
		if i >= 90 {
			time.Sleep(time.Millisecond)
		}
	}
	for i := 0; i < 30; i++ {
		step()
	}
	if a := testing.AllocsPerRun(60, step); a > 0 {
		t.Fatalf("%v allocations per frame", a)
	}
	if d.video.Load() < 100 || d.audio.Load() < 100 {
		t.Fatalf("published %d video and %d audio packets: the path under test did not run", d.video.Load(), d.audio.Load())
	}
}

// countDest counts what is published, allocating nothing.
type countDest struct{ video, audio atomic.Int64 }

type countSession struct {
	d    *countDest
	done chan struct{}
}

func (d *countDest) String() string { return "count" }
func (d *countDest) Open(context.Context, stream.Header) (stream.Session, error) {
	return &countSession{d: d, done: make(chan struct{})}, nil
}
func (s *countSession) WriteVideo(*encode.Packet, time.Duration) error { s.d.video.Add(1); return nil }
func (s *countSession) WriteAudio(*encode.Packet, time.Duration) error { s.d.audio.Add(1); return nil }
func (s *countSession) Done() <-chan struct{}                          { return s.done }
func (s *countSession) Err() error                                     { return nil }
func (s *countSession) Close() error                                   { return nil }
