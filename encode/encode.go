// Package encode defines the video Encoder that the box drives and the
// packets it produces. Backends live in subpackages: x264 (software, cgo)
// and, on boards with one, the V4L2 memory-to-memory hardware encoder.
package encode

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/pitchbox/pitchbox/frame"
)

// Settings are what every backend honours for an IVS-safe stream: IDR
// every KeyframeInterval (no scene-cut IDRs), no B-frames, CBR at
// BitrateKbps, SPS/PPS in front of every IDR, no lookahead.
type Settings struct {
	Width, Height int
	FPS           int
	BitrateKbps   int
	// KeyframeInterval is the IDR period; the box forces IDRs by time, the
	// backend's own GOP is a backstop.
	KeyframeInterval time.Duration
	// Preset is the backend's speed/quality knob (x264: ultrafast…).
	Preset string
	// Baseline asks for H.264 constrained baseline (no B-frames, no
	// CABAC), which WebRTC needs; otherwise the backend uses main.
	Baseline bool
}

// Encoder turns I420 frames into coded access units. Hardware encoders are
// pipelined: a packet may come out a few calls after its frame went in.
type Encoder interface {
	// Encode submits f (it does not keep f after returning) and appends to
	// dst every access unit that became ready, in order. A true keyframe
	// asks for an IDR on this frame (see KeyframeForcer).
	Encode(dst []*Packet, f *frame.Frame, keyframe bool) ([]*Packet, error)
	// Flush appends every access unit still inside the encoder; the encoder
	// then takes frames again.
	Flush(dst []*Packet) ([]*Packet, error)
	// Name says which backend this is, for status and logs.
	Name() string
	// Close frees the encoder.
	Close() error
}

// BitrateSetter is implemented by encoders whose bitrate can change while
// running.
type BitrateSetter interface {
	SetBitrate(kbps int) error
}

// Bitstream is implemented by encoders that may code other than H.264 (a
// test rig's FWHT codec): H264 reports whether they code H.264. The box
// puts H.264 SEI only into H.264.
type Bitstream interface {
	H264() bool
}

// KeyframeForcer is implemented by encoders that can report whether they
// honour Encode's keyframe request (a driver may lack the control).
type KeyframeForcer interface {
	CanForceKeyframe() bool
}

// ErrUnavailable is returned by a backend that is not built in or has no
// device here.
var ErrUnavailable = errors.New("encode: backend unavailable")

// Kind tells video from audio packets.
type Kind uint8

// Packet kinds.
const (
	Video Kind = iota
	Audio
)

// Packet is one coded access unit: H.264 in Annex-B byte-stream form
// (start codes), or one raw AAC frame. Packets come from a pool; the last
// holder calls Release.
type Packet struct {
	Kind Kind
	Data []byte
	PTS  time.Duration
	DTS  time.Duration
	Key  bool
	// Seq is the source frame number of a video packet.
	Seq uint64
}

// freePackets is a bounded free list. Unlike sync.Pool it is not emptied
// by the garbage collector, so packets taken on the encoder goroutine and
// released on the publisher's are reused without allocating; its bound
// keeps a burst from pinning memory.
var freePackets = make(chan *Packet, 256)

// maxFreeBytes bounds the buffers the free list keeps alive in all: a
// burst of large keyframes must not pin hundreds of MB on a 512 MB board.
const maxFreeBytes = 32 << 20

// freeBytes is the capacity of the buffers in freePackets.
var freeBytes atomic.Int64

// NewPacket returns an empty packet, reused when one is free.
func NewPacket(kind Kind) *Packet {
	var p *Packet
	select {
	case p = <-freePackets:
		freeBytes.Add(-int64(cap(p.Data)))
		p.Data = p.Data[:0]
	default:
		p = &Packet{Data: make([]byte, 0, 16<<10)}
	}
	p.Kind = kind
	p.PTS, p.DTS, p.Key, p.Seq = 0, 0, false, 0
	return p
}

// Release hands p back for reuse. The caller must not touch it afterwards.
func (p *Packet) Release() {
	n := int64(cap(p.Data))
	if n > 4<<20 {
		return // do not keep an outsized buffer alive
	}
	if freeBytes.Add(n) > maxFreeBytes {
		freeBytes.Add(-n) // enough memory is kept already
		return
	}
	select {
	case freePackets <- p:
	default: // enough are free already
		freeBytes.Add(-n)
	}
}

// KeyframeClock decides when to force an IDR so that keyframes come every
// interval of capture time, whatever frames were dropped on the way.
type KeyframeClock struct {
	Interval time.Duration
	// MinGap: a request within this much of the last IDR is already served
	// by it (that IDR is still on its way to whoever asked). Default 250 ms.
	MinGap  time.Duration
	last    time.Duration
	started bool
	pending bool
}

// Request asks for an IDR on the next frame (a new viewer, a reconnect).
func (k *KeyframeClock) Request() { k.pending = true }

// Due reports whether the frame at pts must be an IDR, and records it.
// A frame within half a millisecond of the period counts as due.
func (k *KeyframeClock) Due(pts time.Duration) bool {
	gap := k.MinGap
	if gap == 0 {
		gap = 250 * time.Millisecond
	}
	if k.pending && k.started && pts-k.last < gap {
		k.pending = false
	}
	if !k.started || k.pending || pts-k.last >= k.Interval-time.Millisecond {
		k.started, k.pending, k.last = true, false, pts
		return true
	}
	return false
}
