//go:build !cgo

// Package opus encodes PCM to Opus with libopus, the audio codec of WebRTC
// (WHIP) output. This build has no cgo: New reports ErrUnavailable.
package opus

import (
	"time"

	"github.com/pitchbox/pitchbox/encode"
)

// Available reports whether this build has the encoder.
const Available = false

// Encoder is absent without cgo.
type Encoder struct{}

// New reports ErrUnavailable.
func New(rate, channels, bitrateKbps int) (*Encoder, error) { return nil, ErrUnavailable }

// FrameSize is zero.
func (x *Encoder) FrameSize() int { return 0 }

// Config is empty, as it is with cgo: Opus needs none in WebRTC.
func (x *Encoder) Config() []byte { return nil }

// Lookahead is zero.
func (x *Encoder) Lookahead() int { return 0 }

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
