// Package stream publishes the encoded stream: to an RTMP or RTMPS ingest
// (Amazon IVS, or any RTMP server) or to a local FLV recording. The
// Publisher never blocks the encoder: it queues a bounded number of packets,
// drops to the next keyframe when behind, and reconnects with exponential
// backoff and jitter, slowly when the server refuses the key or URL.
package stream

import (
	"context"
	"errors"
	"time"

	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/encode"
)

// Header is what a destination needs before the first packet.
type Header struct {
	SPS, PPS []byte
	// AudioConfig is the AAC AudioSpecificConfig.
	AudioConfig []byte
	Width       int
	Height      int
	FPS         int
}

// Destination is somewhere a stream can be published.
type Destination interface {
	// Open connects and sends the stream headers.
	Open(ctx context.Context, h Header) (Session, error)
	// String describes the destination with secrets masked.
	String() string
}

// Session is one open connection or file.
type Session interface {
	// WriteVideo sends an H.264 access unit (Annex B) stamped ts from the
	// start of the session; WriteAudio one audio frame: AAC, or Opus for
	// WHIP (the box encodes what its destination takes).
	WriteVideo(p *encode.Packet, ts time.Duration) error
	WriteAudio(p *encode.Packet, ts time.Duration) error
	// Done is closed when the peer ends the session.
	Done() <-chan struct{}
	// Err says why Done was closed.
	Err() error
	// Close ends the session cleanly.
	Close() error
}

// Estimator is a Session that knows what its link carries: WebRTC's
// congestion controller (GCC), from the receiver's transport-wide
// congestion control feedback. A Session whose writes block on a slow
// link (RTMP over TCP, a file) has no need of one: its backlog tells.
type Estimator interface {
	// EstimateKbps is the rate the link carries, in kbit/s, all media
	// together; 0 while there is no estimate (no feedback yet, or none
	// lately). It is called from another goroutine than the writers', and
	// may be called after Close; it must not allocate.
	EstimateKbps() int
}

// RejectedError means the server answered and refused the stream: a wrong
// stream key, app or URL, or an untrusted certificate. Retrying at once will
// not help, so the publisher retries slowly.
type RejectedError struct {
	Reason string
}

func (e *RejectedError) Error() string { return "stream: refused by the server: " + e.Reason }

// IsRejected reports whether err is a RejectedError.
func IsRejected(err error) bool {
	var r *RejectedError
	return errors.As(err, &r)
}

// State is the publisher's state: the box's own state type, so that it
// goes from here to the panel and the screen unchanged.
type State = control.State

// States a publisher is in (Recording is the box's name for Live to a
// file).
const (
	Off          = control.Off
	Connecting   = control.Connecting
	Live         = control.Live
	Reconnecting = control.Reconnecting
	Refused      = control.Refused
)
