//go:build cgo

package fastconv

/*
#cgo CFLAGS: -O3
#include <stdint.h>
#include <stddef.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#elif defined(__ARM_NEON)
#include <arm_neon.h>
#endif

// pb_yuyv_simd converts 16 pixels of two rows at a time and returns how
// many pixels of each row it did.
static int pb_yuyv_simd(const uint8_t *a, const uint8_t *b, uint8_t *y0, uint8_t *y1, uint8_t *u, uint8_t *v, int w) {
	int x = 0;
#if defined(__SSE2__)
	const __m128i lo = _mm_set1_epi16(0x00FF);
	for (; x + 16 <= w; x += 16) {
		__m128i a0 = _mm_loadu_si128((const __m128i *)(a + 2 * x)), a1 = _mm_loadu_si128((const __m128i *)(a + 2 * x + 16));
		__m128i b0 = _mm_loadu_si128((const __m128i *)(b + 2 * x)), b1 = _mm_loadu_si128((const __m128i *)(b + 2 * x + 16));
		_mm_storeu_si128((__m128i *)(y0 + x), _mm_packus_epi16(_mm_and_si128(a0, lo), _mm_and_si128(a1, lo)));
		_mm_storeu_si128((__m128i *)(y1 + x), _mm_packus_epi16(_mm_and_si128(b0, lo), _mm_and_si128(b1, lo)));
		__m128i c0 = _mm_avg_epu16(_mm_srli_epi16(a0, 8), _mm_srli_epi16(b0, 8));
		__m128i c1 = _mm_avg_epu16(_mm_srli_epi16(a1, 8), _mm_srli_epi16(b1, 8));
		__m128i c = _mm_packus_epi16(c0, c1);
		__m128i uv = _mm_packus_epi16(_mm_and_si128(c, lo), _mm_srli_epi16(c, 8));
		_mm_storel_epi64((__m128i *)(u + x / 2), uv);
		_mm_storel_epi64((__m128i *)(v + x / 2), _mm_srli_si128(uv, 8));
	}
#elif defined(__ARM_NEON)
	for (; x + 32 <= w; x += 32) {
		uint8x16x4_t p = vld4q_u8(a + 2 * x), q = vld4q_u8(b + 2 * x);
		uint8x16x2_t ya = {{p.val[0], p.val[2]}}, yb = {{q.val[0], q.val[2]}};
		vst2q_u8(y0 + x, ya);
		vst2q_u8(y1 + x, yb);
		vst1q_u8(u + x / 2, vrhaddq_u8(p.val[1], q.val[1]));
		vst1q_u8(v + x / 2, vrhaddq_u8(p.val[3], q.val[3]));
	}
#endif
	return x;
}

static int pb_simd(void) {
#if defined(__SSE2__) || defined(__ARM_NEON)
	return 1;
#else
	return 0;
#endif
}

static void pb_yuyv(const uint8_t *src, int stride, uint8_t *y, int ys, uint8_t *u, uint8_t *v, int cs, int w, int h) {
	for (int r = 0; r + 1 < h; r += 2) {
		const uint8_t *a = src + (size_t)r * stride, *b = a + stride;
		uint8_t *y0 = y + (size_t)r * ys, *y1 = y0 + ys;
		uint8_t *uu = u + (size_t)(r / 2) * cs, *vv = v + (size_t)(r / 2) * cs;
		for (int x = pb_yuyv_simd(a, b, y0, y1, uu, vv, w); x + 1 < w; x += 2) {
			y0[x] = a[2 * x]; y0[x + 1] = a[2 * x + 2];
			y1[x] = b[2 * x]; y1[x + 1] = b[2 * x + 2];
			uu[x / 2] = (a[2 * x + 1] + b[2 * x + 1] + 1) >> 1;
			vv[x / 2] = (a[2 * x + 3] + b[2 * x + 3] + 1) >> 1;
		}
	}
}
*/
import "C"

import (
	"unsafe"

	"github.com/pitchbox/pitchbox/frame"
)

// InC reports whether this build converts in C (cgo).
const InC = true

// SIMD reports whether the C conversions use SIMD instructions (SSE2 on
// x86-64, NEON on arm64; armhf builds for CPUs without NEON).
var SIMD = C.pb_simd() != 0

// FromYUYV converts packed YUYV 4:2:2 into dst as frame.FromYUYV does
// (chroma of each pair of lines averaged, rounding up), with SIMD.
func FromYUYV(dst *frame.Frame, src []byte, stride int) error {
	w, h := dst.Width, dst.Height
	if err := checkYUYV(len(src), stride, w, h); err != nil {
		return err
	}
	C.pb_yuyv((*C.uint8_t)(unsafe.Pointer(&src[0])), C.int(stride),
		(*C.uint8_t)(unsafe.Pointer(&dst.Y[0])), C.int(dst.YStride),
		(*C.uint8_t)(unsafe.Pointer(&dst.U[0])), (*C.uint8_t)(unsafe.Pointer(&dst.V[0])), C.int(dst.CStride),
		C.int(w), C.int(h))
	return nil
}
