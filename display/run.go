package display

import (
	"context"
	"fmt"
	"image"
	"sync/atomic"
	"time"

	"github.com/pitchbox/pitchbox/frame"
)

// Output is where the screen's picture goes: a Framebuffer, or a fake.
type Output interface {
	Draw(img *image.RGBA, r image.Rectangle)
}

// Feed is what the screen shows. The runner asks for the state at most
// ten times a second and for the picture at most five.
type Feed interface {
	DisplayState() State
	// Preview calls fn with the latest outgoing picture; false when there
	// is none yet.
	Preview(ctx context.Context, fn func(*frame.Frame)) bool
}

// Runner keeps a screen up to date.
type Runner struct {
	Screen *Screen
	Out    Output
	Feed   Feed
	// StateEvery and PreviewEvery default to 100 ms and 200 ms.
	StateEvery, PreviewEvery time.Duration

	// Counters of redraws, for status and tests.
	StatusDraws, ChatDraws, PreviewDraws atomic.Int64
}

// Run draws until ctx ends. Status and chat are redrawn only when they
// changed, at most once per StateEvery.
func (r *Runner) Run(ctx context.Context) {
	se, pe := r.StateEvery, r.PreviewEvery
	if se == 0 {
		se = 100 * time.Millisecond
	}
	if pe == 0 {
		pe = 200 * time.Millisecond
	}
	full := r.Screen.Image().Bounds()
	r.Out.Draw(r.Screen.Image(), full)
	stateT, previewT := time.NewTicker(se), time.NewTicker(pe)
	defer stateT.Stop()
	defer previewT.Stop()
	var lastStatus, lastChat string
	draw := func(rect image.Rectangle) { r.Out.Draw(r.Screen.Image(), rect) }
	for {
		select {
		case <-ctx.Done():
			return
		case <-stateT.C:
			st := r.Feed.DisplayState()
			if k := statusKey(&st); k != lastStatus {
				lastStatus = k
				draw(r.Screen.DrawStatus(&st))
				r.StatusDraws.Add(1)
			}
			if k := chatKey(&st); k != lastChat {
				lastChat = k
				draw(r.Screen.DrawChat(&st))
				r.ChatDraws.Add(1)
			}
		case <-previewT.C:
			r.Feed.Preview(ctx, func(f *frame.Frame) {
				draw(r.Screen.DrawPreview(f))
				r.PreviewDraws.Add(1)
			})
		}
	}
}

// statusKey changes when the status bar or side panel would look different.
func statusKey(s *State) string {
	return fmt.Sprintf("%s|%d|%.0f|%s|%s|%s|%s", s.Stream, int(s.OnAir/time.Second), s.BitrateKbps/10, s.Preset, s.Pairing, s.PanelURL, s.Fingerprint)
}

// chatKey changes when the messages do (new, deleted) or the note does.
func chatKey(s *State) string {
	n := len(s.Messages)
	if n == 0 {
		return "0|" + s.ChatNote
	}
	return fmt.Sprintf("%d|%s|%s", n, s.Messages[0].ID, s.Messages[n-1].ID)
}
