package box

import (
	"log/slog"
	"sync"
	"time"

	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/ivs"
)

// timedMeta sends the product events through IVS PutMetadata as well as
// in the video, when [ivs] timed_metadata is on: the IVS Player gives
// them to buyers as TEXT_METADATA_CUE. The sender follows the settings
// and the live state once a second (from the watch), and notes the end
// of a countdown that takes its preset off the picture.
type timedMeta struct {
	log *slog.Logger

	mu     sync.Mutex
	cfg    config.IVS // what the sender was made for
	aws    config.AWS
	s      *ivs.MetadataSender // nil: off
	ended  bool                // the current showing's countdown ended (its clear was sent)
	preset string              // the preset on the picture, for its clear event
	last   []byte              // the last event, for a sender made after it
	failed bool                // the sender could not be made for cfg, aws (logged once)
}

// sync makes the sender match cfg (made, remade or closed), tells it
// whether the box is live, and reports whether it is on.
func (m *timedMeta) sync(cfg *config.Config, live bool) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	same := m.cfg == cfg.IVS && m.aws == cfg.AWS
	if m.s != nil && !same {
		_ = m.s.Close()
		m.s = nil
	}
	if m.s == nil && !(same && m.failed) && cfg.IVS.TimedMetadata && cfg.AWS.ChannelARN != "" {
		m.make(cfg)
	}
	m.cfg, m.aws = cfg.IVS, cfg.AWS
	if m.s != nil {
		m.s.SetLive(live)
	}
	return m.s != nil
}

// make makes the sender for cfg and sends it the last event; a failure
// is logged once for these settings (under m.mu).
func (m *timedMeta) make(cfg *config.Config) {
	acct, err := awsAccount(cfg.AWS)
	if err == nil {
		m.s, err = ivs.NewMetadataSender(acct, cfg.AWS.ChannelARN, ivs.MetadataOptions{Logger: m.log})
	}
	m.failed = err != nil
	if err != nil {
		m.log.Warn("box: timed metadata is off: the AWS account cannot be used", "err", err)
		m.s = nil
		return
	}
	if m.last != nil {
		_ = m.s.Send(m.last)
	}
}

// send sends e when the sender is on; preset is what is now on the
// picture ("" after a clear).
func (m *timedMeta) send(e control.ProductEvent, preset string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sendLocked(e, preset)
}

// sendLocked is send under m.mu.
func (m *timedMeta) sendLocked(e control.ProductEvent, preset string) {
	m.preset, m.ended = preset, false
	b, err := e.JSON()
	if err == nil {
		m.last = b
		if m.s == nil {
			return
		}
		err = m.s.Send(b)
	}
	if err != nil {
		m.log.Warn("box: timed metadata", "preset", e.Preset, "err", err)
	}
}

// countdownEnded sends, once, the clear event of preset, whose countdown
// took it off the picture; a preset shown meanwhile is not touched.
func (m *timedMeta) countdownEnded(preset string, ended bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !ended || m.ended || m.preset == "" || preset != m.preset {
		return
	}
	m.sendLocked(control.ProductEvent{Event: control.EventClear, Preset: m.preset}, m.preset)
	m.ended = true
}

// close stops the sender and waits for it.
func (m *timedMeta) close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.s != nil {
		_ = m.s.Close()
		m.s = nil
	}
}

// presetEvent is the show event of the configured preset name, shown at
// at, or a bare one when the settings no longer have it.
func presetEvent(cfg *config.Config, name string, at time.Time) control.ProductEvent {
	for _, p := range cfg.Presets {
		if p.Name == name {
			return p.Event(control.EventShow, at.Add(time.Duration(p.CountdownSeconds)*time.Second))
		}
	}
	return control.ProductEvent{Event: control.EventShow, Preset: name}
}

// metaTick keeps the timed-metadata sender in step with the settings and
// the live state, and notes a countdown that took its preset off.
func (b *Box) metaTick() {
	if !b.meta.sync(b.set.current(), b.State() == control.Live) {
		return
	}
	if p := b.pipeline(); p != nil {
		b.meta.countdownEnded(p.comp.Ended())
	}
}
