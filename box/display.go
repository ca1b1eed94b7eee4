package box

import (
	"context"
	"time"

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

// DisplayState implements display.Feed.
func (b *Box) DisplayState() display.State {
	st := display.State{Stream: b.StreamState(), Preset: b.Scene()}
	b.mu.Lock()
	pub := b.pub
	b.mu.Unlock()
	if pub != nil {
		ps := pub.Status()
		if !ps.LiveSince.IsZero() {
			st.OnAir = time.Since(ps.LiveSince)
		}
		_, st.BitrateKbps = b.stats.rates()
	}
	if b.panelInfo != nil {
		pi := b.panelInfo()
		st.PanelURL, st.Pairing, st.Fingerprint = pi.URL, pi.Pairing, pi.Fingerprint
	}
	if b.chat == nil {
		st.ChatNote = "Chat is off (set it up in the panel's config)"
		return st
	}
	ms := b.chat.Messages()
	if len(ms) > chatOnScreen {
		ms = ms[len(ms)-chatOnScreen:]
	}
	if len(ms) == 0 {
		if cs := b.chat.Status(); !cs.Connected {
			st.ChatNote = "Chat: connecting…"
		}
	}
	for _, m := range ms {
		name := m.Sender.Attributes["displayName"]
		if name == "" {
			name = m.Sender.UserID
		}
		st.Messages = append(st.Messages, display.Message{ID: m.ID, Sender: name, Text: m.Content})
	}
	return st
}

// Preview implements display.Feed with the latest composited frame.
func (b *Box) Preview(ctx context.Context, fn func(*frame.Frame)) bool {
	b.snapMu.Lock()
	defer b.snapMu.Unlock()
	if err := b.grab(ctx); err != nil {
		return false
	}
	fn(b.snapFrame)
	return true
}

// runDisplay drives the attached screen until ctx ends. A missing screen
// with display.device = "auto" is normal (a headless box); a configured
// one that cannot be opened is logged, and the box runs without it.
func (b *Box) runDisplay(ctx context.Context) {
	path := b.cfg.Display.Device
	switch path {
	case "none":
		return
	case "auto":
		if path = display.Find(); path == "" {
			b.log.Info("display: no framebuffer; running without a screen")
			return
		}
	}
	fb, err := display.Open(path)
	if err != nil {
		b.log.Error("display: cannot use the screen; running without it", "device", path, "err", err)
		return
	}
	defer fb.Close()
	restore := display.HideConsole()
	defer restore()
	fonts, errs := text.LoadFonts(text.SystemFonts...)
	for _, err := range errs {
		b.log.Warn("display: font missing; some scripts show as boxes (install fonts-dejavu-core fonts-noto-cjk fonts-symbola)", "err", err)
	}
	b.log.Info("display: drawing", "device", path, "format", fb.Format.String())
	r := &display.Runner{Screen: display.NewScreen(fb.Width, fb.Height, fonts), Out: fb, Feed: b}
	r.Run(ctx)
	for _, err := range fonts.Errors() {
		b.log.Warn("display: a font could not be read when it was needed", "err", err)
	}
}
