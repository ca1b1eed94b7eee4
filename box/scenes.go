package box

import (
	"fmt"
	"sync"
	"time"

	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/encode/h264"
	"github.com/pitchbox/pitchbox/frame"
	"github.com/pitchbox/pitchbox/overlay"
)

// sceneSet is every preset rendered at the frame size, in config order.
type sceneSet struct {
	mu     sync.RWMutex
	scenes map[string]*overlay.Scene
	order  []string
}

func (s *sceneSet) get(name string) *overlay.Scene {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.scenes[name]
}

// lookup finds a preset by its name or its id (config.PresetID: a
// button or a command line cannot spell "Blue mug — €12", but can
// "blue-mug-12"); it returns the preset's name.
func (s *sceneSet) lookup(nameOrID string) (string, *overlay.Scene) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if sc := s.scenes[nameOrID]; sc != nil {
		return nameOrID, sc
	}
	for _, n := range s.order {
		if config.PresetID(n) == nameOrID {
			return n, s.scenes[n]
		}
	}
	return "", nil
}

func (s *sceneSet) names() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]string(nil), s.order...)
}

func (s *sceneSet) replace(n *sceneSet) {
	s.mu.Lock()
	s.scenes, s.order = n.scenes, n.order
	s.mu.Unlock()
}

// buildScenes renders every preset at the frame size: here, where it is
// drawn, a QR that does not fit or an image that does not decode is found.
// Errors name the preset and satisfy config.IsInvalid.
func buildScenes(presets []config.Preset, w, h int) (*sceneSet, error) {
	s := &sceneSet{scenes: map[string]*overlay.Scene{}}
	for _, p := range presets {
		sc, err := overlay.BuildScene(PresetSpec(p), w, h)
		if err != nil {
			return nil, &config.Error{Key: fmt.Sprintf("preset[%q].%s", p.Name, presetKind(p)), Msg: err.Error()}
		}
		sc.Cue = presetCue(p)
		s.scenes[p.Name] = sc
		s.order = append(s.order, p.Name)
	}
	return s, nil
}

// presetKind is the key that makes p what it is, for messages.
func presetKind(p config.Preset) string {
	switch {
	case p.Title != "":
		return "title"
	case p.Text != "":
		return "text"
	case p.Image != "":
		return "image"
	}
	return "qr"
}

// productUUID is control.ProductEventUUID as bytes.
var productUUID = func() [16]byte {
	u, err := h264.ParseUUID(control.ProductEventUUID)
	if err != nil {
		panic(err)
	}
	return u
}()

// presetCue makes the SEI the encoder writes when p goes on the picture
// (repeated at every IDR while it is on) and when it comes off: a
// user-data-unregistered message with the product event's JSON. Each
// showing gets its own (its countdown ends at its own time).
func presetCue(p config.Preset) func(time.Time) (show, clear *frame.Meta) {
	return func(at time.Time) (show, clear *frame.Meta) {
		ends := at.Add(time.Duration(p.CountdownSeconds) * time.Second)
		if b, err := p.Event(control.EventShow, ends).JSON(); err == nil {
			show = &frame.Meta{SEI: h264.AppendUserDataSEI(nil, productUUID, b), Repeat: true}
		}
		if b, err := p.Event(control.EventClear, ends).JSON(); err == nil {
			clear = &frame.Meta{SEI: h264.AppendUserDataSEI(nil, productUUID, b)}
		}
		return show, clear
	}
}

// PresetSpec turns a configured preset into an overlay spec.
func PresetSpec(p config.Preset) overlay.Spec {
	spec := overlay.Spec{Name: p.Name, QR: p.QR, Image: p.Image, Text: p.Text, Size: p.Size,
		Title: p.Title, Price: p.Price, OldPrice: p.OldPrice, URL: p.URL,
		CountdownSeconds: p.CountdownSeconds, CountdownHold: p.CountdownEnd != "clear"}
	if p.X != nil && p.Y != nil {
		spec.Position, spec.X, spec.Y = overlay.XY, *p.X, *p.Y
	} else {
		pos := p.Position
		if pos == "" {
			pos = "bottom-right"
			if p.Text != "" {
				pos = "bottom-left" // a lower third
			}
		}
		spec.Position, _ = overlay.ParsePosition(pos)
	}
	return spec
}

// SetPresets replaces the presets while running: all are rendered first,
// and nothing changes if one fails. A preset on screen is replaced by its
// new version, or taken off when it was removed.
func (b *Box) SetPresets(presets []config.Preset) error {
	p, err := b.current()
	if err != nil {
		return err
	}
	n, err := buildScenes(presets, p.width, p.height)
	if err != nil {
		return err
	}
	p.scenes.replace(n)
	b.mu.Lock()
	if b.scene != "" {
		s := n.get(b.scene)
		p.comp.SetAt(s, b.sceneAt) // nil when removed
		if s == nil {
			b.scene = ""
		}
	}
	b.mu.Unlock()
	b.log.Info("box: presets updated", "presets", n.order)
	return nil
}

// Presets lists preset names in config order.
func (b *Box) Presets() []string {
	if p := b.pipeline(); p != nil {
		return p.scenes.names()
	}
	return b.set.current().PresetNames()
}

// Show puts the preset named nameOrID (or whose id it is) on the picture
// from the next frame on, and tells buyers' players (in the video, and
// through IVS timed metadata when it is on).
func (b *Box) Show(nameOrID, source string) error {
	p, err := b.current()
	if err != nil {
		return err
	}
	name, s := p.scenes.lookup(nameOrID)
	if s == nil {
		return &NotFoundError{Name: nameOrID, Known: p.scenes.names()}
	}
	cfg, at := b.set.current(), time.Now()
	b.mu.Lock()
	p.comp.SetAt(s, at)
	b.scene, b.sceneAt = name, at
	b.shows[name]++
	b.mu.Unlock()
	b.meta.send(presetEvent(cfg, name, at), name)
	b.act("show "+name, source)
	return nil
}

// Clear removes any overlay from the next frame on.
func (b *Box) Clear(source string) {
	b.mu.Lock()
	if b.pipe != nil {
		b.pipe.comp.Set(nil)
	}
	prev := b.scene
	b.scene = ""
	b.mu.Unlock()
	if prev != "" {
		b.meta.send(control.ProductEvent{Event: control.EventClear, Preset: prev}, "")
	}
	b.act("clear", source)
}

// Scene returns the name of the preset on screen, "" for none (also once
// a countdown has taken it off).
func (b *Box) Scene() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pipe != nil {
		if _, ended := b.pipe.comp.Ended(); ended {
			return ""
		}
	}
	return b.scene
}

// NotFoundError is returned for an unknown preset.
type NotFoundError struct {
	Name  string
	Known []string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("box: no preset named %q (presets: %v)", e.Name, e.Known)
}

// NotFound marks the error as a missing thing for the API (404).
func (e *NotFoundError) NotFound() bool { return true }

var _ control.Controller = (*Box)(nil)
