package buttons

import (
	"time"
)

// Keypad is a USB keypad, macro pad or foot pedal: a Linux input device
// found by path (/dev/input/by-id/…) or by a part of its name. It is picked
// up when plugged in and again after being unplugged and plugged back.
type Keypad struct {
	Match string // a path, or a part of the device name
	keys  map[uint16]*input
	log   func(msg string, args ...any)
}

// NewKeypad makes a keypad; Bind adds its keys.
func NewKeypad(match string, log func(string, ...any)) *Keypad {
	return &Keypad{Match: match, keys: map[uint16]*input{}, log: log}
}

// Bind maps key code to bind; long is the long-press threshold.
func (k *Keypad) Bind(label string, code uint16, bind Binding, long time.Duration) {
	k.keys[code] = &input{label: label, bind: bind, m: Machine{Long: long}}
}

// key handles one key transition or a tick.
func (k *Keypad) key(in *input, pressed bool, now time.Duration, box Box, report func(string, Action, error)) {
	ev, held := in.m.Feed(pressed, now)
	in.fire(ev, held, box, report)
}

// tick lets long presses fire while keys are held.
func (k *Keypad) tick(now time.Duration, box Box, report func(string, Action, error)) {
	for _, in := range k.keys {
		ev, held := in.m.Tick(now)
		in.fire(ev, held, box, report)
	}
}
