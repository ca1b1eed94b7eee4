// Package buttons turns physical controls into box actions: GPIO push
// buttons (periph.io gpioioctl, lines found by name), USB keypads and foot
// pedals (evdev), with software debounce and long press on an injectable
// clock, and drives the status LEDs.
package buttons

import "time"

// Event is what a control did.
type Event int

// Events. Down is the debounced press; Long fires once while held past the
// long-press threshold; Up is the release, with how long it was held.
const (
	None Event = iota
	Down
	Long
	Up
)

func (e Event) String() string {
	return [...]string{"none", "down", "long", "up"}[e]
}

// Machine debounces one contact. It is pure: the caller feeds it levels
// with their times and asks when to look again, so tests drive it with a
// fake clock.
//
// A press is taken on its leading edge — at once, so it shows on the very
// next frame — and a release only once the contact has stayed open for
// Settle, so contact chatter of any length inside a press, or at its end,
// is one press.
type Machine struct {
	Settle time.Duration // a release must last this long (e.g. 30 ms)
	Long   time.Duration // held this long is a long press (e.g. 800 ms)

	pressed    bool
	suppressed bool          // held at start-up: this hold produces no events
	openSince  time.Duration // when the contact opened during a press; -1 if closed
	downAt     time.Duration
	longDone   bool
	started    bool
}

// Start sets the initial level. A control already pressed at start-up is
// ignored until it is released.
func (m *Machine) Start(pressed bool, now time.Duration) {
	m.started = true
	m.pressed, m.suppressed = pressed, pressed
	m.openSince, m.downAt, m.longDone = -1, now, false
}

// Feed gives the machine the level read at now and returns the event it
// causes, if any, with how long the control has been held.
func (m *Machine) Feed(pressed bool, now time.Duration) (Event, time.Duration) {
	if !m.started {
		m.Start(pressed, now)
		return None, 0
	}
	if !m.pressed {
		if !pressed {
			return None, 0
		}
		m.pressed, m.downAt, m.longDone, m.openSince = true, now, false, -1
		return Down, 0
	}
	// Held until now: a long press is due before any release is looked at.
	if ev, held := m.Tick(now); ev != None {
		return ev, held
	}
	if pressed {
		m.openSince = -1
		return None, 0
	}
	if m.openSince < 0 {
		m.openSince = now
	}
	if now-m.openSince < m.Settle {
		return None, 0
	}
	m.pressed = false
	held := m.openSince - m.downAt
	m.openSince = -1
	if m.suppressed {
		m.suppressed = false
		return None, 0
	}
	return Up, held
}

// Tick reports a long press that came due by now.
func (m *Machine) Tick(now time.Duration) (Event, time.Duration) {
	if m.pressed && !m.suppressed && !m.longDone && m.openSince < 0 && m.Long > 0 && now-m.downAt >= m.Long {
		m.longDone = true
		return Long, now - m.downAt
	}
	return None, 0
}

// Next returns when the machine next needs a look even without an edge
// (a release settling, or a long-press deadline), or ok false when none.
func (m *Machine) Next(now time.Duration) (at time.Duration, ok bool) {
	if !m.pressed {
		return 0, false
	}
	if m.openSince >= 0 {
		return m.openSince + m.Settle, true
	}
	if !m.suppressed && !m.longDone && m.Long > 0 {
		return m.downAt + m.Long, true
	}
	return 0, false
}
