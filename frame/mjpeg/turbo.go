//go:build cgo

package mjpeg

/*
#cgo pkg-config: libturbojpeg
#cgo CFLAGS: -O3
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

// pb_tj is one decoder: the TurboJPEG handle and a scratch buffer for the
// planes that cannot go straight into the frame (chroma to be averaged to
// 4:2:0, or a picture of odd size), grown once and kept.
typedef struct {
	tjhandle h;
	unsigned char *scratch;
	size_t cap;
	int w, hgt, samp; // of the last header read
	char err[200];
} pb_tj;

static pb_tj *pb_new(void) {
	pb_tj *d = calloc(1, sizeof *d);
	if (!d) return NULL;
	d->h = tjInitDecompress();
	if (!d->h) { free(d); return NULL; }
	return d;
}

static void pb_free(pb_tj *d) {
	tjDestroy(d->h);
	free(d->scratch);
	free(d);
}

static unsigned char *pb_scratch(pb_tj *d, size_t n) {
	if (n > d->cap) {
		unsigned char *p = realloc(d->scratch, n);
		if (!p) return NULL;
		d->scratch = p;
		d->cap = n;
	}
	return d->scratch;
}

// Full-range (JPEG) samples to the limited range H.264 signals:
// luma 0..255 to 16..235, chroma to 16..240, rounded.
static inline uint8_t pb_luma(unsigned v) { return (uint8_t)(16 + (v * 219 + 127) / 255); }
static inline uint8_t pb_chroma(unsigned v) { return (uint8_t)(16 + (v * 224 + 127) / 255); }

static void pb_luma_plane(uint8_t *p, int stride, int w, int h) {
	for (int y = 0; y < h; y++) {
		uint8_t *r = p + (size_t)y * stride;
		for (int x = 0; x < w; x++) r[x] = pb_luma(r[x]);
	}
}

static void pb_chroma_plane(uint8_t *p, int stride, int w, int h) {
	for (int y = 0; y < h; y++) {
		uint8_t *r = p + (size_t)y * stride;
		for (int x = 0; x < w; x++) r[x] = pb_chroma(r[x]);
	}
}

// pb_to420 maps a chroma plane of pw×ph (stride ps) onto cw×ch: 2:1
// steps are averaged, 1:1 copied, 1:2 repeated; the result is made
// limited range.
static void pb_to420(const uint8_t *src, int ps, int pw, int ph, uint8_t *dst, int ds, int cw, int ch) {
	int fx = pw >= 2 * cw ? 2 : pw >= cw ? 1 : 0;
	int fy = ph >= 2 * ch ? 2 : 1;
	for (int y = 0; y < ch; y++) {
		const uint8_t *r0 = src + (size_t)(y * fy) * ps;
		const uint8_t *r1 = fy == 2 ? r0 + ps : r0;
		uint8_t *o = dst + (size_t)y * ds;
		if (fx == 2) {
			for (int x = 0; x < cw; x++)
				o[x] = pb_chroma((r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1] + 2) >> 2);
		} else if (fx == 1) {
			for (int x = 0; x < cw; x++) o[x] = pb_chroma((r0[x] + r1[x] + 1) >> 1);
		} else {
			for (int x = 0; x < cw; x++) o[x] = pb_chroma((r0[x / 2] + r1[x / 2] + 1) >> 1);
		}
	}
}

// pb_fail keeps the error text and starts a fresh handle: after an error
// libjpeg's state (tables kept for JPEGs that leave them out) may be bad.
static int pb_fail(pb_tj *d) {
	const char *e = tjGetErrorStr2(d->h);
	strncpy(d->err, e ? e : "unknown error", sizeof d->err - 1);
	tjhandle fresh = tjInitDecompress();
	if (fresh) {
		tjDestroy(d->h);
		d->h = fresh;
	}
	return -1;
}

// pb_decode decodes one JPEG of exactly w×h (from pb_header) into the
// I420 planes of a frame of fw×fh (fw = w rounded down to even, …),
// limited range. Planes go straight into the frame when TurboJPEG's
// (padded) plane sizes are the frame's; otherwise through the scratch
// buffer. It returns 0, or -1 with d->err set.
static int pb_decode(pb_tj *d, const unsigned char *buf, unsigned long n, int w, int h, int samp,
		uint8_t *y, int ys, uint8_t *u, uint8_t *v, int cs, int fw, int fh) {
	int gray = samp == TJSAMP_GRAY;
	int yw = tjPlaneWidth(0, w, samp), yh = tjPlaneHeight(0, h, samp);
	int pw = gray ? 0 : tjPlaneWidth(1, w, samp), ph = gray ? 0 : tjPlaneHeight(1, h, samp);
	int cw = fw / 2, ch = fh / 2;
	int direct = yw == fw && yh == fh;
	int chroma420 = direct && samp == TJSAMP_420 && pw == cw && ph == ch;
	size_t need = (direct ? 0 : (size_t)yw * yh) + (chroma420 || gray ? 0 : 2 * (size_t)pw * ph);
	uint8_t *s = need ? pb_scratch(d, need) : NULL;
	if (need && !s) { strcpy(d->err, "out of memory"); return -1; }
	unsigned char *planes[3];
	int strides[3];
	planes[0] = direct ? y : s;
	strides[0] = direct ? ys : yw;
	uint8_t *cs0 = direct ? s : s + (size_t)yw * yh;
	planes[1] = chroma420 ? u : cs0;
	planes[2] = chroma420 ? v : cs0 + (size_t)pw * ph;
	strides[1] = strides[2] = chroma420 ? cs : pw;
	// A warning is a damaged picture (bad Huffman code, data cut short),
	// except bytes some cameras leave between segments.
	if (tjDecompressToYUVPlanes(d->h, buf, n, planes, w, strides, h, 0) != 0) {
		if (tjGetErrorCode(d->h) != TJERR_WARNING || !strstr(tjGetErrorStr2(d->h), "extraneous bytes before marker")) return pb_fail(d);
	}
	if (!direct)
		for (int r = 0; r < fh; r++) memcpy(y + (size_t)r * ys, s + (size_t)r * yw, fw);
	pb_luma_plane(y, ys, fw, fh);
	if (gray) {
		for (int r = 0; r < ch; r++) { memset(u + (size_t)r * cs, 128, cw); memset(v + (size_t)r * cs, 128, cw); }
	} else if (chroma420) {
		pb_chroma_plane(u, cs, cw, ch);
		pb_chroma_plane(v, cs, cw, ch);
	} else {
		pb_to420(planes[1], pw, pw, ph, u, cs, cw, ch);
		pb_to420(planes[2], pw, pw, ph, v, cs, cw, ch);
	}
	return 0;
}

static int pb_header(pb_tj *d, const unsigned char *buf, unsigned long n) {
	int colorspace;
	if (tjDecompressHeader3(d->h, buf, n, &d->w, &d->hgt, &d->samp, &colorspace) != 0) return pb_fail(d);
	return 0;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/pitchbox/pitchbox/frame"
)

// Available reports whether this build decodes with libjpeg-turbo.
const Available = true

// Backend names the decoder in logs and benchmarks.
const Backend = "libjpeg-turbo"

// Decoder decodes camera JPEGs into I420 frames with libjpeg-turbo,
// straight to planar YUV (no RGB step), limited range. It allocates
// nothing per frame. A Decoder is used by one goroutine at a time.
type Decoder struct {
	d *C.pb_tj
}

// New makes a decoder; Close frees it.
func New() (*Decoder, error) {
	d := C.pb_new()
	if d == nil {
		return nil, errors.New("mjpeg: cannot start libjpeg-turbo")
	}
	return &Decoder{d: d}, nil
}

// Close frees the decoder.
func (d *Decoder) Close() {
	if d.d != nil {
		C.pb_free(d.d)
		d.d = nil
	}
}

// Decode decodes one JPEG into dst, whose size must be the picture's
// (rounded down to even). Truncated or corrupt data is an error.
func (d *Decoder) Decode(dst *frame.Frame, data []byte) error {
	if len(data) < 4 {
		return ErrCorrupt
	}
	p := (*C.uchar)(unsafe.Pointer(&data[0]))
	n := C.ulong(len(data))
	if C.pb_header(d.d, p, n) != 0 {
		return d.err()
	}
	if err := checkSize(int(d.d.w), int(d.d.hgt), dst); err != nil {
		return err
	}
	if C.pb_decode(d.d, p, n, d.d.w, d.d.hgt, d.d.samp,
		(*C.uint8_t)(unsafe.Pointer(&dst.Y[0])), C.int(dst.YStride),
		(*C.uint8_t)(unsafe.Pointer(&dst.U[0])), (*C.uint8_t)(unsafe.Pointer(&dst.V[0])), C.int(dst.CStride),
		C.int(dst.Width), C.int(dst.Height)) != 0 {
		return d.err()
	}
	return nil
}

// err is the decoder's last error, wrapped in ErrCorrupt.
func (d *Decoder) err() error {
	return fmt.Errorf("%w: %s", ErrCorrupt, C.GoString(&d.d.err[0]))
}
