package box

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/frame"
	"github.com/pitchbox/pitchbox/internal/logring"
	"github.com/pitchbox/pitchbox/internal/wait"
)

// fakeEncoder fails every Encode with err (or makes nothing when err is
// nil) and records Close.
type fakeEncoder struct {
	err    error
	closed atomic.Bool
}

func (e *fakeEncoder) Encode(dst []*encode.Packet, _ *frame.Frame, _ bool) ([]*encode.Packet, error) {
	return dst, e.err
}
func (e *fakeEncoder) Flush(dst []*encode.Packet) ([]*encode.Packet, error) { return dst, nil }
func (e *fakeEncoder) Name() string                                         { return "fake" }
func (e *fakeEncoder) Close() error                                         { e.closed.Store(true); return nil }

// encoders opens fake encoders: the first `good` succeed, the rest fail.
type encoders struct {
	mu     sync.Mutex
	good   int
	opened []*fakeEncoder
	tries  int
	err    error // what the opened encoders' Encode returns
}

func (o *encoders) open(encode.Settings) (encode.Encoder, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.tries++
	if o.tries > o.good {
		return nil, errors.New("box test: no encoder")
	}
	e := &fakeEncoder{err: o.err}
	o.opened = append(o.opened, e)
	return e, nil
}

func (o *encoders) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.tries
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// runBox runs b until the test ends.
func runBox(t *testing.T, b *Box) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
}

// TestStatusWhileTheCameraIsLookedFor polls status while an "auto" box
// looks for a camera every second on its capture goroutine; under -race
// this caught status reading the source's camera and path unlocked.
func TestStatusWhileTheCameraIsLookedFor(t *testing.T) {
	c := testConfig(t)
	c.Camera.Device = "auto"
	b, err := New(c, quietLog(), WithEncoder((&encoders{good: 9}).open))
	if err != nil {
		t.Fatal(err)
	}
	runBox(t, b)
	polls := 0
	wait.For(t, 10*time.Second, "2.5 s of frames (two looks for the camera)", func() bool {
		st := b.Status()
		polls++
		return st.Captured >= 75
	})
	if polls < 10 {
		t.Fatalf("status polled only %d times", polls)
	}
}

// TestEncoderClosedWhenNewFails: a step after the encoder fails (here the
// destination's CA file), and the encoder opened before it is closed.
func TestEncoderClosedWhenNewFails(t *testing.T) {
	c := testConfig(t)
	c.Output.URL, c.Output.StreamKey = "rtmps://127.0.0.1:1/app/", "k"
	c.Output.CAFile = filepath.Join(c.StateDir, "missing-ca.pem")
	encs := &encoders{good: 1}
	if _, err := New(c, quietLog(), WithEncoder(encs.open)); err == nil || !config.IsInvalid(err) {
		t.Fatalf("New: %v, want a config error for output.ca_file", err)
	}
	if len(encs.opened) != 1 || !encs.opened[0].closed.Load() {
		t.Fatal("the encoder opened before the failing step was not closed")
	}
}

// pauses records the pauses the supervisor takes instead of sleeping.
type pauses struct {
	mu sync.Mutex
	d  []time.Duration
}

func (p *pauses) sleep(ctx context.Context, d time.Duration) bool {
	p.mu.Lock()
	p.d = append(p.d, d)
	n := len(p.d)
	p.mu.Unlock()
	if n >= 5 {
		<-ctx.Done() // enough seen: wait here for the test to end
		return false
	}
	return ctx.Err() == nil
}

func (p *pauses) seen() []time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Duration(nil), p.d...)
}

func inode(t *testing.T, path string) uint64 {
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t).Ino
}

// TestRollbackPausesWhenNothingStarts: new settings that do not start are
// undone and the previous ones saved back once; when those fail too (the
// encoder is gone), the box tries again after growing pauses instead of
// spinning, and saves nothing more.
func TestRollbackPausesWhenNothingStarts(t *testing.T) {
	c := testConfig(t)
	path := filepath.Join(c.StateDir, "pitchbox.toml")
	if err := config.Save(path, c); err != nil {
		t.Fatal(err)
	}
	encs := &encoders{good: 1}
	var ps pauses
	ring := logring.New(100)
	b, err := New(c, slog.New(slog.NewTextHandler(ring, nil)), WithEncoder(encs.open), WithConfigFile(path), WithLogs(ring))
	if err != nil {
		t.Fatal(err)
	}
	b.opt.sleep = ps.sleep
	runBox(t, b)
	before := inode(t, path)
	if _, err := b.Update(func(c *config.Config) error { c.Encoder.BitrateKbps = 900; return nil }); err != nil {
		t.Fatal(err)
	}
	saved := inode(t, path)
	wait.For(t, 10*time.Second, "five pauses", func() bool { return len(ps.seen()) >= 5 })
	d := ps.seen()
	for i := 1; i < len(d); i++ {
		if d[i] <= 0 || d[i] < d[i-1]/2 {
			t.Fatalf("pauses %v do not grow", d)
		}
	}
	if d[len(d)-1] < 2*time.Second {
		t.Errorf("pauses %v: the fifth is still short", d)
	}
	if n := encs.count(); n != 1+1+1+4 {
		t.Errorf("%d encoder opens for 5 pauses; want the first, the new settings, the rollback and one per pause", n)
	}
	rolled := inode(t, path)
	if rolled == saved || before == saved {
		t.Fatal("the change and the rollback were not both saved")
	}
	if got, _ := config.Load(path); got.Encoder.BitrateKbps != c.Encoder.BitrateKbps {
		t.Fatalf("saved bitrate %d, want the previous %d", got.Encoder.BitrateKbps, c.Encoder.BitrateKbps)
	}
	if b.pipeline() != nil || !b.Status().Applying || !strings.Contains(b.ApplyError(), "undone") {
		t.Fatalf("pipeline %v, apply error %q", b.pipeline(), b.ApplyError())
	}
	if n := strings.Count(strings.Join(b.Logs(), "\n"), "going back to the previous"); n != 1 {
		t.Errorf("rolled back %d times", n)
	}
}

// TestFailedEncoderRestartsThePipeline: an encoder that fails on every
// frame while live fails its stage after encodeFailAfter; the box pauses
// and builds the pipeline again, and the per-frame error is logged a
// bounded number of times, not once per frame.
func TestFailedEncoderRestartsThePipeline(t *testing.T) {
	c := testConfig(t)
	encs := &encoders{good: 9, err: errors.New("box test: device wedged")}
	ring := logring.New(500)
	b, err := New(c, slog.New(slog.NewTextHandler(ring, nil)), WithEncoder(encs.open), WithLogs(ring))
	if err != nil {
		t.Fatal(err)
	}
	var ps pauses
	b.opt.sleep = ps.sleep
	runBox(t, b)
	if err := b.GoLive("test"); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 15*time.Second, "a second pipeline", func() bool { return b.Builds() >= 2 && b.pipeline() != nil })
	logs := strings.Join(b.Logs(), "\n")
	if !strings.Contains(logs, "the encode stage failed") || !strings.Contains(logs, "device wedged") {
		t.Fatalf("the failure is not in the log:\n%s", logs)
	}
	if n := strings.Count(logs, `msg="box: encode"`); n < 1 || n > 2 {
		t.Errorf("the encode error was logged %d times for about 60 failing frames", n)
	}
	if len(ps.seen()) != 1 || !encs.opened[0].closed.Load() {
		t.Errorf("pauses %v; first encoder closed: %v", ps.seen(), encs.opened[0].closed.Load())
	}
	if !b.Live() {
		t.Error("the rebuilt pipeline is not live")
	}
}
