// Package display drives the box's attached screen. This part is the Linux
// framebuffer (fbdev): under KMS /dev/fb0 is DRM's fbdev emulation, 16 bpp
// RGB565 on a Pi by default, 32 bpp XRGB8888 elsewhere; the pixel layout is
// read from the driver (bits per pixel, line length, colour offsets) and
// pictures are converted into it.
package display

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"unsafe"
)

// ErrUnsupported is returned on systems without fbdev.
var ErrUnsupported = errors.New("display: framebuffers are Linux only")

// Bitfield is struct fb_bitfield.
type Bitfield struct {
	Offset, Length, MSBRight uint32
}

// VarScreenInfo is struct fb_var_screeninfo.
type VarScreenInfo struct {
	XRes, YRes, XResVirtual, YResVirtual uint32
	XOffset, YOffset                     uint32
	BitsPerPixel, Grayscale              uint32
	Red, Green, Blue, Transp             Bitfield
	NonStd, Activate, Height, Width      uint32
	AccelFlags, PixClock                 uint32
	LeftMargin, RightMargin              uint32
	UpperMargin, LowerMargin             uint32
	HSyncLen, VSyncLen, Sync, VMode      uint32
	Rotate, Colorspace                   uint32
	Reserved                             [4]uint32
}

// FixScreenInfo is struct fb_fix_screeninfo (unsigned long is uintptr).
type FixScreenInfo struct {
	ID                     [16]byte
	SmemStart              uintptr
	SmemLen, Type, TypeAux uint32
	Visual                 uint32
	XPanStep, YPanStep     uint16
	YWrapStep              uint16
	LineLength             uint32
	MMIOStart              uintptr
	MMIOLen, Accel         uint32
	Capabilities           uint16
	Reserved               [2]uint16
}

// fbdev requests (linux/fb.h: plain numbers, no size encoded).
const (
	FBIOGET_VSCREENINFO = 0x4600
	FBIOPUT_VSCREENINFO = 0x4601
	FBIOGET_FSCREENINFO = 0x4602
	// fbActivateForce makes FBIOPUT_VSCREENINFO apply the mode even when
	// it is unchanged (FB_ACTIVATE_NOW | FB_ACTIVATE_FORCE).
	fbActivateForce = 128
)

// sizes checked against the kernel headers in fb_test.go.
var (
	sizeofVar = unsafe.Sizeof(VarScreenInfo{})
	sizeofFix = unsafe.Sizeof(FixScreenInfo{})
)

// Format is how pixels are laid out in a framebuffer.
type Format struct {
	Width, Height int
	BitsPerPixel  int
	LineLength    int // bytes per row, may exceed Width × bytes per pixel
	Red, Green    Bitfield
	Blue          Bitfield
}

// FormatOf reads the layout out of the driver's screen info.
func FormatOf(v *VarScreenInfo, f *FixScreenInfo) (Format, error) {
	ft := Format{Width: int(v.XRes), Height: int(v.YRes), BitsPerPixel: int(v.BitsPerPixel),
		LineLength: int(f.LineLength), Red: v.Red, Green: v.Green, Blue: v.Blue}
	if ft.BitsPerPixel != 16 && ft.BitsPerPixel != 32 && ft.BitsPerPixel != 24 {
		return ft, fmt.Errorf("display: %d bits per pixel (supported: 16, 24, 32)", ft.BitsPerPixel)
	}
	if ft.LineLength < ft.Width*ft.BitsPerPixel/8 {
		return ft, fmt.Errorf("display: line length %d too short for %d pixels of %d bits", ft.LineLength, ft.Width, ft.BitsPerPixel)
	}
	for _, b := range []Bitfield{ft.Red, ft.Green, ft.Blue} {
		if b.Length == 0 || b.Length > 8 || int(b.Offset+b.Length) > ft.BitsPerPixel {
			return ft, fmt.Errorf("display: colour field %+v does not fit %d bits per pixel", b, ft.BitsPerPixel)
		}
	}
	return ft, nil
}

// String names the layout, e.g. "800x480 RGB565 (line 1600)".
func (f Format) String() string {
	name := fmt.Sprintf("%d bpp", f.BitsPerPixel)
	switch {
	case f.BitsPerPixel == 16 && f.Red.Offset == 11 && f.Green.Length == 6:
		name = "RGB565"
	case f.BitsPerPixel == 32 && f.Red.Offset == 16 && f.Blue.Offset == 0:
		name = "XRGB8888"
	}
	return fmt.Sprintf("%dx%d %s (line %d)", f.Width, f.Height, name, f.LineLength)
}

// pack turns 8-bit channels into one pixel value of the layout.
func (f *Format) pack(r, g, b uint8) uint32 {
	field := func(v uint8, bf Bitfield) uint32 { return uint32(v>>(8-bf.Length)) << bf.Offset }
	return field(r, f.Red) | field(g, f.Green) | field(b, f.Blue)
}

// unpack is pack's inverse (low bits zero).
func (f *Format) unpack(p uint32) (r, g, b uint8) {
	field := func(bf Bitfield) uint8 {
		v := (p >> bf.Offset) & (1<<bf.Length - 1)
		return uint8(v << (8 - bf.Length))
	}
	return field(f.Red), field(f.Green), field(f.Blue)
}

// Draw converts the part of src inside r (in screen coordinates, clipped)
// into dst, a framebuffer of layout f, little-endian as every fbdev here
// is. It allocates nothing.
func (f *Format) Draw(dst []byte, src *image.RGBA, r image.Rectangle) {
	r = r.Intersect(image.Rect(0, 0, f.Width, f.Height)).Intersect(src.Bounds())
	bpp := f.BitsPerPixel / 8
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := dst[y*f.LineLength:]
		s := src.Pix[src.PixOffset(r.Min.X, y):]
		for x := r.Min.X; x < r.Max.X; x++ {
			p := f.pack(s[0], s[1], s[2])
			s = s[4:]
			o := x * bpp
			switch bpp {
			case 2:
				row[o], row[o+1] = byte(p), byte(p>>8)
			case 3:
				row[o], row[o+1], row[o+2] = byte(p), byte(p>>8), byte(p>>16)
			case 4:
				row[o], row[o+1], row[o+2], row[o+3] = byte(p), byte(p>>8), byte(p>>16), byte(p>>24)
			}
		}
	}
}

// Read converts a framebuffer of layout f back into a picture (for tests
// and screenshots).
func (f *Format) Read(src []byte) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, f.Width, f.Height))
	bpp := f.BitsPerPixel / 8
	for y := 0; y < f.Height; y++ {
		row := src[y*f.LineLength:]
		for x := 0; x < f.Width; x++ {
			var p uint32
			for i := bpp - 1; i >= 0; i-- {
				p = p<<8 | uint32(row[x*bpp+i])
			}
			r, g, b := f.unpack(p)
			img.SetRGBA(x, y, color.RGBA{r, g, b, 255})
		}
	}
	return img
}

// RGB565 and XRGB8888 are the two layouts boards give (for tests and as
// documentation).
func RGB565(w, h int) Format {
	return Format{Width: w, Height: h, BitsPerPixel: 16, LineLength: w * 2,
		Red: Bitfield{Offset: 11, Length: 5}, Green: Bitfield{Offset: 5, Length: 6}, Blue: Bitfield{Offset: 0, Length: 5}}
}

// XRGB8888 is 32 bpp with red in bits 16–23.
func XRGB8888(w, h int) Format {
	return Format{Width: w, Height: h, BitsPerPixel: 32, LineLength: w * 4,
		Red: Bitfield{Offset: 16, Length: 8}, Green: Bitfield{Offset: 8, Length: 8}, Blue: Bitfield{Offset: 0, Length: 8}}
}

// Differing counts the pixels of a and b, inside their common bounds and
// outside skip, whose colours differ by more than a small tolerance (one
// step of RGB565), and the pixels compared.
func Differing(a *image.RGBA, b image.Image, skip image.Rectangle) (n, total int) {
	r := a.Bounds().Intersect(b.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if image.Pt(x, y).In(skip) {
				continue
			}
			total++
			c := a.RGBAAt(x, y)
			br, bg, bb, _ := b.At(x, y).RGBA()
			if diff(c.R, uint8(br>>8)) > 8 || diff(c.G, uint8(bg>>8)) > 8 || diff(c.B, uint8(bb>>8)) > 8 {
				n++
			}
		}
	}
	return n, total
}

// diff is |a-b|.
func diff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}
