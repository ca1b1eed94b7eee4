package buttons

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/pitchbox/pitchbox/control"
)

// Config says which controls there are and what they do.
type Config struct {
	Buttons []ButtonConfig
	Keys    []KeyConfig
	// Settle is the debounce time of GPIO buttons; Long the long-press
	// threshold of every control.
	Settle, Long time.Duration
	// StatusLED and OverlayLED are GPIO line names ("" for none).
	StatusLED, OverlayLED string
}

// ButtonConfig is one GPIO button: Line by name, or Chip and Offset.
type ButtonConfig struct {
	Line             string
	Chip             string
	Offset           int
	Press, LongPress string
	ActiveHigh       bool
}

// KeyConfig is one key of a keypad found by Device (path or name part).
type KeyConfig struct {
	Device, Key      string
	Press, LongPress string
}

// FourButton is the layout of pitchbox's reference 4-button board (see the
// README for its wiring).
func FourButton() Config {
	return Config{
		Buttons: []ButtonConfig{
			{Line: "GPIO5", Press: "show 1"},
			{Line: "GPIO6", Press: "show 2"},
			{Line: "GPIO13", Press: "next"},
			{Line: "GPIO19", Press: "clear", LongPress: "live toggle"},
		},
		StatusLED: "GPIO26", OverlayLED: "GPIO20",
	}
}

// State is what the LEDs show.
type State struct {
	Stream  control.State
	Overlay bool
}

// Manager runs the controls and LEDs; Close stops them.
type Manager struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Start opens every control it can and runs them against box. A control
// that cannot be opened (a missing line, say) is reported in the returned
// errors and left out; the others run.
func Start(cfg Config, box Box, state func() State, now func() time.Duration, log *slog.Logger) (*Manager, []error) {
	ctx, cancel := context.WithCancel(context.Background())
	m := &Manager{cancel: cancel}
	report := func(label string, a Action, err error) {
		if err != nil {
			log.Warn("buttons: action failed", "control", label, "action", a.String(), "err", err)
		}
	}
	errs := m.startButtons(ctx, cfg, box, now, report)
	errs = append(errs, m.startKeypads(ctx, cfg, box, now, report, log)...)
	errs = append(errs, m.startLEDs(ctx, cfg, state)...)
	for _, err := range errs {
		log.Warn("buttons: control left out", "err", err)
	}
	return m, errs
}

// reporter logs an action that failed.
type reporter = func(label string, a Action, err error)

func binding(press, long string) (Binding, error) {
	p, err := ParseAction(press)
	if err != nil {
		return Binding{}, err
	}
	l, err := ParseAction(long)
	return Binding{Press: p, LongPress: l}, err
}

// startButtons runs one goroutine per GPIO button that can be used.
func (m *Manager) startButtons(ctx context.Context, cfg Config, box Box, now func() time.Duration, report reporter) []error {
	var errs []error
	for _, bc := range cfg.Buttons {
		label := "button " + bc.Line
		if bc.Chip != "" {
			label = fmt.Sprintf("button %s:%d", bc.Chip, bc.Offset)
		}
		bind, err := binding(bc.Press, bc.LongPress)
		if err != nil {
			errs = append(errs, fmt.Errorf("buttons: %s: %w", label, err))
			continue
		}
		pin, err := FindLine(bc.Line, bc.Chip, bc.Offset)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		b, err := NewButton(label, pin, bc.ActiveHigh, bind, cfg.Settle, cfg.Long)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			defer pin.Halt()
			b.Run(ctx, box, now, report)
		}()
	}
	return errs
}

// startKeypads runs one goroutine per keypad device named in the keys.
func (m *Manager) startKeypads(ctx context.Context, cfg Config, box Box, now func() time.Duration, report reporter, log *slog.Logger) []error {
	var errs []error
	pads := map[string]*Keypad{}
	for _, kc := range cfg.Keys {
		bind, err := binding(kc.Press, kc.LongPress)
		if err != nil {
			errs = append(errs, fmt.Errorf("buttons: key %s: %w", kc.Key, err))
			continue
		}
		code, err := KeyCode(kc.Key)
		if err != nil {
			errs = append(errs, fmt.Errorf("buttons: %w", err))
			continue
		}
		k := pads[kc.Device]
		if k == nil {
			k = NewKeypad(kc.Device, log.Info)
			pads[kc.Device] = k
		}
		k.Bind("key "+kc.Key, code, bind, cfg.Long)
	}
	for _, k := range pads {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			k.Run(ctx, box, now, report)
		}()
	}
	return errs
}

// startLEDs runs the status and overlay LEDs, where lines are named.
func (m *Manager) startLEDs(ctx context.Context, cfg Config, state func() State) []error {
	var errs []error
	var leds LEDs
	for _, l := range []struct {
		name string
		pin  *gpio.PinOut
	}{{cfg.StatusLED, &leds.Status}, {cfg.OverlayLED, &leds.Overlay}} {
		if l.name == "" {
			continue
		}
		p, err := FindLine(l.name, "", 0)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		*l.pin = p
	}
	if leds.Status != nil || leds.Overlay != nil {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			leds.Run(ctx, state, 250*time.Millisecond)
		}()
	}
	return errs
}

// Close stops every control and turns the LEDs off.
func (m *Manager) Close() {
	m.cancel()
	m.wg.Wait()
}

// LEDs drives the status LED (steady when live, blinking while connecting,
// reconnecting or refused, off when idle) and the overlay LED (lit while
// an overlay is on screen). Both are active-high.
type LEDs struct {
	Status, Overlay gpio.PinOut
}

// Run updates the LEDs every tick until ctx ends, then turns them off.
func (l *LEDs) Run(ctx context.Context, state func() State, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	l.run(ctx, state, t.C)
}

// run updates the LEDs now and on every tick (tests send their own).
func (l *LEDs) run(ctx context.Context, state func() State, ticks <-chan time.Time) {
	blink := false
	for {
		s := state()
		blink = !blink
		if l.Status != nil {
			on := s.Stream == control.Live || s.Stream == control.Recording || (s.Stream == control.Connecting || s.Stream == control.Reconnecting || s.Stream == control.Refused) && blink
			_ = l.Status.Out(gpio.Level(on))
		}
		if l.Overlay != nil {
			_ = l.Overlay.Out(gpio.Level(s.Overlay))
		}
		select {
		case <-ctx.Done():
			if l.Status != nil {
				_ = l.Status.Out(gpio.Low)
			}
			if l.Overlay != nil {
				_ = l.Overlay.Out(gpio.Low)
			}
			return
		case <-ticks:
		}
	}
}
