package app

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/encode/x264"
	"github.com/pitchbox/pitchbox/internal/wait"
)

func testApp(t *testing.T) (*App, string) {
	t.Helper()
	if !x264.Available {
		t.Fatal("needs the x264 backend (cgo + libx264-dev)")
	}
	dir := t.TempDir()
	c := config.Defaults()
	c.StateDir = dir
	c.Camera = config.Camera{Device: "testpattern", Width: 320, Height: 240, FPS: 30}
	c.Audio.Device = "none"
	c.Encoder.Backend = "x264"
	c.Presets = []config.Preset{{Name: "buy", QR: "x", Size: 0.3}}
	path := filepath.Join(dir, "pitchbox.toml")
	ring := NewLogRing(50)
	a := New(path, c, slog.New(slog.NewTextHandler(ring, nil)), ring)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, nil) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	if a.WaitBox(10*time.Second) == nil {
		t.Fatal("no box")
	}
	return a, path
}

// TestUpdateRollsBack: settings that validate but cannot start (an M2M
// encoder on a machine without one) are undone, saved back, and reported.
func TestUpdateRollsBack(t *testing.T) {
	a, path := testApp(t)
	first := a.Box()
	if err := first.Show("buy", "test"); err != nil {
		t.Fatal(err)
	}
	restarted, err := a.Update(func(c *config.Config) error { c.Encoder.Backend = "m2m"; return nil })
	if err != nil || !restarted {
		t.Fatalf("update: %v %v", restarted, err)
	}
	wait.For(t, 10*time.Second, "the box to be rebuilt", func() bool { b := a.Box(); return b != nil && b != first })
	b := a.Box()
	if !strings.Contains(a.ApplyError(), "undone") || a.Config().Encoder.Backend != "x264" {
		t.Fatalf("apply error %q, backend %q", a.ApplyError(), a.Config().Encoder.Backend)
	}
	if b.Scene() != "buy" {
		t.Errorf("the overlay on screen did not survive the rebuild: %q", b.Scene())
	}
	saved, err := config.Load(path)
	if err != nil || saved.Encoder.Backend != "x264" {
		t.Fatalf("saved file: %v %+v", err, saved.Encoder)
	}
	if !strings.Contains(strings.Join(a.Logs(), "\n"), "going back to the previous") {
		t.Error("the rollback is not in the log")
	}
}

// TestPresetChangesDoNotRestart: presets apply to the running box.
func TestPresetChangesDoNotRestart(t *testing.T) {
	a, _ := testApp(t)
	b := a.Box()
	restarted, err := a.Update(func(c *config.Config) error {
		c.Presets = append(c.Presets, config.Preset{Name: "sale", QR: "y", Size: 0.2})
		return nil
	})
	if err != nil || restarted {
		t.Fatalf("update: %v %v", restarted, err)
	}
	if a.Box() != b || len(b.Presets()) != 2 {
		t.Fatal("the box was rebuilt or did not get the preset")
	}
	_, err = a.Update(func(c *config.Config) error { c.Camera.FPS = 0; return nil })
	if !config.IsInvalid(err) || a.Config().Camera.FPS != 30 {
		t.Fatalf("invalid update: %v", err)
	}
}
