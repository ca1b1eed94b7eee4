//go:build !cgo

// Package aac encodes PCM to AAC-LC with libavcodec. This build has no cgo:
// New reports ErrUnavailable and the box sends its silent track.
package aac

import (
	"errors"
	"time"

	"github.com/pitchbox/pitchbox/encode"
)

// Available reports whether this build has the encoder.
const Available = false

// ErrUnavailable is returned by builds without cgo.
var ErrUnavailable = errors.New("aac: built without cgo (libavcodec)")

// Encoder is absent without cgo.
type Encoder struct{}

// New reports ErrUnavailable.
func New(rate, channels, bitrateKbps int) (*Encoder, error) { return nil, ErrUnavailable }

// FrameSize is zero.
func (x *Encoder) FrameSize() int { return 0 }

// Config is empty.
func (x *Encoder) Config() []byte { return nil }

// Encode reports ErrUnavailable.
func (x *Encoder) Encode(dst []*encode.Packet, pcm []int16, origin time.Duration) ([]*encode.Packet, error) {
	return dst, ErrUnavailable
}

// Flush does nothing.
func (x *Encoder) Flush(dst []*encode.Packet, origin time.Duration) ([]*encode.Packet, error) {
	return dst, nil
}

// Close does nothing.
func (x *Encoder) Close() error { return nil }
