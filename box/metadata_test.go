package box

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/encode/x264"
	"github.com/pitchbox/pitchbox/internal/wait"
	"github.com/pitchbox/pitchbox/ivs/ivstest"
)

// TestTimedMetadata runs a box with [ivs] timed_metadata on the fake IVS
// API: a card shown off air goes out once the box is live, a clear
// follows Clear, and a countdown that takes its preset off sends its
// clear by itself; the countdown runs on across a settings change (the
// pipeline built again) instead of starting over.
func TestTimedMetadata(t *testing.T) {
	if !x264.Available {
		t.Fatal("this test needs the x264 backend (cgo + libx264-dev)")
	}
	api := ivstest.New("AKIDMETA", testChannel, "127.0.0.1", "sk")
	t.Cleanup(api.Close)
	api.SetLive(1, "HEALTHY")
	c := testConfig(t)
	c.Audio.Device, c.Display.Device = "none", "none"
	c.Output.URL, c.Output.StreamKey = rtmpSink(t), "sk_test"
	awsConfig(t, c, api)
	c.IVS.TimedMetadata = true
	c.Presets = append(c.Presets,
		config.Preset{Name: "Café crème", Title: "Café crème", Price: "19,90 €", URL: "https://shop.example/cafe", Size: 0.4, Position: "top-left"},
		config.Preset{Name: "flash", QR: "https://shop.example/flash", Size: 0.4, Position: "center", CountdownSeconds: 3, CountdownEnd: "clear"})
	b, err := New(c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	runBox(t, b)
	if err := b.Show("Café crème", "test"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if m := api.Metadata(); len(m) != 0 {
		t.Fatalf("sent off air: %q", m)
	}
	if err := b.GoLive("test"); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 10*time.Second, "the card's show event once live", func() bool { return hasEvent(api, `"event":"show"`, `"title":"Café crème"`, `"price":"19,90 €"`) })
	b.Clear("test")
	wait.For(t, 5*time.Second, "the clear event", func() bool { return hasEvent(api, `"event":"clear"`, `"preset":"Café crème"`) })
	if err := b.Show("flash", "test"); err != nil {
		t.Fatal(err)
	}
	shown := time.Now()
	time.Sleep(1500 * time.Millisecond)
	if _, err := b.Update(func(c *config.Config) error { c.Encoder.BitrateKbps = 400; return nil }); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 10*time.Second, "the countdown to take its preset off", func() bool { return b.Status().Scene == "" })
	if d := time.Since(shown); d > 4400*time.Millisecond { // restarted, it would be 4.5 s
		t.Errorf("the 3 s countdown ended %v after it was shown: the rebuild at 1.5 s restarted it", d.Round(time.Millisecond))
	}
	wait.For(t, 5*time.Second, "the countdown's clear event", func() bool { return hasEvent(api, `"event":"clear"`, `"preset":"flash"`) })
	for _, p := range api.Puts() {
		if p.Error != "" && p.Error != "ChannelNotBroadcasting" {
			t.Errorf("PutMetadata answered %s", p.Error)
		}
	}
}

// hasEvent reports whether the fake got a payload holding every part.
func hasEvent(api *ivstest.Server, parts ...string) bool {
	for _, m := range api.Metadata() {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(m, p)
		}
		if ok {
			return true
		}
	}
	return false
}
