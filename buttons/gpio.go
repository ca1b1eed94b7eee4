package buttons

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"periph.io/x/conn/v3/driver/driverreg"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/host/v3/gpioioctl" // the only host driver registered: see PLATFORM.md on Pi 5
)

var (
	hostOnce sync.Once
	hostErr  error
)

// initHost registers the GPIO character-device lines with gpioreg, once.
func initHost() error {
	hostOnce.Do(func() { _, hostErr = driverreg.Init() })
	return hostErr
}

// FindLine returns the GPIO line named name ("GPIO17"), or with chip set,
// line offset on that chip (by name "gpiochip0", path or label). The error
// names the lines there are.
func FindLine(name, chip string, offset int) (gpio.PinIO, error) {
	if err := initHost(); err != nil {
		return nil, fmt.Errorf("buttons: GPIO: %w", err)
	}
	if chip != "" {
		for _, c := range gpioioctl.Chips {
			if c.Name() == chip || c.Path() == chip || c.Label() == chip {
				if l := c.ByNumber(offset); l != nil {
					return l, nil
				}
				return nil, fmt.Errorf("buttons: %s has no line %d (it has %d lines)", chip, offset, c.LineCount())
			}
		}
		var chips []string
		for _, c := range gpioioctl.Chips {
			chips = append(chips, c.Name()+" ("+c.Label()+")")
		}
		return nil, fmt.Errorf("buttons: no GPIO chip %q (chips: %s)", chip, orNone(chips))
	}
	if p := gpioreg.ByName(name); p != nil {
		return p, nil
	}
	var names []string
	for _, p := range gpioreg.All() {
		names = append(names, p.Name())
	}
	sort.Strings(names)
	return nil, fmt.Errorf("buttons: no GPIO line named %q (available: %s)", name, orNone(names))
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none: this machine has no GPIO chips"
	}
	if len(s) > 40 {
		s = append(s[:40:40], fmt.Sprintf("… %d more", len(s)-40))
	}
	return strings.Join(s, ", ")
}

// input is one debounced control and what it does.
type input struct {
	label string
	m     Machine
	bind  Binding
}

// fire carries out the action a machine event calls for, if any.
func (in *input) fire(ev Event, held time.Duration, box Box, report func(string, Action, error)) {
	if a, ok := in.bind.handle(ev, held, in.m.Long); ok {
		report(in.label, a, a.Do(box, in.label))
	}
}

// Button is a GPIO push button.
type Button struct {
	input
	pin       gpio.PinIn
	activeLow bool
}

// NewButton sets pin up as an input with edge detection: pulled up and
// active-low (a button to ground) unless activeHigh.
func NewButton(label string, pin gpio.PinIn, activeHigh bool, bind Binding, settle, long time.Duration) (*Button, error) {
	pull := gpio.PullUp
	if activeHigh {
		pull = gpio.PullDown
	}
	if err := pin.In(pull, gpio.BothEdges); err != nil {
		return nil, fmt.Errorf("buttons: %s: %w", label, err)
	}
	return &Button{input: input{label: label, bind: bind, m: Machine{Settle: settle, Long: long}}, pin: pin, activeLow: !activeHigh}, nil
}

func (b *Button) pressed() bool { return (b.pin.Read() == gpio.Low) == b.activeLow }

// Run watches the button until ctx ends, acting on box. now is the clock.
func (b *Button) Run(ctx context.Context, box Box, now func() time.Duration, report func(string, Action, error)) {
	b.m.Start(b.pressed(), now())
	for ctx.Err() == nil {
		// Wait for an edge, but never past the machine's next deadline, and
		// wake at least every 100 ms to notice ctx (WaitForEdge(0) would wait
		// forever on real lines).
		timeout := 100 * time.Millisecond
		if at, ok := b.m.Next(now()); ok {
			timeout = min(timeout, max(at-now(), time.Millisecond))
		}
		b.pin.WaitForEdge(timeout)
		ev, held := b.m.Feed(b.pressed(), now())
		b.fire(ev, held, box, report)
	}
}
