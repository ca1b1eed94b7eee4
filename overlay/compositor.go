package overlay

import (
	"sync/atomic"
	"time"

	"github.com/pitchbox/pitchbox/frame"
)

// Scene is what is on screen: the name of the preset shown ("" for none)
// and its overlays. A Scene is immutable once published, but for its
// Timer's picture, which only the compositor's Apply redraws.
type Scene struct {
	Name     string
	Overlays []*Overlay
	// Timer is the scene's countdown, nil for none.
	Timer *Timer
	// Cue, when set, makes the in-band metadata for a showing that starts
	// at: show goes with the frames that show the scene, clear with the
	// frames after it (cleared, or its countdown ended without hold).
	Cue func(at time.Time) (show, clear *frame.Meta)
}

// showing is one Set: the scene, when it went on, and its metadata.
type showing struct {
	scene       *Scene
	at          time.Time
	show, clear *frame.Meta
}

// Compositor blends the current scene into frames. Set may be called from
// any goroutine; Apply from the frame goroutine. The frame after a Set
// carries the new scene.
type Compositor struct {
	// Now is the clock countdowns run on; nil is time.Now.
	Now func() time.Time

	cur atomic.Pointer[showing]
	// Apply's own: the showing whose timer was last drawn, and the time
	// it shows.
	drawn *showing
	left  int
}

func (c *Compositor) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Set replaces the scene; nil clears it. A countdown starts now; frames
// carry the scene's Cue metadata (after a clear, the clear metadata of
// the scene that was on).
func (c *Compositor) Set(s *Scene) { c.SetAt(s, c.now()) }

// SetAt is Set for a showing that began at at: a pipeline built again
// while a countdown runs goes on from where it was.
func (c *Compositor) SetAt(s *Scene, at time.Time) {
	sh := &showing{scene: s, at: at}
	if s != nil && s.Cue != nil {
		sh.show, sh.clear = s.Cue(sh.at)
	}
	if s == nil {
		if prev := c.cur.Load(); prev != nil && prev.scene != nil {
			sh.show = prev.clear
		}
	}
	c.cur.Store(sh)
}

// Ended reports whether the scene's countdown has run out and taken it
// off the picture (countdown_end = "clear"), and the scene's name.
func (c *Compositor) Ended() (name string, ended bool) {
	sh := c.cur.Load()
	if sh == nil || sh.scene == nil || sh.scene.Timer == nil || sh.scene.Timer.Hold {
		return "", false
	}
	return sh.scene.Name, c.now().Sub(sh.at) >= time.Duration(sh.scene.Timer.Seconds)*time.Second
}

// Current returns the scene on screen, or nil.
func (c *Compositor) Current() *Scene {
	if sh := c.cur.Load(); sh != nil {
		return sh.scene
	}
	return nil
}

// Apply blends the current scene into f, sets f.Meta, and reports the
// scene it drew. A countdown is redrawn only when its second changes. It
// allocates nothing.
func (c *Compositor) Apply(f *frame.Frame) *Scene {
	sh := c.cur.Load()
	if sh == nil {
		f.Meta = nil
		return nil
	}
	f.Meta = sh.show
	s := sh.scene
	if s == nil {
		return nil
	}
	if t := s.Timer; t != nil {
		left := t.Seconds - int(c.now().Sub(sh.at)/time.Second)
		if left <= 0 && !t.Hold {
			f.Meta = sh.clear
			return nil
		}
		left = max(left, 0)
		if sh != c.drawn || left != c.left {
			t.Draw(left)
			c.drawn, c.left = sh, left
		}
	}
	for _, o := range s.Overlays {
		o.Blend(f)
	}
	if s.Timer != nil {
		s.Timer.O.Blend(f)
	}
	return s
}
