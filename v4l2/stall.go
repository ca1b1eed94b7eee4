package v4l2

import (
	"errors"
	"time"
)

// ErrStalled is returned (wrapped) by a camera that has delivered no
// usable frame for a while without reporting an error: a USB camera whose
// firmware hung, or one that only sends corrupt frames.
var ErrStalled = errors.New("v4l2: the camera stopped sending frames")

// Stall limits: a camera must deliver its first frame within FirstFrame
// of starting (UVC cameras settle their exposure first), and each next
// one within StallAfter of the last (ten frames at 7.5 fps, the slowest
// a webcam drops to in the dark), so a stall is caught within 2 s.
const (
	FirstFrame = 5 * time.Second
	StallAfter = 1500 * time.Millisecond
)

// stallWatch tells a stalled camera from a slow one, on an injectable
// clock.
type stallWatch struct {
	now   func() time.Time
	since time.Time // the stream start or the last good frame
	first bool      // no good frame yet
}

// start begins watching at the stream's start.
func (s *stallWatch) start(now func() time.Time) {
	s.now, s.since, s.first = now, now(), true
}

// good notes a usable frame.
func (s *stallWatch) good() {
	s.since, s.first = s.now(), false
}

// stalled reports whether the camera has been silent too long, and how
// long.
func (s *stallWatch) stalled() (bool, time.Duration) {
	limit := StallAfter
	if s.first {
		limit = FirstFrame
	}
	d := s.now().Sub(s.since)
	return d >= limit, d
}
