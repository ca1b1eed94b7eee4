//go:build !cgo

package srtpeer

import "errors"

// Available reports whether this build has the listener: not without cgo.
const Available = false

// Stats is what one listener received.
type Stats struct {
	Connections, Messages, Bytes, Lost, Dropped int64
}

// Listener is absent without cgo.
type Listener struct{}

// Listen reports that this build has no libsrt.
func Listen(int, string, int) (*Listener, error) {
	return nil, errors.New("srtpeer: built without cgo, so without libsrt")
}

// Stats is empty.
func (l *Listener) Stats() Stats { return Stats{} }

// Close does nothing.
func (l *Listener) Close() {}
