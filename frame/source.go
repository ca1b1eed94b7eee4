package frame

import (
	"context"
	"errors"
)

// Source produces frames. Implementations: the V4L2 camera (package v4l2)
// and the built-in test pattern (package frame/testpattern).
type Source interface {
	// Next blocks until the next frame is ready or ctx ends. The caller owns
	// the returned frame and must Release it. Next is called from one
	// goroutine at a time.
	Next(ctx context.Context) (*Frame, error)
	// Describe says what the source is and what format it delivers, for logs
	// and status (for example "/dev/video0 YUYV 1280x720@30").
	Describe() string
	// Close stops the source and frees its resources.
	Close() error
}

// ErrDeviceLost is returned (wrapped) by a source whose device went away.
var ErrDeviceLost = errors.New("frame: device lost")
