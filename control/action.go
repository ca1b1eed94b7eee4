package control

import (
	"fmt"
	"strconv"
	"strings"
)

// Actor is the part of a Controller that an Action drives.
type Actor interface {
	Show(name, source string) error
	Clear(source string)
	GoLive(source string) error
	StopLive(source string)
	// Presets lists preset names in order; Scene is the one shown ("" for
	// none); Live reports whether the box is live (or trying to be).
	Presets() []string
	Scene() string
	Live() bool
}

// Action is something a control does.
type Action struct {
	Verb string // show, clear, next, prev, live
	Arg  string // show: name or 1-based number; live: start, stop, toggle
}

func (a Action) String() string {
	if a.Arg == "" {
		return a.Verb
	}
	return a.Verb + " " + a.Arg
}

// ActionHelp lists the action forms.
const ActionHelp = `"show NAME", "show N" (N-th preset), "clear", "next", "prev", "live start", "live stop", "live toggle"`

// ParseAction parses an action such as "show buy" or "live toggle". The
// empty string is the zero Action (does nothing).
func ParseAction(s string) (Action, error) {
	f := strings.Fields(s)
	if len(f) == 0 {
		return Action{}, nil
	}
	bad := fmt.Errorf("action %q is not allowed (allowed: %s)", s, ActionHelp)
	switch f[0] {
	case "show":
		if len(f) != 2 {
			return Action{}, bad
		}
	case "clear", "next", "prev":
		if len(f) != 1 {
			return Action{}, bad
		}
		return Action{Verb: f[0]}, nil
	case "live":
		if len(f) != 2 || (f[1] != "start" && f[1] != "stop" && f[1] != "toggle") {
			return Action{}, bad
		}
	default:
		return Action{}, bad
	}
	return Action{Verb: f[0], Arg: f[1]}, nil
}

// Do carries the action out on b, labelled with source.
func (a Action) Do(b Actor, source string) error {
	switch a.Verb {
	case "":
		return nil
	case "show":
		name := a.Arg
		if n, err := strconv.Atoi(a.Arg); err == nil {
			p := b.Presets()
			if n < 1 || n > len(p) {
				return fmt.Errorf("control: show %d: there are %d presets", n, len(p))
			}
			name = p[n-1]
		}
		return b.Show(name, source)
	case "clear":
		b.Clear(source)
	case "next", "prev":
		p := b.Presets()
		if len(p) == 0 {
			return fmt.Errorf("control: %s: no presets configured", a.Verb)
		}
		i := -1
		for j, n := range p {
			if n == b.Scene() {
				i = j
			}
		}
		if a.Verb == "next" {
			i = (i + 1) % len(p)
		} else if i <= 0 {
			i = len(p) - 1
		} else {
			i--
		}
		return b.Show(p[i], source)
	case "live":
		start := a.Arg == "start" || a.Arg == "toggle" && !b.Live()
		if start {
			return b.GoLive(source)
		}
		b.StopLive(source)
	}
	return nil
}
