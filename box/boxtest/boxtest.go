// Package boxtest runs real boxes for other packages' tests: the test
// pattern at 320x240 and 30 fps, encoded with x264 at 500 kbps and
// recorded to a file, without screen or microphone.
package boxtest

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/pitchbox/pitchbox/box"
	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/encode/x264"
)

// Config is that configuration, its state in a folder of the test's.
func Config(t testing.TB) *config.Config {
	t.Helper()
	if !x264.Available {
		t.Fatal("this test needs the x264 backend (cgo + libx264-dev)")
	}
	c := config.Defaults()
	c.StateDir = t.TempDir()
	c.Camera = config.Camera{Device: "testpattern", Width: 320, Height: 240, FPS: 30}
	c.Encoder.BitrateKbps = 500
	c.Display.Device, c.Audio.Device = "none", "none"
	return c
}

// Run builds a box from c and runs it until the test ends; end stops it
// earlier and returns Run's error (an error at the end of the test fails
// it). log nil discards the log.
func Run(t testing.TB, c *config.Config, log *slog.Logger, opts ...box.Option) (b *box.Box, end func() error) {
	t.Helper()
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	b, err := box.New(c, log, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	end = sync.OnceValue(func() error { cancel(); return <-done })
	t.Cleanup(func() {
		if err := end(); err != nil {
			t.Error(err)
		}
	})
	return b, end
}
