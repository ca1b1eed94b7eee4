//go:build cgo

// Package opus encodes PCM to Opus with libopus (Debian: libopus-dev;
// BSD-3-Clause), the audio codec of WebRTC (WHIP) output. Like audio/aac it
// is cgo behind the cgo build tag: builds without cgo get a stub whose New
// reports ErrUnavailable.
//
// Opus is always 48 kHz here and is cut into 20 ms packets, the WebRTC
// default. It needs no codec configuration: the RTP payload format (RFC
// 7587) carries none, so Config returns nil.
package opus

/*
#cgo pkg-config: opus
#include <opus.h>

// opus_encoder_ctl is variadic, which cgo cannot call.
static int pb_opus_set_bitrate(OpusEncoder *e, opus_int32 bps) {
	return opus_encoder_ctl(e, OPUS_SET_BITRATE(bps));
}

static int pb_opus_lookahead(OpusEncoder *e) {
	opus_int32 n = 0;
	if (opus_encoder_ctl(e, OPUS_GET_LOOKAHEAD(&n)) != OPUS_OK) return -1;
	return n;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/pitchbox/pitchbox/audio"
	"github.com/pitchbox/pitchbox/encode"
)

// Available reports whether this build has the encoder.
const Available = true

// maxPacket bounds one packet: a 20 ms frame is at most 1275 bytes, plus
// the one-byte TOC of a single-frame packet (RFC 6716 §3.2.1).
const maxPacket = 1276

// Encoder is an Opus encoder. It is used from one goroutine.
type Encoder struct {
	enc      *C.OpusEncoder
	channels int
	frame    int     // samples per channel per packet
	buf      []int16 // a partial frame carried to the next call
	pending  int     // samples (all channels) in buf
	pos      int64   // samples per channel encoded so far
}

// New opens an encoder for interleaved S16 PCM of rate Hz (48000 only).
//
// It uses OPUS_APPLICATION_AUDIO rather than VOIP: VOIP high-passes and
// shapes the signal for speech intelligibility, while a seller's microphone
// also carries the products (a music box, a speaker, a guitar) and WebRTC
// bitrates (32 kbps and up) already code speech transparently in AUDIO.
func New(rate, channels, bitrateKbps int) (*Encoder, error) {
	if rate != Rate {
		return nil, fmt.Errorf("opus: rate %d Hz: allowed %d", rate, Rate)
	}
	if channels != 1 && channels != 2 {
		return nil, fmt.Errorf("opus: %d channels: allowed 1 or 2", channels)
	}
	if bitrateKbps < MinKbps || bitrateKbps > MaxKbps {
		return nil, fmt.Errorf("opus: bitrate %d kbps: allowed %d to %d", bitrateKbps, MinKbps, MaxKbps)
	}
	var rc C.int
	enc := C.opus_encoder_create(C.opus_int32(rate), C.int(channels), C.OPUS_APPLICATION_AUDIO, &rc)
	if rc != C.OPUS_OK {
		return nil, fmt.Errorf("opus: cannot create the encoder (%d Hz, %d ch): %s", rate, channels, strerror(rc))
	}
	if rc := C.pb_opus_set_bitrate(enc, C.opus_int32(bitrateKbps*1000)); rc != C.OPUS_OK {
		C.opus_encoder_destroy(enc)
		return nil, fmt.Errorf("opus: bitrate %d kbps: %s", bitrateKbps, strerror(rc))
	}
	frame := rate / 50 // 20 ms
	return &Encoder{enc: enc, channels: channels, frame: frame, buf: make([]int16, frame*channels)}, nil
}

func strerror(rc C.int) string { return C.GoString(C.opus_strerror(rc)) }

// FrameSize is the number of samples per channel in one packet: 20 ms,
// 960 at 48 kHz. Encode takes any length; this is its granularity.
func (x *Encoder) FrameSize() int { return x.frame }

// Config returns nil: Opus needs no codec configuration in WebRTC (RFC
// 7587 signals nothing beyond the SDP's opus/48000/2).
func (x *Encoder) Config() []byte { return nil }

// Lookahead is the encoder's delay in samples per channel: decoded sound
// lags its packet's PTS by this much (312, 6.5 ms, in AUDIO mode). WebRTC
// does not signal it; an Ogg Opus file writes it as its pre-skip.
func (x *Encoder) Lookahead() int {
	if x.enc == nil {
		return 0
	}
	return int(C.pb_opus_lookahead(x.enc))
}

// Encode takes interleaved PCM of any length and appends a packet to dst
// for every full 20 ms frame, keeping the rest for the next call. A packet
// is stamped origin + the position of its first sample since New: origin
// is the stream's start, the same on every call (as for audio/aac). Every
// Opus packet decodes on its own, so each is Key. On an error dst holds
// the packets made before it.
func (x *Encoder) Encode(dst []*encode.Packet, pcm []int16, origin time.Duration) ([]*encode.Packet, error) {
	if x.enc == nil {
		return dst, errors.New("opus: encode after Close")
	}
	n := len(x.buf)
	var err error
	for len(pcm) > 0 && err == nil {
		if x.pending == 0 && len(pcm) >= n {
			// A whole frame in the caller's slice goes to libopus as is.
			dst, err = x.encode(dst, pcm[:n], origin)
			pcm = pcm[n:]
			continue
		}
		k := copy(x.buf[x.pending:], pcm)
		x.pending += k
		pcm = pcm[k:]
		if x.pending == n {
			x.pending = 0
			dst, err = x.encode(dst, x.buf, origin)
		}
	}
	return dst, err
}

// Flush pads a partial frame with silence and encodes it, so that the end
// of the sound is not lost; with no partial frame it adds nothing. The
// last Lookahead samples stay in the encoder: a stream that must end to
// the sample would Encode one more frame of silence first.
func (x *Encoder) Flush(dst []*encode.Packet, origin time.Duration) ([]*encode.Packet, error) {
	if x.enc == nil || x.pending == 0 {
		return dst, nil
	}
	clear(x.buf[x.pending:])
	x.pending = 0
	return x.encode(dst, x.buf, origin)
}

// encode codes one frame of pcm straight into a pooled packet's buffer.
// Both are Go memory holding no Go pointers, which cgo lets C use for the
// length of the call: nothing is copied or allocated on the way.
func (x *Encoder) encode(dst []*encode.Packet, pcm []int16, origin time.Duration) ([]*encode.Packet, error) {
	p := encode.NewPacket(encode.Audio)
	if cap(p.Data) < maxPacket {
		p.Data = make([]byte, 0, maxPacket)
	}
	out := p.Data[:maxPacket]
	n := C.opus_encode(x.enc, (*C.opus_int16)(unsafe.Pointer(&pcm[0])), C.int(x.frame),
		(*C.uchar)(unsafe.Pointer(&out[0])), maxPacket)
	if n < 0 {
		p.Release()
		return dst, fmt.Errorf("opus: encode: %s", strerror(n))
	}
	p.Data = out[:n]
	t := origin + audio.SampleTime(x.pos, Rate)
	p.PTS, p.DTS, p.Key = t, t, true
	x.pos += int64(x.frame)
	return append(dst, p), nil
}

// Close frees the encoder. It may be called more than once.
func (x *Encoder) Close() error {
	if x.enc != nil {
		C.opus_encoder_destroy(x.enc)
		x.enc = nil
	}
	return nil
}
