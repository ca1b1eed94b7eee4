package frame

import (
	"fmt"
)

// FromYUYV converts packed YUYV 4:2:2 (Y0 U Y1 V) into dst, whose size gives
// the picture size. stride is the source's bytes per line (at least
// 2×width). Chroma of each pair of lines is averaged to 4:2:0.
func FromYUYV(dst *Frame, src []byte, stride int) error {
	w, h := dst.Width, dst.Height
	if stride < 2*w || len(src) < stride*(h-1)+2*w {
		return fmt.Errorf("frame: YUYV buffer of %d bytes (stride %d) too small for %dx%d", len(src), stride, w, h)
	}
	for y := 0; y < h; y += 2 {
		r0 := src[y*stride : y*stride+2*w]
		r1 := src[(y+1)*stride : (y+1)*stride+2*w]
		y0 := dst.Y[y*dst.YStride : y*dst.YStride+w]
		y1 := dst.Y[(y+1)*dst.YStride : (y+1)*dst.YStride+w]
		u := dst.U[(y/2)*dst.CStride : (y/2)*dst.CStride+w/2]
		v := dst.V[(y/2)*dst.CStride : (y/2)*dst.CStride+w/2]
		for x := 0; x < w/2; x++ {
			i := 4 * x
			a := r0[i : i+4 : i+4]
			b := r1[i : i+4 : i+4]
			y0[2*x] = a[0]
			y0[2*x+1] = a[2]
			y1[2*x] = b[0]
			y1[2*x+1] = b[2]
			u[x] = byte((uint(a[1]) + uint(b[1]) + 1) >> 1)
			v[x] = byte((uint(a[3]) + uint(b[3]) + 1) >> 1)
		}
	}
	return nil
}

// FromNV12 converts NV12 (a Y plane, then one interleaved UV plane at half
// height) into dst. stride is the bytes per line of both planes.
func FromNV12(dst *Frame, src []byte, stride int) error {
	w, h := dst.Width, dst.Height
	if stride < w || len(src) < stride*h+stride*(h/2-1)+w {
		return fmt.Errorf("frame: NV12 buffer of %d bytes (stride %d) too small for %dx%d", len(src), stride, w, h)
	}
	copyPlane(dst.Y, dst.YStride, src, stride, w, h)
	uv := src[stride*h:]
	for y := 0; y < h/2; y++ {
		row := uv[y*stride : y*stride+w]
		u := dst.U[y*dst.CStride : y*dst.CStride+w/2]
		v := dst.V[y*dst.CStride : y*dst.CStride+w/2]
		for x := range u {
			u[x] = row[2*x]
			v[x] = row[2*x+1]
		}
	}
	return nil
}

// FromI420 copies planar I420 (YU12) with luma stride stride (chroma stride
// stride/2) into dst.
func FromI420(dst *Frame, src []byte, stride int) error {
	w, h := dst.Width, dst.Height
	cs := stride / 2
	if stride < w || len(src) < stride*h+2*cs*(h/2) {
		return fmt.Errorf("frame: I420 buffer of %d bytes (stride %d) too small for %dx%d", len(src), stride, w, h)
	}
	copyPlane(dst.Y, dst.YStride, src, stride, w, h)
	copyPlane(dst.U, dst.CStride, src[stride*h:], cs, w/2, h/2)
	copyPlane(dst.V, dst.CStride, src[stride*h+cs*(h/2):], cs, w/2, h/2)
	return nil
}
