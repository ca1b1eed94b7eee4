// Package overlay renders presets (QR codes and product images) once into
// YUV planes with alpha at their final size, places them on the frame, and
// blends the current scene into every frame inside the overlay rectangles
// only. A scene switch is one atomic store, so it shows on the next frame.
package overlay

import (
	"fmt"
	"image"
	"image/color"
	"strings"

	"github.com/pitchbox/pitchbox/frame"
)

// Position says where an overlay sits on the frame.
type Position int

// Positions. XY places the overlay's top-left corner at fractions of the
// frame's width and height.
const (
	TopLeft Position = iota
	TopRight
	BottomLeft
	BottomRight
	Center
	XY
)

var positionNames = [...]string{"top-left", "top-right", "bottom-left", "bottom-right", "center", "xy"}

func (p Position) String() string {
	if p < 0 || int(p) >= len(positionNames) {
		return fmt.Sprintf("Position(%d)", int(p))
	}
	return positionNames[p]
}

// PositionNames lists the names ParsePosition accepts.
func PositionNames() []string { return positionNames[:Center+1] }

// ParsePosition parses a position name such as "top-right".
func ParsePosition(s string) (Position, error) {
	for i, n := range positionNames[:Center+1] {
		if s == n {
			return Position(i), nil
		}
	}
	return 0, fmt.Errorf("overlay: unknown position %q (allowed: %s)", s, strings.Join(PositionNames(), ", "))
}

// Overlay is a picture prepared for one frame size: Y and alpha at full
// resolution, U, V and chroma alpha at half resolution, placed at X, Y
// (both even). Opaque overlays are copied instead of blended.
type Overlay struct {
	Name       string
	X, Y       int
	W, H       int
	Yp, A      []byte // W×H
	Up, Vp, CA []byte // W/2 × H/2
	Opaque     bool
}

// Bounds returns the overlay's rectangle on the frame.
func (o *Overlay) Bounds() image.Rectangle { return image.Rect(o.X, o.Y, o.X+o.W, o.Y+o.H) }

// Margin returns the distance kept between a corner overlay and the frame
// edge: 4% of the frame height, rounded down to even.
func Margin(frameH int) int { return frameH * 4 / 100 &^ 1 }

// Place returns the top-left corner, rounded down to even, of a w×h overlay
// at pos on a frameW×frameH frame. fx and fy are used with XY. The result
// is clamped so the overlay stays inside the frame.
func Place(pos Position, fx, fy float64, w, h, frameW, frameH int) (x, y int) {
	m := Margin(frameH)
	switch pos {
	case TopLeft:
		x, y = m, m
	case TopRight:
		x, y = frameW-w-m, m
	case BottomLeft:
		x, y = m, frameH-h-m
	case BottomRight:
		x, y = frameW-w-m, frameH-h-m
	case Center:
		x, y = (frameW-w)/2, (frameH-h)/2
	case XY:
		x, y = int(fx*float64(frameW)), int(fy*float64(frameH))
	}
	x = min(max(x, 0), frameW-w)
	y = min(max(y, 0), frameH-h)
	return x &^ 1, y &^ 1
}

// FromImage converts img (already at its final size) into an overlay placed
// at x, y. Colours are converted to BT.601 limited-range YUV, the matrix
// cameras and H.264 decoders assume for SD and HD when nothing is signalled.
func FromImage(name string, img image.Image, x, y int) *Overlay {
	b := img.Bounds()
	w, h := b.Dx()&^1, b.Dy()&^1
	o := &Overlay{
		Name: name, X: x &^ 1, Y: y &^ 1, W: w, H: h,
		Yp: make([]byte, w*h), A: make([]byte, w*h),
		Up: make([]byte, w*h/4), Vp: make([]byte, w*h/4), CA: make([]byte, w*h/4),
		Opaque: true,
	}
	// Chroma accumulates over each 2×2 block, weighted by alpha so that
	// transparent pixels do not tint the edges.
	us := make([]int, w/2)
	vs := make([]int, w/2)
	as := make([]int, w/2)
	for j := 0; j < h; j++ {
		if j%2 == 0 {
			clear(us)
			clear(vs)
			clear(as)
		}
		for i := 0; i < w; i++ {
			c := color.NRGBAModel.Convert(img.At(b.Min.X+i, b.Min.Y+j)).(color.NRGBA)
			yy, u, v := rgbToYUV(c.R, c.G, c.B)
			o.Yp[j*w+i] = yy
			o.A[j*w+i] = c.A
			if c.A != 255 {
				o.Opaque = false
			}
			a := int(c.A)
			us[i/2] += int(u) * a
			vs[i/2] += int(v) * a
			as[i/2] += a
		}
		if j%2 == 1 {
			for i := 0; i < w/2; i++ {
				k := (j/2)*(w/2) + i
				if as[i] == 0 {
					o.Up[k], o.Vp[k], o.CA[k] = 128, 128, 0
					continue
				}
				o.Up[k] = byte((us[i] + as[i]/2) / as[i])
				o.Vp[k] = byte((vs[i] + as[i]/2) / as[i])
				o.CA[k] = byte((as[i] + 2) / 4)
			}
		}
	}
	return o
}

// rgbToYUV converts full-range RGB to BT.601 limited-range YUV with
// rounding (coefficients scaled by 2^16).
func rgbToYUV(r, g, b uint8) (y, u, v uint8) {
	R, G, B := int32(r), int32(g), int32(b)
	Y := (16829*R + 33039*G + 6416*B + (16 << 16) + 32768) >> 16
	U := (-9714*R - 19070*G + 28784*B + (128 << 16) + 32768) >> 16
	V := (28784*R - 24103*G - 4681*B + (128 << 16) + 32768) >> 16
	return clamp8(Y), clamp8(U), clamp8(V)
}

func clamp8(v int32) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// Blend draws o onto f. Only the overlay's rectangle, clipped to the frame,
// is read and written. It allocates nothing.
func (o *Overlay) Blend(f *frame.Frame) {
	x0, y0 := max(o.X, 0), max(o.Y, 0)
	x1, y1 := min(o.X+o.W, f.Width), min(o.Y+o.H, f.Height)
	if x0 >= x1 || y0 >= y1 {
		return
	}
	n := x1 - x0
	for y := y0; y < y1; y++ {
		src := o.Yp[(y-o.Y)*o.W+(x0-o.X):][:n]
		dst := f.Y[y*f.YStride+x0:][:n]
		if o.Opaque {
			copy(dst, src)
		} else {
			blendRow(dst, src, o.A[(y-o.Y)*o.W+(x0-o.X):][:n])
		}
	}
	cx0, cy0, cn := x0/2, y0/2, (x1-x0)/2
	cw := o.W / 2
	for y := cy0; y < y1/2; y++ {
		oi := (y-o.Y/2)*cw + (cx0 - o.X/2)
		du := f.U[y*f.CStride+cx0:][:cn]
		dv := f.V[y*f.CStride+cx0:][:cn]
		if o.Opaque {
			copy(du, o.Up[oi:][:cn])
			copy(dv, o.Vp[oi:][:cn])
		} else {
			a := o.CA[oi:][:cn]
			blendRow(du, o.Up[oi:][:cn], a)
			blendRow(dv, o.Vp[oi:][:cn], a)
		}
	}
}

// blendRow computes dst = (src·a + dst·(255−a)) / 255, rounded, for each
// sample. The division uses (x + 1 + (x >> 8)) >> 8, which is exact for
// x = v + 127 with v in 0…255·255.
func blendRow(dst, src, alpha []byte) {
	src = src[:len(dst)]
	alpha = alpha[:len(dst)]
	for i := range dst {
		a := uint32(alpha[i])
		switch a {
		case 0:
			continue
		case 255:
			dst[i] = src[i]
			continue
		}
		x := uint32(src[i])*a + uint32(dst[i])*(255-a) + 127
		dst[i] = byte((x + 1 + x>>8) >> 8)
	}
}
