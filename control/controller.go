package control

import (
	"context"
	"errors"

	"github.com/pitchbox/pitchbox/chat"
)

// Controller is the box as everything that drives it sees it: the panel
// and its API (and so the CLI, over the unix socket) and the buttons.
type Controller interface {
	Actor
	// Status returns a snapshot of the box.
	Status() Status
	// Snapshot returns the outgoing picture, overlay included, as a JPEG.
	Snapshot(ctx context.Context, quality int) ([]byte, error)
	Camera
	Destination
	Chat
}

// Camera is the camera part of the Controller.
type Camera interface {
	// Devices lists the capture devices with their modes.
	Devices() ([]Device, error)
	// CameraControls lists the open camera's controls.
	CameraControls() ([]CameraControl, error)
	// SetCameraControl sets one control and returns the value kept.
	SetCameraControl(id uint32, v int32) (int32, error)
}

// Destination is the stream destination part of the Controller.
type Destination interface {
	// ProbeDestination connects to the configured destination and asks to
	// publish without sending media (while live, the live stream answers).
	ProbeDestination(ctx context.Context) Probe
}

// Chat is the chat room part of the Controller.
type Chat interface {
	ChatMessages() ([]chat.Message, error)
	ChatSend(ctx context.Context, content string) error
	ChatDelete(ctx context.Context, id, reason string) error
	ChatDisconnect(ctx context.Context, userID, reason string) error
}

// Probe is the answer to ProbeDestination.
type Probe struct {
	OK       bool   `json:"ok"`
	Message  string `json:"message"`
	Rejected bool   `json:"rejected,omitempty"`
}

// ErrNotSaved marks a settings change that was valid but could not be
// written (a full or failing disk): the box's fault, not the request's.
var ErrNotSaved = errors.New("the settings could not be saved")

// ErrRestarting is returned while the pipeline is rebuilt.
var ErrRestarting = errors.New("pitchbox is restarting with new settings; try again in a moment")

// CameraControl is one adjustable control of a camera (brightness,
// exposure, focus, white balance …) with its range and current value.
type CameraControl struct {
	ID       uint32     `json:"id"`
	Name     string     `json:"name"`
	Type     string     `json:"type"` // "int", "bool" or "menu"
	Min      int32      `json:"min"`
	Max      int32      `json:"max"`
	Step     int32      `json:"step"`
	Default  int32      `json:"default"`
	Value    int32      `json:"value"`
	ReadOnly bool       `json:"read_only,omitempty"`
	Inactive bool       `json:"inactive,omitempty"`
	Menu     []MenuItem `json:"menu,omitempty"`
}

// MenuItem is one choice of a menu control.
type MenuItem struct {
	Index int32  `json:"index"`
	Name  string `json:"name"`
}

// Device is a capture device and what it can deliver.
type Device struct {
	Path    string   `json:"path"`
	Name    string   `json:"name"`
	Bus     string   `json:"bus"`
	Formats []Format `json:"formats"`
	// Modes is each size and rate the camera offers, once, in the format
	// the box would open it in, largest and fastest first: what a seller
	// picks from.
	Modes []CameraMode `json:"modes"`
	// Chosen is the mode the box opens for the configured size and rate,
	// and Why says why; nil (with Why the reason) when none can be.
	Chosen *CameraMode `json:"chosen,omitempty"`
	Why    string      `json:"why,omitempty"`
}

// CameraMode is a pixel format, a size and a frame rate a camera offers.
type CameraMode struct {
	Format string  `json:"format"` // as [camera] format names it: "mjpeg", "yuyv", …
	Width  int     `json:"width"`
	Height int     `json:"height"`
	FPS    float64 `json:"fps"`
}

// Format is one pixel format of a device with its frame sizes.
type Format struct {
	FourCC      string      `json:"fourcc"`
	Description string      `json:"description"`
	Sizes       []FrameSize `json:"sizes"`
}

// FrameSize is a frame size (or a range up to Max) with its frame rates.
type FrameSize struct {
	Width     uint32    `json:"width"`
	Height    uint32    `json:"height"`
	MaxWidth  uint32    `json:"max_width,omitempty"`
	MaxHeight uint32    `json:"max_height,omitempty"`
	Rates     []float64 `json:"rates,omitempty"`
}
