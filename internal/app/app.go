// Package app runs pitchbox as an appliance: it owns the configuration
// file, builds the box from it, applies changes made from the panel
// (presets at once, everything else by rebuilding the box), and rolls back
// to the last configuration that worked when a new one cannot start. It
// answers the panel API on behalf of whichever box is current.
package app

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"sync"
	"time"

	"github.com/pitchbox/pitchbox/box"
	"github.com/pitchbox/pitchbox/chat"
	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/v4l2"
)

// ErrRestarting is returned while the box is being rebuilt.
var ErrRestarting = errors.New("pitchbox is restarting with new settings; try again in a moment")

// App is the running appliance.
type App struct {
	path string
	log  *slog.Logger
	ring *LogRing
	opts []box.Option

	mu        sync.Mutex
	cfg       *config.Config
	good      *config.Config // the last configuration a box started with
	box       *box.Box
	applyErr  string
	scene     string // the overlay on screen when the box was last stopped
	restartCh chan struct{}
}

// New makes an app for cfg, saved to path on changes. ring, if not nil,
// holds recent log lines for the panel.
func New(path string, cfg *config.Config, log *slog.Logger, ring *LogRing, opts ...box.Option) *App {
	return &App{path: path, cfg: cfg, log: log, ring: ring, opts: opts, restartCh: make(chan struct{}, 1)}
}

// Run builds and runs the box until ctx ends, rebuilding it when a change
// needs that. A first box that cannot be built is an error; a later one
// rolls the configuration back to the last one that worked.
func (a *App) Run(ctx context.Context, started func(*box.Box)) error {
	for {
		a.mu.Lock()
		cfg := a.cfg
		a.mu.Unlock()
		b, err := box.New(cfg, a.log, a.opts...)
		if err != nil {
			a.mu.Lock()
			good := a.good
			if good == nil {
				a.mu.Unlock()
				return err
			}
			a.log.Error("app: the new settings do not start; going back to the previous ones", "err", err)
			a.applyErr = "the new settings did not start and were undone: " + err.Error()
			a.cfg = good
			if serr := config.Save(a.path, good); serr != nil {
				a.log.Error("app: cannot save the previous settings back", "err", serr)
			}
			a.mu.Unlock()
			continue
		}
		a.mu.Lock()
		a.box, a.good = b, cfg
		scene := a.scene
		a.mu.Unlock()
		if scene != "" {
			// A settings change does not take the seller's overlay off.
			_ = b.Show(scene, "restart")
		}
		if started != nil {
			started(b)
		}
		bctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- b.Run(bctx) }()
		var runErr error
		restart := false
		select {
		case <-ctx.Done():
		case <-a.restartCh:
			restart = true
		case runErr = <-done:
		}
		cancel()
		if restart || ctx.Err() != nil {
			runErr = <-done
		}
		a.mu.Lock()
		a.box, a.scene = nil, b.Scene()
		a.mu.Unlock()
		if !restart {
			return runErr
		}
		a.log.Info("app: restarting the box with the new settings")
	}
}

// Box is the current box, nil while restarting.
func (a *App) Box() *box.Box {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.box
}

func (a *App) current() (*box.Box, error) {
	if b := a.Box(); b != nil {
		return b, nil
	}
	return nil, ErrRestarting
}

// Path is the configuration file.
func (a *App) Path() string { return a.path }

// Config returns a copy of the current configuration.
func (a *App) Config() *config.Config {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cfg.Clone()
}

// Update applies change to a copy of the configuration, validates it,
// saves it atomically and applies it: preset changes at once, anything
// else by rebuilding the box (restarted reports that). Nothing is saved
// or changed when change or validation fails.
func (a *App) Update(change func(*config.Config) error) (restarted bool, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	next := a.cfg.Clone()
	if err := change(next); err != nil {
		return false, err
	}
	if err := next.Validate(); err != nil {
		return false, err
	}
	onlyPresets := samePresetless(a.cfg, next)
	if onlyPresets && a.box != nil {
		if err := a.box.SetPresets(next.Presets); err != nil {
			return false, err
		}
	}
	if err := config.Save(a.path, next); err != nil {
		if onlyPresets && a.box != nil {
			_ = a.box.SetPresets(a.cfg.Presets)
		}
		return false, err
	}
	a.cfg = next
	a.applyErr = ""
	if onlyPresets {
		return false, nil
	}
	a.restartLocked()
	return true, nil
}

// samePresetless reports whether a and b differ at most in their presets.
func samePresetless(a, b *config.Config) bool {
	x, y := a.Clone(), b.Clone()
	x.Presets, y.Presets = nil, nil
	return reflect.DeepEqual(x, y)
}

// Restart rebuilds the box with the current configuration.
func (a *App) Restart() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.restartLocked()
}

func (a *App) restartLocked() {
	select {
	case a.restartCh <- struct{}{}:
	default:
	}
}

// ApplyError is why the last change was undone, "" if it was not.
func (a *App) ApplyError() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.applyErr
}

// Logs returns recent log lines.
func (a *App) Logs() []string {
	if a.ring == nil {
		return nil
	}
	return a.ring.Lines()
}

// Status is the box's status, or a restarting note.
func (a *App) Status() any {
	b := a.Box()
	if b == nil {
		return map[string]any{"state": "restarting", "version": box.Version}
	}
	st := b.Status()
	st.ApplyError = a.ApplyError()
	return st
}

// Show implements panel.Controller.
func (a *App) Show(name, source string) error {
	b, err := a.current()
	if err != nil {
		return err
	}
	return b.Show(name, source)
}

// Clear implements panel.Controller.
func (a *App) Clear(source string) {
	if b := a.Box(); b != nil {
		b.Clear(source)
	}
}

// GoLive implements panel.Controller.
func (a *App) GoLive(source string) error {
	b, err := a.current()
	if err != nil {
		return err
	}
	return b.GoLive(source)
}

// StopLive implements panel.Controller.
func (a *App) StopLive(source string) {
	if b := a.Box(); b != nil {
		b.StopLive(source)
	}
}

// Snapshot implements panel.Controller.
func (a *App) Snapshot(ctx context.Context, quality int) ([]byte, error) {
	b, err := a.current()
	if err != nil {
		return nil, err
	}
	return b.Snapshot(ctx, quality)
}

// PreviewPreset draws p on the outgoing picture.
func (a *App) PreviewPreset(ctx context.Context, p config.Preset) ([]byte, error) {
	b, err := a.current()
	if err != nil {
		return nil, err
	}
	return b.PreviewPreset(ctx, p, 80)
}

// CameraControls lists the camera's controls.
func (a *App) CameraControls() ([]v4l2.ControlInfo, error) {
	b, err := a.current()
	if err != nil {
		return nil, err
	}
	return b.CameraControls()
}

// SetCameraControl sets a camera control.
func (a *App) SetCameraControl(id uint32, v int32) (int32, error) {
	b, err := a.current()
	if err != nil {
		return 0, err
	}
	return b.SetCameraControl(id, v)
}

// StreamState is the stream's state, "restarting" while the box is
// rebuilt.
func (a *App) StreamState() string {
	if b := a.Box(); b != nil {
		return b.StreamState()
	}
	return "restarting"
}

// Devices lists the cameras.
func (a *App) Devices() ([]v4l2.DeviceInfo, error) { return v4l2.Devices() }

// ChatMessages implements panel.ChatController.
func (a *App) ChatMessages() ([]chat.Message, error) {
	b, err := a.current()
	if err != nil {
		return nil, err
	}
	return b.ChatMessages()
}

// ChatSend implements panel.ChatController.
func (a *App) ChatSend(ctx context.Context, content string) error {
	b, err := a.current()
	if err != nil {
		return err
	}
	return b.ChatSend(ctx, content)
}

// ChatDelete implements panel.ChatController.
func (a *App) ChatDelete(ctx context.Context, id, reason string) error {
	b, err := a.current()
	if err != nil {
		return err
	}
	return b.ChatDelete(ctx, id, reason)
}

// ChatDisconnect implements panel.ChatController.
func (a *App) ChatDisconnect(ctx context.Context, userID, reason string) error {
	b, err := a.current()
	if err != nil {
		return err
	}
	return b.ChatDisconnect(ctx, userID, reason)
}

// WaitBox waits up to d for a box to be running (tests, the CLI).
func (a *App) WaitBox(d time.Duration) *box.Box {
	end := time.Now().Add(d)
	for {
		if b := a.Box(); b != nil || time.Now().After(end) {
			return b
		}
		time.Sleep(10 * time.Millisecond)
	}
}
