//go:build !linux

package v4l2

import (
	"time"

	"github.com/pitchbox/pitchbox/frame"
)

// M2M is unavailable on this system.
type M2M struct{}

// OpenM2M reports ErrUnsupported.
func OpenM2M(M2MConfig) (*M2M, error) { return nil, ErrUnsupported }

// Queue reports ErrUnsupported.
func (m *M2M) Queue(*frame.Frame, time.Duration, func(*Coded)) error { return ErrUnsupported }

// Poll reports ErrUnsupported.
func (m *M2M) Poll(time.Duration, func(*Coded)) error { return ErrUnsupported }

// Drain reports ErrUnsupported.
func (m *M2M) Drain(time.Duration, func(*Coded)) error { return ErrUnsupported }

// Start reports ErrUnsupported.
func (m *M2M) Start() error { return ErrUnsupported }

// SetControl reports ErrUnsupported.
func (m *M2M) SetControl(uint32, int32) (int32, error) { return 0, ErrUnsupported }

// HasControl is false.
func (m *M2M) HasControl(uint32) bool { return false }

// Controls is empty.
func (m *M2M) Controls() []CtrlValue { return nil }

// Close does nothing.
func (m *M2M) Close() error { return nil }

// Encoders finds none.
func Encoders(...FourCC) []EncoderInfo { return nil }
