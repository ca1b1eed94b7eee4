package display

import (
	"context"
	"image"
	"math"
	"sync/atomic"
	"time"

	"github.com/pitchbox/pitchbox/control"
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
	// MeterDraws and GraphDraws count the gauges' redraws on their own
	// (DrawStatus draws them too).
	MeterDraws, GraphDraws atomic.Int64

	// What was drawn last, to draw only what changed.
	drawn struct {
		status statusKey
		chat   chatKey
		meter  meterKey
		graph  graphKey
		any    bool
	}
}

// Run draws until ctx ends. Status, chat and gauges are redrawn only when
// they changed, at most once per StateEvery.
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
	for {
		select {
		case <-ctx.Done():
			return
		case <-stateT.C:
			st := r.Feed.DisplayState()
			r.update(&st)
		case <-previewT.C:
			r.Feed.Preview(ctx, func(f *frame.Frame) {
				r.Out.Draw(r.Screen.Image(), r.Screen.DrawPreview(f))
				r.PreviewDraws.Add(1)
			})
		}
	}
}

// update draws what changed in st since the last time. Comparing and
// redrawing the gauges allocates nothing.
func (r *Runner) update(st *State) {
	s, d := r.Screen, &r.drawn
	sk, ck, mk, gk := keyStatus(st, s.now()), keyChat(st), keyMeter(st), keyGraph(st)
	first := !d.any
	d.any = true
	if first || sk != d.status {
		d.status, d.meter, d.graph = sk, mk, gk
		r.Out.Draw(s.Image(), s.DrawStatus(st))
		r.StatusDraws.Add(1)
	}
	if mk != d.meter {
		d.meter = mk
		r.Out.Draw(s.Image(), s.DrawMeter(st))
		r.MeterDraws.Add(1)
	}
	if gk != d.graph {
		d.graph = gk
		r.Out.Draw(s.Image(), s.DrawGraph(st))
		r.GraphDraws.Add(1)
	}
	if first || ck != d.chat {
		d.chat = ck
		r.Out.Draw(s.Image(), s.DrawChat(st))
		r.ChatDraws.Add(1)
	}
}

// statusKey changes when the status bar or the text under the picture
// would look different.
type statusKey struct {
	stream                       control.State
	onAir, retry, viewers        int
	viewersKnown, viewersFailed  bool
	problem, preset              string
	pairing, panelURL, fingerprt string
}

// keyStatus is s's statusKey at now (the countdown changes with it).
func keyStatus(s *State, now time.Time) statusKey {
	k := statusKey{stream: s.Stream, onAir: int(s.OnAir / time.Second), retry: retrySeconds(s.RetryAt, now),
		problem: s.Problem, preset: s.Preset, pairing: s.Pairing, panelURL: s.PanelURL, fingerprt: s.Fingerprint}
	if v := s.Viewers; v != nil {
		k.viewersKnown, k.viewersFailed, k.viewers = true, v.Error != "", v.Count
	}
	return k
}

// meterKey changes when the meter would look different (levels to half
// a decibel: about a pixel on the widest screens).
type meterKey struct {
	silent    string
	peak, rms int
}

// keyMeter is s's meterKey.
func keyMeter(s *State) meterKey {
	half := func(db float64) int { return int(math.Round(2 * min(max(db, meterFloor-1), 0))) }
	return meterKey{silent: s.MicSilent, peak: half(s.PeakDBFS), rms: half(s.RMSDBFS)}
}

// graphKey changes when the graph would: a new sample, another rate or
// target, another health.
type graphKey struct {
	samples, kbps, target int
	health                string
}

// keyGraph is s's graphKey.
func keyGraph(s *State) graphKey {
	k := graphKey{samples: s.Rates.Total(), kbps: int(math.Round(s.BitrateKbps)), target: s.TargetKbps}
	if s.Viewers != nil {
		k.health = s.Viewers.Health
	}
	return k
}

// chatKey changes when the messages do (new, deleted) or the note does.
type chatKey struct {
	n           int
	first, last string
	note        string
}

// keyChat is s's chatKey.
func keyChat(s *State) chatKey {
	n := len(s.Messages)
	if n == 0 {
		return chatKey{note: s.ChatNote}
	}
	return chatKey{n: n, first: s.Messages[0].ID, last: s.Messages[n-1].ID}
}
