//go:build !linux

package v4l2

import (
	"errors"
	"time"

	"github.com/pitchbox/pitchbox/frame"
)

// M2MDecoder is unavailable on this system.
type M2MDecoder struct{}

// ErrDecoderStopped is returned by Queue after a drain until Start.
var ErrDecoderStopped = errors.New("v4l2: decoder is drained; Start it again")

// ErrCorruptInput is returned by Decode when the driver flags the coded
// buffer or its picture as an error.
var ErrCorruptInput = errors.New("v4l2: the decoder could not decode the buffer")

// OpenM2MDecoder reports ErrUnsupported.
func OpenM2MDecoder(M2MDecoderConfig) (*M2MDecoder, error) { return nil, ErrUnsupported }

// Decode reports ErrUnsupported.
func (d *M2MDecoder) Decode(*frame.Frame, []byte) error { return ErrUnsupported }

// Queue reports ErrUnsupported.
func (d *M2MDecoder) Queue([]byte, time.Duration, time.Duration, func(*Decoded)) error {
	return ErrUnsupported
}

// Poll reports ErrUnsupported.
func (d *M2MDecoder) Poll(time.Duration, func(*Decoded)) error { return ErrUnsupported }

// Drain reports ErrUnsupported.
func (d *M2MDecoder) Drain(time.Duration, func(*Decoded)) error { return ErrUnsupported }

// Start reports ErrUnsupported.
func (d *M2MDecoder) Start() error { return ErrUnsupported }

// Format is empty.
func (d *M2MDecoder) Format() (int, int, FourCC) { return 0, 0, 0 }

// SourceChanges is 0.
func (d *M2MDecoder) SourceChanges() int { return 0 }

// Close does nothing.
func (d *M2MDecoder) Close() error { return nil }

// Decoders finds none.
func Decoders(...FourCC) []DecoderInfo { return nil }

// FindDecoder finds none.
func FindDecoder(FourCC) string { return "" }
