package box

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/pitchbox/pitchbox/chat"
	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/display"
	"github.com/pitchbox/pitchbox/display/text"
	"github.com/pitchbox/pitchbox/frame"
)

// PanelInfo is what the screen says about the web panel: where it is,
// and on first run the pairing code (and the HTTPS fingerprint).
type PanelInfo struct {
	URL, Pairing, Fingerprint string
}

// WithPanelInfo lets the screen show the panel's address and, until the
// box is paired, its pairing code.
func WithPanelInfo(info func() PanelInfo) Option {
	return func(o *options) { o.panelInfo = info }
}

// chatOnScreen bounds the messages handed to the screen each time.
const chatOnScreen = 100

// DisplayState implements display.Feed: what Status says, in the
// screen's terms, with the last minute of the bitrate sent. The screen
// asks a few times a second.
func (b *Box) DisplayState() display.State {
	st := b.Status()
	ds := display.State{Stream: st.State, Problem: st.Problem, BitrateKbps: st.BitrateKbps, TargetKbps: st.TargetKbps,
		PeakDBFS: st.Audio.PeakDBFS, RMSDBFS: st.Audio.RMSDBFS, MicSilent: micSilent(st.Audio.SilentReason),
		Viewers: st.Viewers, Preset: st.Scene}
	if st.State.Failing() && st.Stream != nil {
		// The screen counts down to the next attempt on its own clock:
		// the reason goes without the time.
		ds.Problem, ds.RetryAt = st.Stream.Problem, st.RetryAt
		if ds.Problem == "" {
			ds.Problem = "Not connected"
		}
	}
	if st.State == control.Live && !st.OnAirSince.IsZero() {
		ds.OnAir = time.Since(st.OnAirSince)
	}
	if w := b.watching(); w != nil {
		ds.Rates = w.history()
	}
	if b.opt.panelInfo != nil {
		pi := b.opt.panelInfo()
		ds.PanelURL, ds.Pairing, ds.Fingerprint = pi.URL, pi.Pairing, pi.Fingerprint
	}
	switch p := b.pipeline(); {
	case p == nil:
	case p.chat == nil:
		ds.ChatNote = "Chat is off (set it up in the panel's config)"
	default:
		ds.Messages, ds.ChatNote = chatOnDisplay(p.chat)
	}
	return ds
}

// micSilent is the meter's words for why the stream has no sound ("" when
// it has): muted, no microphone, or no sound (no AAC encoder).
func micSilent(reason string) string {
	switch {
	case reason == "":
		return ""
	case strings.HasPrefix(reason, "muted"):
		return "muted"
	case strings.Contains(reason, "microphone"):
		return "no microphone"
	}
	return "no sound"
}

// chatOnDisplay is the latest messages for the screen, or a note when
// there are none yet.
func chatOnDisplay(c *chat.Client) ([]display.Message, string) {
	ms := c.Messages()
	if len(ms) > chatOnScreen {
		ms = ms[len(ms)-chatOnScreen:]
	}
	if len(ms) == 0 {
		if cs := c.Status(); !cs.Connected {
			return nil, "Chat: connecting…"
		}
	}
	out := make([]display.Message, 0, len(ms))
	for _, m := range ms {
		name := m.Sender.Attributes["displayName"]
		if name == "" {
			name = m.Sender.UserID
		}
		out = append(out, display.Message{ID: m.ID, Sender: name, Text: m.Content})
	}
	return out, ""
}

// Preview implements display.Feed with the latest composited frame.
func (b *Box) Preview(ctx context.Context, fn func(*frame.Frame)) bool {
	p := b.pipeline()
	return p != nil && p.snap.with(ctx, fn) == nil
}

// runDisplay drives the attached screen until ctx ends. A missing screen
// with display.device = "auto" is normal (a headless box); a configured
// one that cannot be opened is logged, and the box runs without it.
func runDisplay(ctx context.Context, c config.Display, feed display.Feed, log *slog.Logger) {
	path := c.Device
	switch path {
	case "none":
		return
	case "auto":
		if path = display.Find(); path == "" {
			log.Info("display: no framebuffer; running without a screen")
			return
		}
	}
	fb, err := display.Open(path)
	if err != nil {
		log.Error("display: cannot use the screen; running without it", "device", path, "err", err)
		return
	}
	defer fb.Close()
	restore := display.HideConsole()
	defer restore()
	fonts, errs := text.LoadFonts(text.SystemFonts...)
	for _, err := range errs {
		log.Warn("display: font missing; some scripts show as boxes (install fonts-dejavu-core fonts-noto-cjk fonts-symbola)", "err", err)
	}
	log.Info("display: drawing", "device", path, "format", fb.Format.String())
	r := &display.Runner{Screen: display.NewScreen(fb.Width, fb.Height, fonts), Out: fb, Feed: feed}
	r.Run(ctx)
	for _, err := range fonts.Errors() {
		log.Warn("display: a font could not be read when it was needed", "err", err)
	}
}
