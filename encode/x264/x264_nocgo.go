//go:build !cgo

// Package x264 is the software H.264 backend. This build has no cgo, so the
// backend is absent and New reports encode.ErrUnavailable.
package x264

import (
	"fmt"

	"github.com/pitchbox/pitchbox/encode"
)

// Available reports whether this build has the x264 backend.
const Available = false

// Encoder is absent in builds without cgo.
type Encoder struct{ encode.Encoder }

// New reports that x264 is not built in.
func New(encode.Settings) (*Encoder, error) {
	return nil, fmt.Errorf("x264: built without cgo: %w", encode.ErrUnavailable)
}
