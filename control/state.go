// Package control is the box's vocabulary shared by everything that drives
// it: the typed states, the status snapshot, the actions a button or a
// request can take, and the Controller interface that the panel, the
// buttons and the CLI (through the panel's API) use. It knows no device and
// no transport, so its users need neither.
package control

import "fmt"

// enumName is the name of an enum value, or T(n) for an unknown one.
func enumName[S ~int](s S, names []string, typ string) string {
	if s >= 0 && int(s) < len(names) {
		return names[s]
	}
	return fmt.Sprintf("%s(%d)", typ, int(s))
}

// enumParse sets *s to the value named b.
func enumParse[S ~int](s *S, b []byte, names []string, kind string) error {
	for i, n := range names {
		if n == string(b) {
			*s = S(i)
			return nil
		}
	}
	return fmt.Errorf("control: unknown %s %q (known: %q)", kind, b, names)
}

// State is what the box is doing with its stream, in the words a seller
// reads on the banner: only Live means that buyers can see the picture.
type State int

// States of the box, in JSON as their names.
const (
	// Off: nothing is published or recorded.
	Off State = iota
	// Recording: no destination is set; the stream goes to a local file
	// only, and nobody can see it.
	Recording
	// Connecting: live was asked for; the first session is being opened
	// (or the pipeline is being rebuilt with new settings).
	Connecting
	// Live: the destination takes the stream; buyers can see it.
	Live
	// Reconnecting: the session broke; the next attempt is scheduled.
	Reconnecting
	// Refused: the server refused the stream (key or URL); retried slowly.
	Refused
)

var stateNames = [...]string{"off", "recording", "connecting", "live", "reconnecting", "refused"}

// States lists every State, in order.
func States() []State {
	s := make([]State, len(stateNames))
	for i := range s {
		s[i] = State(i)
	}
	return s
}

func (s State) String() string { return enumName(s, stateNames[:], "State") }

// MarshalText makes a State its name in JSON.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses a state name.
func (s *State) UnmarshalText(b []byte) error { return enumParse(s, b, stateNames[:], "state") }

// Trying reports whether the box is publishing or recording, or trying to.
func (s State) Trying() bool { return s != Off }

// Failing reports whether the box wants to be live and is not.
func (s State) Failing() bool { return s == Reconnecting || s == Refused }

// StageState is the lifetime of one pipeline stage.
type StageState int

// Stage states, in JSON as their names.
const (
	StageStarting StageState = iota
	StageRunning
	StageStopped
	StageFailed
)

var stageNames = [...]string{"starting", "running", "stopped", "failed"}

func (s StageState) String() string { return enumName(s, stageNames[:], "StageState") }

// MarshalText makes a StageState its name in JSON.
func (s StageState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses a stage state name.
func (s *StageState) UnmarshalText(b []byte) error {
	return enumParse(s, b, stageNames[:], "stage state")
}

// CameraState says where the picture comes from.
type CameraState int

// Camera states, in JSON as their names.
const (
	// CameraPattern: the configured source is the test pattern.
	CameraPattern CameraState = iota
	// CameraOpen: a camera delivers the picture.
	CameraOpen
	// CameraLost: the camera is missing or lost; the slate is on air.
	CameraLost
)

var cameraNames = [...]string{"pattern", "open", "lost"}

func (s CameraState) String() string { return enumName(s, cameraNames[:], "CameraState") }

// MarshalText makes a CameraState its name in JSON.
func (s CameraState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses a camera state name.
func (s *CameraState) UnmarshalText(b []byte) error {
	return enumParse(s, b, cameraNames[:], "camera state")
}
