package box

import (
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"time"

	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/control"
)

// settings is the configuration the box runs with, the last one a
// pipeline started with, and why the last change was undone.
type settings struct {
	path string

	mu       sync.Mutex
	cfg      *config.Config
	good     *config.Config
	applyErr string
}

func (s *settings) current() *config.Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg
}

// worked records that a pipeline started with cfg.
func (s *settings) worked(cfg *config.Config) {
	s.mu.Lock()
	s.good = cfg
	s.mu.Unlock()
}

// rollback goes back to the last settings that worked after failed did
// not start, saving them once. It reports true when the pipeline should
// be built again at once: after going back, or when newer settings came
// while failed was being built (they are tried, not undone for an older
// change's fault). It reports false when the current settings are the
// good ones already: there is nothing to go back to.
func (s *settings) rollback(failed *config.Config, err error, log *slog.Logger) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg != failed {
		return true
	}
	if s.cfg == s.good {
		return false
	}
	log.Error("box: the new settings do not start; going back to the previous ones", "err", err)
	s.applyErr = "the new settings did not start and were undone: " + err.Error()
	s.cfg = s.good
	if s.path != "" {
		if serr := config.Save(s.path, s.good); serr != nil {
			log.Error("box: cannot save the previous settings back", "err", serr)
		}
	}
	return true
}

// Path is the configuration file ("" when settings are not saved).
func (b *Box) Path() string { return b.set.path }

// Config returns a copy of the current configuration.
func (b *Box) Config() *config.Config { return b.set.current().Clone() }

// ApplyError is why the last change was undone, "" if it was not.
func (b *Box) ApplyError() string {
	b.set.mu.Lock()
	defer b.set.mu.Unlock()
	return b.set.applyErr
}

// Update applies change to a copy of the configuration, validates it
// (presets rendered too), saves it atomically and applies it: preset
// changes at once, anything else by rebuilding the pipeline (restarted
// reports that). Nothing is saved or changed when change or validation
// fails. Settings never start a stream: a box recording to a file that
// is given a destination stops, and goes on air only when told to.
func (b *Box) Update(change func(*config.Config) error) (restarted bool, err error) {
	return b.update(change)
}

// update is Update under the settings lock.
func (b *Box) update(change func(*config.Config) error) (restarted bool, err error) {
	s := &b.set
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.cfg.Clone()
	if err := change(next); err != nil {
		return false, err
	}
	if err := next.Validate(); err != nil {
		return false, err
	}
	onlyPresets := samePresetless(s.cfg, next)
	p := b.pipeline()
	if err := b.applyPresets(p, next, onlyPresets); err != nil {
		return false, err
	}
	if s.path != "" {
		if err := config.Save(s.path, next); err != nil {
			if onlyPresets && p != nil {
				_ = b.SetPresets(s.cfg.Presets)
			}
			return false, fmt.Errorf("box: %w (%v); nothing was changed", control.ErrNotSaved, err)
		}
	}
	toAir := s.cfg.Output.Recording() && !next.Output.Recording()
	s.cfg, s.applyErr = next, ""
	if onlyPresets {
		return false, nil
	}
	if toAir {
		if b.stopForDestination() {
			b.persistIntentIn(next.StateDir) // before the rebuild, and before a power cut
		}
	}
	b.Restart()
	return true, nil
}

// applyPresets renders next's presets: onto the running pipeline when
// only they changed, else just to check them before the rebuild.
func (b *Box) applyPresets(p *pipeline, next *config.Config, onlyPresets bool) error {
	if onlyPresets && p != nil {
		return b.SetPresets(next.Presets)
	}
	_, err := buildScenes(next.Presets, next.Camera.Width, next.Camera.Height)
	return err
}

// samePresetless reports whether a and b differ at most in their presets.
func samePresetless(a, b *config.Config) bool {
	x, y := a.Clone(), b.Clone()
	x.Presets, y.Presets = nil, nil
	return reflect.DeepEqual(x, y)
}

// Restart rebuilds the pipeline with the current configuration.
func (b *Box) Restart() {
	select {
	case b.restartCh <- struct{}{}:
	default:
	}
}

// Logs returns recent log lines.
func (b *Box) Logs() []string {
	if b.opt.ring == nil {
		return nil
	}
	return b.opt.ring.Lines()
}

// stopForDestination stops a box that records to a file because a
// destination was just set, before the pipeline is rebuilt for it: the
// box must not go on air by itself. It reports whether it was recording.
func (b *Box) stopForDestination() bool {
	b.mu.Lock()
	was := b.live
	b.live, b.onAirSince = false, time.Time{}
	p := b.pipe
	b.mu.Unlock()
	if p != nil {
		p.stopLive()
	}
	if was {
		b.log.Info("box: a destination is set; recording stopped. Press Go live to go on air")
	}
	return was
}
