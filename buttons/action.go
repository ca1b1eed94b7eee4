package buttons

import (
	"time"

	"github.com/pitchbox/pitchbox/control"
)

// Box is what the controls act on: the part of control.Controller that
// actions use.
type Box = control.Actor

// Action is something a control does.
type Action = control.Action

// ActionHelp lists the action forms.
const ActionHelp = control.ActionHelp

// ParseAction parses an action such as "show buy" or "live toggle".
func ParseAction(s string) (Action, error) { return control.ParseAction(s) }

// Binding maps a control's press and long press to actions. With no long
// press action the press acts on the way down, at once; with one, the press
// acts on release if the hold was shorter than the threshold (so a long
// press does not also do the short action).
type Binding struct {
	Press, LongPress Action
}

// handle turns a machine event into the action to take, if any.
func (b Binding) handle(e Event, held, long time.Duration) (Action, bool) {
	switch e {
	case Down:
		if b.LongPress.Verb == "" && b.Press.Verb != "" {
			return b.Press, true
		}
	case Long:
		if b.LongPress.Verb != "" {
			return b.LongPress, true
		}
	case Up:
		if b.LongPress.Verb != "" && held < long && b.Press.Verb != "" {
			return b.Press, true
		}
	}
	return Action{}, false
}
