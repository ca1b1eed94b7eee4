//go:build cgo

// Package x264 is the software H.264 backend, on libx264 through cgo
// (Debian: libx264-dev). Builds without cgo get a stub that reports
// encode.ErrUnavailable, so the rest of pitchbox still cross-compiles.
package x264

/*
#cgo pkg-config: x264
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <x264.h>

typedef struct {
	x264_t *h;
	x264_param_t param;
	x264_picture_t in;
	uint8_t *out; // last access unit, read by Go
	int key;
	int64_t pts, dts;
} pb_x264;

static int pb_open(pb_x264 *e, int w, int h, int fps, int kbps, int keyint, const char *preset, int baseline) {
	x264_param_t *p = &e->param;
	if (x264_param_default_preset(p, preset, "zerolatency") < 0) return -1;
	p->i_log_level = X264_LOG_ERROR;
	p->i_csp = X264_CSP_I420;
	p->i_width = w;
	p->i_height = h;
	p->i_fps_num = fps;
	p->i_fps_den = 1;
	p->i_timebase_num = 1;
	p->i_timebase_den = 1000000; // microseconds
	p->b_vfr_input = 0;          // rate control by fps, not by jittery stamps
	p->i_keyint_max = keyint;
	p->i_keyint_min = keyint;
	p->i_scenecut_threshold = 0; // no scene-cut IDRs
	p->b_intra_refresh = 0;
	p->b_open_gop = 0;
	p->i_bframe = 0;
	p->rc.i_rc_method = X264_RC_ABR;
	p->rc.i_bitrate = kbps;
	p->rc.i_vbv_max_bitrate = kbps;
	p->rc.i_vbv_buffer_size = kbps; // one second, ≤ bitrate as IVS asks
	p->i_nal_hrd = X264_NAL_HRD_CBR;
	p->b_repeat_headers = 1; // SPS/PPS before every IDR
	p->b_annexb = 1;
	p->b_aud = 0;
	p->vui.i_colorprim = 6;  // SMPTE 170M: BT.601, what the frames are
	p->vui.i_transfer = 6;
	p->vui.i_colmatrix = 6;
	p->vui.b_fullrange = 0;
	if (x264_param_apply_profile(p, baseline ? "baseline" : "main") < 0) return -2;
	e->h = x264_encoder_open(p);
	if (!e->h) return -3;
	x264_picture_init(&e->in);
	e->in.img.i_csp = X264_CSP_I420;
	e->in.img.i_plane = 3;
	return 0;
}

// pb_encode encodes one picture. The payloads of all NAL units x264 returns
// are consecutive in memory: *out and the return value span them all.
static int pb_encode(pb_x264 *e, uint8_t *y, uint8_t *u, uint8_t *v, int ys, int cs,
		int64_t pts, int idr) {
	x264_nal_t *nals;
	int n;
	x264_picture_t pout;
	e->in.img.plane[0] = y;
	e->in.img.plane[1] = u;
	e->in.img.plane[2] = v;
	e->in.img.i_stride[0] = ys;
	e->in.img.i_stride[1] = cs;
	e->in.img.i_stride[2] = cs;
	e->in.i_pts = pts;
	e->in.i_type = idr ? X264_TYPE_IDR : X264_TYPE_AUTO;
	int size = x264_encoder_encode(e->h, &nals, &n, &e->in, &pout);
	if (size <= 0) return size;
	e->out = nals[0].p_payload;
	e->key = pout.b_keyframe;
	e->pts = pout.i_pts;
	e->dts = pout.i_dts;
	return size;
}

// pb_set_bitrate changes the bitrate by opening a new encoder (whose
// first picture is an IDR with SPS/PPS): with NAL HRD on, x264 accepts new
// VBV settings in x264_encoder_reconfig but never applies them ("VBV
// parameters cannot be changed when NAL HRD is in use").
static int pb_set_bitrate(pb_x264 *e, int kbps) {
	x264_param_t old = e->param;
	e->param.rc.i_bitrate = kbps;
	e->param.rc.i_vbv_max_bitrate = kbps;
	e->param.rc.i_vbv_buffer_size = kbps;
	x264_t *h = x264_encoder_open(&e->param);
	if (!h) {
		e->param = old;
		return -1;
	}
	x264_encoder_close(e->h);
	e->h = h;
	return 0;
}

static void pb_close(pb_x264 *e) {
	if (e->h) x264_encoder_close(e->h);
	e->h = NULL;
}
*/
import "C"

import (
	"fmt"
	"slices"
	"time"
	"unsafe"

	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/frame"
)

// Presets are x264's speed presets.
var Presets = []string{"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"}

// Available reports whether this build has the x264 backend.
const Available = true

// Encoder is a libx264 encoder. It is used from one goroutine.
type Encoder struct {
	e        *C.pb_x264
	settings encode.Settings
}

// New opens an encoder with IVS-safe settings.
func New(s encode.Settings) (*Encoder, error) {
	if s.Width <= 0 || s.Height <= 0 || s.Width%2 != 0 || s.Height%2 != 0 {
		return nil, fmt.Errorf("x264: size %dx%d: must be even and positive", s.Width, s.Height)
	}
	if s.FPS < 1 {
		return nil, fmt.Errorf("x264: fps %d: must be at least 1", s.FPS)
	}
	if s.BitrateKbps < 1 {
		return nil, fmt.Errorf("x264: bitrate %d kbps: must be positive", s.BitrateKbps)
	}
	if s.Preset == "" {
		s.Preset = "ultrafast"
	}
	if !slices.Contains(Presets, s.Preset) {
		return nil, fmt.Errorf("x264: unknown preset %q (allowed: %v)", s.Preset, Presets)
	}
	if s.KeyframeInterval <= 0 {
		s.KeyframeInterval = 2 * time.Second
	}
	keyint := int(s.KeyframeInterval.Seconds()*float64(s.FPS) + 0.5)
	// The box forces IDRs by capture time; x264's own GOP only backs it
	// up, a little longer so the two never both fire.
	keyint += max(1, s.FPS/10)
	e := (*C.pb_x264)(C.calloc(1, C.size_t(unsafe.Sizeof(C.pb_x264{}))))
	cp := C.CString(s.Preset)
	defer C.free(unsafe.Pointer(cp))
	if rc := C.pb_open(e, C.int(s.Width), C.int(s.Height), C.int(s.FPS), C.int(s.BitrateKbps), C.int(keyint), cp, cbool(s.Baseline)); rc != 0 {
		C.free(unsafe.Pointer(e))
		return nil, fmt.Errorf("x264: cannot open encoder (%dx%d@%d, %d kbps, preset %s): code %d", s.Width, s.Height, s.FPS, s.BitrateKbps, s.Preset, int(rc))
	}
	return &Encoder{e: e, settings: s}, nil
}

// Name implements encode.Encoder.
func (x *Encoder) Name() string { return "x264 " + x.settings.Preset }

// Encode implements encode.Encoder. With zerolatency x264 returns each
// frame's access unit from the same call.
func (x *Encoder) Encode(dst []*encode.Packet, f *frame.Frame, keyframe bool) ([]*encode.Packet, error) {
	if x.e == nil {
		return dst, fmt.Errorf("x264: encoder is closed")
	}
	if f.Width != x.settings.Width || f.Height != x.settings.Height {
		return dst, fmt.Errorf("x264: frame is %dx%d, encoder is %dx%d", f.Width, f.Height, x.settings.Width, x.settings.Height)
	}
	// Outputs come back in the C struct: Go locals passed by address would
	// escape to the heap on every frame.
	idr := C.int(0)
	if keyframe {
		idr = 1
	}
	// x264 reads the planes during the call only (cgo's pointer rules allow
	// passing them as arguments: they hold no Go pointers).
	n := C.pb_encode(x.e,
		(*C.uint8_t)(unsafe.Pointer(&f.Y[0])), (*C.uint8_t)(unsafe.Pointer(&f.U[0])), (*C.uint8_t)(unsafe.Pointer(&f.V[0])),
		C.int(f.YStride), C.int(f.CStride), C.int64_t(f.PTS/time.Microsecond), idr)
	if n < 0 {
		return dst, fmt.Errorf("x264: encode failed (code %d)", int(n))
	}
	if n == 0 {
		return dst, nil
	}
	p := encode.NewPacket(encode.Video)
	p.Data = append(p.Data, unsafe.Slice((*byte)(unsafe.Pointer(x.e.out)), int(n))...)
	p.Key = x.e.key != 0
	p.PTS = time.Duration(x.e.pts) * time.Microsecond
	p.DTS = time.Duration(x.e.dts) * time.Microsecond
	p.Seq = f.Seq
	return append(dst, p), nil
}

// Flush implements encode.Encoder: zerolatency holds no frames back.
func (x *Encoder) Flush(dst []*encode.Packet) ([]*encode.Packet, error) { return dst, nil }

// CanForceKeyframe implements encode.KeyframeForcer.
func (x *Encoder) CanForceKeyframe() bool { return true }

// SetBitrate implements encode.BitrateSetter. The encoder is reopened at
// the new rate, so the next frame is an IDR.
func (x *Encoder) SetBitrate(kbps int) error {
	if kbps < 1 {
		return fmt.Errorf("x264: bitrate %d kbps: must be positive", kbps)
	}
	if x.e == nil {
		return fmt.Errorf("x264: encoder is closed")
	}
	if rc := C.pb_set_bitrate(x.e, C.int(kbps)); rc < 0 {
		return fmt.Errorf("x264: reconfigure to %d kbps failed", kbps)
	}
	x.settings.BitrateKbps = kbps
	return nil
}

// Close implements encode.Encoder.
func (x *Encoder) Close() error {
	if x.e != nil {
		C.pb_close(x.e)
		C.free(unsafe.Pointer(x.e))
		x.e = nil
	}
	return nil
}

// cbool is b as a C int.
func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
