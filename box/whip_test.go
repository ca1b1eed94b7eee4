package box

import (
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/pitchbox/pitchbox/audio/opus"
	"github.com/pitchbox/pitchbox/config"
)

// TestAudioForWHIP: over WHIP the sound is Opus at 48 kHz whatever
// audio.rate says, with no AAC config; otherwise AAC at the configured
// rate. Muted, the Opus track is the constant silent one.
func TestAudioForWHIP(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := config.Audio{Device: "syncbeep", Rate: 44100, Channels: 2, BitrateKbps: 64}
	a := newAudioPath(cfg, true, log)
	defer a.close()
	if _, ok := a.enc.(*opus.Encoder); !ok || a.cfg.Rate != 48000 || a.asc != nil || a.enc.FrameSize() != 960 {
		t.Fatalf("WHIP: encoder %T at %d Hz, frame %d, asc %x; want Opus at 48000 Hz, 960, none", a.enc, a.cfg.Rate, a.enc.FrameSize(), a.asc)
	}
	b := newAudioPath(cfg, false, log)
	defer b.close()
	if _, ok := b.enc.(*opus.Encoder); ok || b.cfg.Rate != 44100 || len(b.asc) == 0 {
		t.Fatalf("RTMP: encoder %T at %d Hz, asc %x; want AAC at 44100 Hz with its config", b.enc, b.cfg.Rate, b.asc)
	}
	cfg.Mute = true
	m := newAudioPath(cfg, true, log)
	defer m.close()
	if !m.constant() || !m.opus || !strings.Contains(m.status().SilentReason, "muted") {
		t.Fatalf("muted over WHIP: constant %v opus %v reason %q", m.constant(), m.opus, m.status().SilentReason)
	}
}

// TestWHIPSizeCheck: a camera that gives more than 720p is refused for
// WHIP with the limit named, and allowed for RTMP.
func TestWHIPSizeCheck(t *testing.T) {
	c := config.Defaults()
	c.Output.URL = "https://global.whip.live-video.net"
	for _, s := range []struct {
		w, h int
		ok   bool
	}{{1280, 720, true}, {720, 1280, true}, {1920, 1080, false}, {1280, 960, false}} {
		err := checkWHIPSize(c, s.w, s.h)
		if (err == nil) != s.ok || (err != nil && (!config.IsInvalid(err) || !strings.Contains(err.Error(), "1280x720"))) {
			t.Errorf("%dx%d: %v", s.w, s.h, err)
		}
	}
	c.Output.URL = "rtmps://x.global-contribute.live-video.net:443/app/"
	if err := checkWHIPSize(c, 1920, 1080); err != nil {
		t.Errorf("RTMP at 1080p: %v", err)
	}
}

// TestRollbackOnlyUndoesTheFailedSettings: a build of older settings
// that fails while newer ones were saved does not undo the newer ones
// (the panel's second change was lost that way); the newer are tried.
func TestRollbackOnlyUndoesTheFailedSettings(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	good, older, newer := config.Defaults(), config.Defaults(), config.Defaults()
	s := &settings{cfg: newer, good: good}
	if !s.rollback(older, errors.New("older settings' key file is gone"), log) || s.cfg != newer || s.applyErr != "" {
		t.Fatalf("after an older build failed: retry, cfg newer %v, applyErr %q", s.cfg == newer, s.applyErr)
	}
	if !s.rollback(newer, errors.New("newer settings do not start"), log) || s.cfg != good || s.applyErr == "" {
		t.Fatalf("after the current build failed: cfg good %v, applyErr %q", s.cfg == good, s.applyErr)
	}
	if s.rollback(good, errors.New("nothing starts"), log) {
		t.Fatal("rolled back from the good settings to themselves")
	}
}
