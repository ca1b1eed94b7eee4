package overlay

import (
	"sync/atomic"

	"github.com/pitchbox/pitchbox/frame"
)

// Scene is what is on screen: the name of the preset shown ("" for none)
// and its overlays. A Scene is immutable once published.
type Scene struct {
	Name     string
	Overlays []*Overlay
}

// Compositor blends the current scene into frames. Set may be called from
// any goroutine; Apply from the frame goroutine. The frame after a Set
// carries the new scene.
type Compositor struct {
	scene atomic.Pointer[Scene]
}

// Set replaces the scene; nil clears it.
func (c *Compositor) Set(s *Scene) { c.scene.Store(s) }

// Current returns the scene on screen, or nil.
func (c *Compositor) Current() *Scene { return c.scene.Load() }

// Apply blends the current scene into f and reports the scene it drew.
// It allocates nothing.
func (c *Compositor) Apply(f *frame.Frame) *Scene {
	s := c.scene.Load()
	if s == nil {
		return nil
	}
	for _, o := range s.Overlays {
		o.Blend(f)
	}
	return s
}
