//go:build cgo

// Package aac encodes PCM to AAC-LC with libavcodec's native "aac" encoder
// (Debian: libavcodec-dev; LGPL, shipped with Raspberry Pi OS). It is the
// only cgo in the audio path and sits behind the cgo build tag: builds
// without cgo get a stub reporting ErrUnavailable, and the box then sends
// its silent track.
package aac

/*
#cgo pkg-config: libavcodec libavutil
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/frame.h>
#include <libavutil/opt.h>
#include <libavutil/log.h>

typedef struct {
	AVCodecContext *ctx;
	AVFrame *frame;
	AVPacket *pkt;
	uint8_t *out; // last packet's data and pts, read by Go
	int64_t pts;
} pb_aac;

static int pb_aac_open(pb_aac *e, int rate, int channels, int bitrate) {
	av_log_set_level(AV_LOG_ERROR);
	const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_AAC);
	if (!codec) return -1;
	e->ctx = avcodec_alloc_context3(codec);
	if (!e->ctx) return -2;
	e->ctx->sample_fmt = AV_SAMPLE_FMT_FLTP;
	e->ctx->sample_rate = rate;
	av_channel_layout_default(&e->ctx->ch_layout, channels);
	e->ctx->bit_rate = bitrate;
	e->ctx->profile = FF_PROFILE_AAC_LOW;
	e->ctx->time_base = (AVRational){1, rate};
	int rc = avcodec_open2(e->ctx, codec, NULL);
	if (rc < 0) return rc;
	e->frame = av_frame_alloc();
	e->pkt = av_packet_alloc();
	if (!e->frame || !e->pkt) return -3;
	e->frame->nb_samples = e->ctx->frame_size;
	e->frame->format = AV_SAMPLE_FMT_FLTP;
	av_channel_layout_copy(&e->frame->ch_layout, &e->ctx->ch_layout);
	return av_frame_get_buffer(e->frame, 0);
}

static int pb_aac_frame_size(pb_aac *e) { return e->ctx->frame_size; }

// pb_aac_send converts interleaved S16 (n frames) to planar float and
// sends it; flush sends NULL.
static int pb_aac_send(pb_aac *e, const int16_t *pcm, int n, int64_t pts, int flush) {
	if (flush) return avcodec_send_frame(e->ctx, NULL);
	int ch = e->ctx->ch_layout.nb_channels;
	int rc = av_frame_make_writable(e->frame);
	if (rc < 0) return rc;
	e->frame->nb_samples = n;
	for (int c = 0; c < ch; c++) {
		float *dst = (float *)e->frame->data[c];
		for (int i = 0; i < n; i++) dst[i] = pcm[i * ch + c] * (1.0f / 32768.0f);
	}
	e->frame->pts = pts;
	return avcodec_send_frame(e->ctx, e->frame);
}

// pb_aac_receive returns the next packet's size (its data in *out), 0 when
// none is ready, or a negative error.
static int pb_aac_receive(pb_aac *e) {
	av_packet_unref(e->pkt);
	int rc = avcodec_receive_packet(e->ctx, e->pkt);
	if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return 0;
	if (rc < 0) return rc;
	e->out = e->pkt->data;
	e->pts = e->pkt->pts;
	return e->pkt->size;
}

static int pb_aac_extradata(pb_aac *e, uint8_t **out) {
	*out = e->ctx->extradata;
	return e->ctx->extradata_size;
}

static void pb_aac_close(pb_aac *e) {
	if (e->pkt) av_packet_free(&e->pkt);
	if (e->frame) av_frame_free(&e->frame);
	if (e->ctx) avcodec_free_context(&e->ctx);
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

// ErrUnavailable is returned by builds without cgo.
var ErrUnavailable = errors.New("aac: built without cgo (libavcodec)")

// Encoder is an AAC-LC encoder. It is used from one goroutine.
type Encoder struct {
	e        *C.pb_aac
	rate     int
	channels int
	frame    int
	samples  int64 // samples sent, the encoder's pts
}

// New opens an encoder for interleaved S16 PCM.
func New(rate, channels, bitrateKbps int) (*Encoder, error) {
	if rate != 44100 && rate != 48000 {
		return nil, fmt.Errorf("aac: rate %d: allowed 44100 or 48000", rate)
	}
	if channels != 1 && channels != 2 {
		return nil, fmt.Errorf("aac: %d channels: allowed 1 or 2", channels)
	}
	e := (*C.pb_aac)(C.calloc(1, C.size_t(unsafe.Sizeof(C.pb_aac{}))))
	if rc := C.pb_aac_open(e, C.int(rate), C.int(channels), C.int(bitrateKbps*1000)); rc < 0 {
		C.pb_aac_close(e)
		C.free(unsafe.Pointer(e))
		return nil, fmt.Errorf("aac: cannot open libavcodec's AAC encoder (%d Hz, %d ch, %d kbps): code %d", rate, channels, bitrateKbps, int(rc))
	}
	return &Encoder{e: e, rate: rate, channels: channels, frame: int(C.pb_aac_frame_size(e))}, nil
}

// FrameSize is the number of frames (samples per channel) per Encode call.
func (x *Encoder) FrameSize() int { return x.frame }

// Config returns the AudioSpecificConfig for the stream header.
func (x *Encoder) Config() []byte {
	var p *C.uint8_t
	n := C.pb_aac_extradata(x.e, &p)
	return C.GoBytes(unsafe.Pointer(p), n)
}

// Encode encodes one frame of FrameSize interleaved samples per channel.
// Each packet is stamped origin + its sample position (the encoder's
// priming delay is accounted for by libavcodec's packet pts).
func (x *Encoder) Encode(dst []*encode.Packet, pcm []int16, origin time.Duration) ([]*encode.Packet, error) {
	if len(pcm) != x.frame*x.channels {
		return dst, fmt.Errorf("aac: %d samples, want %d (%d frames × %d channels)", len(pcm), x.frame*x.channels, x.frame, x.channels)
	}
	if rc := C.pb_aac_send(x.e, (*C.int16_t)(unsafe.Pointer(&pcm[0])), C.int(x.frame), C.int64_t(x.samples), 0); rc < 0 {
		return dst, fmt.Errorf("aac: encode: code %d", int(rc))
	}
	x.samples += int64(x.frame)
	return x.receive(dst, origin)
}

// Flush drains the encoder.
func (x *Encoder) Flush(dst []*encode.Packet, origin time.Duration) ([]*encode.Packet, error) {
	C.pb_aac_send(x.e, nil, 0, 0, 1)
	return x.receive(dst, origin)
}

func (x *Encoder) receive(dst []*encode.Packet, origin time.Duration) ([]*encode.Packet, error) {
	for {
		// Outputs live in the C struct: Go locals passed by address would
		// escape to the heap on every frame.
		n := C.pb_aac_receive(x.e)
		if n < 0 {
			return dst, fmt.Errorf("aac: receive: code %d", int(n))
		}
		if n == 0 {
			return dst, nil
		}
		p := encode.NewPacket(encode.Audio)
		p.Data = append(p.Data, unsafe.Slice((*byte)(unsafe.Pointer(x.e.out)), int(n))...)
		t := origin + audio.SampleTime(int64(x.e.pts), x.rate)
		p.PTS, p.DTS, p.Key = t, t, true
		dst = append(dst, p)
	}
}

// Close frees the encoder.
func (x *Encoder) Close() error {
	if x.e != nil {
		C.pb_aac_close(x.e)
		C.free(unsafe.Pointer(x.e))
		x.e = nil
	}
	return nil
}
