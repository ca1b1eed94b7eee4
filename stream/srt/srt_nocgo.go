//go:build !cgo

// Package srt publishes to SRT listeners. This build has no cgo, so it
// has no libsrt: Open and Probe say SRT is not in the build.
package srt

import (
	"context"
	"errors"

	"github.com/pitchbox/pitchbox/stream"
)

// Available reports whether this build has SRT.
const Available = false

// Version is empty: no libsrt in this build.
func Version() string { return "" }

// ErrUnavailable is what Open and Probe return in builds without cgo.
var ErrUnavailable = errors.New("SRT is not in this build (built without cgo)")

// Open reports that SRT is not built in. The error is a RejectedError:
// retrying cannot help.
func (d *SRT) Open(context.Context, stream.Header) (stream.Session, error) {
	return nil, &stream.RejectedError{Reason: ErrUnavailable.Error()}
}

// Probe reports that SRT is not built in.
func (d *SRT) Probe(context.Context) error { return ErrUnavailable }
