package box

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/internal/syncbuf"
	"github.com/pitchbox/pitchbox/internal/wait"
)

// savedIntent reads the live intent b saved.
func savedIntent(t *testing.T, c *config.Config) intent {
	t.Helper()
	in, err := loadIntent(c.StateDir)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// TestSettingADestinationDoesNotGoOnAir: a box recording (its default
// with no destination) that is given one stops, and stays off; on-air
// time survives a settings change that is not the destination.
func TestSettingADestinationDoesNotGoOnAir(t *testing.T) {
	c := testConfig(t)
	b, err := New(c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	runBox(t, b)
	var st control.Status
	wait.For(t, 10*time.Second, "recording", func() bool {
		st = b.Status()
		return st.State == control.Recording && !st.OnAirSince.IsZero()
	})
	since := st.OnAirSince
	if since.IsZero() || !st.LiveRequested || savedIntent(t, c).Live {
		t.Fatalf("on air since %v, requested %v: autostart is not the seller's intent and is not saved", since, st.LiveRequested)
	}
	if _, err := b.Update(func(c *config.Config) error { c.Encoder.BitrateKbps = 400; return nil }); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 10*time.Second, "recording after the rebuild", func() bool {
		st = b.Status()
		return b.Builds() == 2 && st.State == control.Recording && st.Stream != nil && !st.Stream.LiveSince.IsZero()
	})
	if !st.OnAirSince.Equal(since) {
		t.Fatalf("on air since %v after a settings change, was %v", st.OnAirSince, since)
	}
	if _, err := b.Update(func(c *config.Config) error {
		c.Output.URL, c.Output.StreamKey = "rtmp://127.0.0.1:9/live/", "k"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 10*time.Second, "the third pipeline", func() bool { return b.Builds() == 3 && !b.Status().Applying })
	for range 10 {
		if st = b.Status(); st.State != control.Off || st.LiveRequested || st.Stream != nil || !st.OnAirSince.IsZero() {
			t.Fatalf("state %v, requested %v, stream %+v after a destination was set; want off", st.State, st.LiveRequested, st.Stream)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestReconnectingIsCountedAndSendsNothing: live to a port nobody
// listens on, the box counts its reconnects while it reconnects, sends
// 0 kbps, names the problem, and saves the seller's intent; Stop saves
// that too.
func TestReconnectingIsCountedAndSendsNothing(t *testing.T) {
	c := testConfig(t)
	c.Output.URL, c.Output.StreamKey = "rtmp://127.0.0.1:9/live/", "k"
	b, err := New(c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	runBox(t, b)
	if err := b.GoLive("test"); err != nil {
		t.Fatal(err)
	}
	if !savedIntent(t, c).Live {
		t.Fatal("live start was not saved")
	}
	var st control.Status
	wait.For(t, 10*time.Second, "two reconnects", func() bool {
		st = b.Status()
		return st.State == control.Reconnecting && st.Stream.Reconnects >= 2 && st.FPS > 0
	})
	if st.BitrateKbps != 0 || st.Totals.Reconnects < 1 || st.Problem == "" || st.RetryAt.IsZero() || !st.OnAirSince.IsZero() {
		t.Fatalf("reconnecting: %v kbps, %d total reconnects, problem %q, retry at %v, on air since %v",
			st.BitrateKbps, st.Totals.Reconnects, st.Problem, st.RetryAt, st.OnAirSince)
	}
	b.StopLive("test")
	if st = b.Status(); st.State != control.Off || savedIntent(t, c).Live {
		t.Fatalf("after stop: %v, saved intent %+v", st.State, savedIntent(t, c))
	}
}

// TestDamagedIntentStaysOff: a live.json that cannot be read leaves a
// box with a destination off, and the log says why.
func TestDamagedIntentStaysOff(t *testing.T) {
	c := testConfig(t)
	c.Output.URL, c.Output.StreamKey = "rtmp://127.0.0.1:9/live/", "k"
	if err := os.WriteFile(filepath.Join(c.StateDir, intentFile), []byte("{live: yes"), 0o600); err != nil {
		t.Fatal(err)
	}
	var log syncbuf.Buffer
	b, err := New(c, slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	runBox(t, b)
	wait.For(t, 5*time.Second, "the damage logged", func() bool { return strings.Contains(log.String(), "live.json is damaged") })
	if st := b.Status(); st.State != control.Off || st.LiveRequested {
		t.Fatalf("state %v, requested %v with a damaged intent; want off", st.State, st.LiveRequested)
	}
}
