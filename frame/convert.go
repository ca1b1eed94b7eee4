package frame

import (
	"encoding/binary"
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
		n := yuyvRows8(r0, r1, y0, y1, u, v)
		for x := n; x < w/2; x++ {
			a := r0[4*x : 4*x+4 : 4*x+4]
			b := r1[4*x : 4*x+4 : 4*x+4]
			y0[2*x], y0[2*x+1] = a[0], a[2]
			y1[2*x], y1[2*x+1] = b[0], b[2]
			u[x] = byte((uint(a[1]) + uint(b[1]) + 1) >> 1)
			v[x] = byte((uint(a[3]) + uint(b[3]) + 1) >> 1)
		}
	}
	return nil
}

// Byte-lane masks for converting YUYV eight bytes at a time.
const (
	evenBytes = 0x00FF00FF00FF00FF
	ones16    = 0x0001000100010001
)

// packEven gathers the four even bytes of v (the lumas of two YUYV pixel
// pairs) into the low 32 bits.
func packEven(v uint64) uint64 {
	v &= evenBytes
	v = (v | v>>8) & 0x0000FFFF0000FFFF
	return (v | v>>16) & 0xFFFFFFFF
}

// yuyvRows8 converts two YUYV rows eight pixels at a time (SWAR on
// 64-bit words: lumas packed, chromas of both rows averaged in 16-bit
// lanes) and returns how many chroma samples it wrote.
func yuyvRows8(r0, r1, y0, y1, u, v []byte) int {
	n := len(u) &^ 3
	u, v = u[:n], v[:n]
	for len(u) >= 4 && len(v) >= 4 && len(r0) >= 16 && len(r1) >= 16 && len(y0) >= 8 && len(y1) >= 8 {
		a0, a1 := binary.LittleEndian.Uint64(r0), binary.LittleEndian.Uint64(r0[8:])
		b0, b1 := binary.LittleEndian.Uint64(r1), binary.LittleEndian.Uint64(r1[8:])
		binary.LittleEndian.PutUint64(y0, packEven(a0)|packEven(a1)<<32)
		binary.LittleEndian.PutUint64(y1, packEven(b0)|packEven(b1)<<32)
		// U0 V0 U1 V1 of each word in 16-bit lanes, rows averaged.
		c0 := ((a0>>8)&evenBytes + (b0>>8)&evenBytes + ones16) >> 1 & evenBytes
		c1 := ((a1>>8)&evenBytes + (b1>>8)&evenBytes + ones16) >> 1 & evenBytes
		binary.LittleEndian.PutUint32(u, uint32(c0&0xFF|c0>>24&0xFF00|(c1&0xFF)<<16|(c1>>32&0xFF)<<24))
		binary.LittleEndian.PutUint32(v, uint32(c0>>16&0xFF|c0>>40&0xFF00|(c1>>16&0xFF)<<16|(c1>>48&0xFF)<<24))
		r0, r1, y0, y1, u, v = r0[16:], r1[16:], y0[8:], y1[8:], u[4:], v[4:]
	}
	return n - len(u)
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
