package display

import (
	"bufio"
	"image"
	"image/color"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func TestLayoutsMatchKernelHeaders(t *testing.T) {
	f, err := os.Open("testdata/uapi_" + runtime.GOARCH + ".txt")
	if err != nil {
		t.Fatalf("%v (regenerate with scripts/gen-uapi.sh)", err)
	}
	defer f.Close()
	got := map[string]uint64{
		"fb_var_screeninfo":   uint64(sizeofVar),
		"fb_fix_screeninfo":   uint64(sizeofFix),
		"fb_bitfield":         uint64(len([3]uint32{}) * 4),
		"FBIOGET_VSCREENINFO": FBIOGET_VSCREENINFO,
		"FBIOGET_FSCREENINFO": FBIOGET_FSCREENINFO,
	}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		want, _ := strconv.ParseUint(val, 10, 64)
		if got[name] != want {
			t.Errorf("%s on %s: pitchbox %d, kernel headers %d", name, runtime.GOARCH, got[name], want)
		}
		n++
	}
	if n != len(got) {
		t.Fatalf("%d entries in the golden, %d checked", n, len(got))
	}
}

func randomPicture(w, h int) *image.RGBA {
	r := rand.New(rand.NewPCG(1, 2))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = byte(r.UintN(256)), byte(r.UintN(256)), byte(r.UintN(256)), 255
	}
	return img
}

func TestDrawRGB565AndXRGB8888(t *testing.T) {
	red := image.NewRGBA(image.Rect(0, 0, 1, 1))
	red.SetRGBA(0, 0, color.RGBA{255, 0, 0, 255})
	f565 := RGB565(1, 1)
	buf := make([]byte, 2)
	f565.Draw(buf, red, red.Bounds())
	if buf[0] != 0x00 || buf[1] != 0xF8 {
		t.Fatalf("red in RGB565 is % x, want 00 f8", buf)
	}
	f8888 := XRGB8888(1, 1)
	buf = make([]byte, 4)
	f8888.Draw(buf, red, red.Bounds())
	if buf[2] != 0xFF || buf[0] != 0 || buf[1] != 0 {
		t.Fatalf("red in XRGB8888 is % x", buf)
	}
	// Blue-first layouts (BGR offsets) are honoured.
	bgr := Format{Width: 1, Height: 1, BitsPerPixel: 32, LineLength: 4,
		Red: Bitfield{Offset: 0, Length: 8}, Green: Bitfield{Offset: 8, Length: 8}, Blue: Bitfield{Offset: 16, Length: 8}}
	bgr.Draw(buf, red, red.Bounds())
	if buf[0] != 0xFF || buf[2] != 0 {
		t.Fatalf("red with red at offset 0 is % x", buf)
	}
}

func TestDrawHonoursLineLengthAndClips(t *testing.T) {
	for _, f := range []Format{RGB565(50, 30), XRGB8888(50, 30)} {
		f.LineLength += 24 // padding at each row's end
		pic := randomPicture(50, 30)
		fb := make([]byte, f.LineLength*f.Height)
		for i := range fb {
			fb[i] = 0xAA
		}
		f.Draw(fb, pic, image.Rect(-10, -10, 200, 200))
		for y := 0; y < f.Height; y++ {
			for i := f.Width * f.BitsPerPixel / 8; i < f.LineLength; i++ {
				if fb[y*f.LineLength+i] != 0xAA {
					t.Fatalf("%v: padding byte %d of row %d written", f, i, y)
				}
			}
		}
		back := f.Read(fb)
		for y := 0; y < f.Height; y++ {
			for x := 0; x < f.Width; x++ {
				a, b := pic.RGBAAt(x, y), back.RGBAAt(x, y)
				mask := uint8(0xFF)
				if f.BitsPerPixel == 16 {
					mask = 0xF8 // green keeps 6 bits, red and blue 5
				}
				if a.R&mask != b.R || a.B&mask != b.B || a.G&0xFC != b.G&0xFC {
					t.Fatalf("%v: pixel %d,%d %v read back as %v", f, x, y, a, b)
				}
			}
		}
	}
}

func TestFormatOfRefusesOddLayouts(t *testing.T) {
	v := VarScreenInfo{XRes: 640, YRes: 480, BitsPerPixel: 8}
	fx := FixScreenInfo{LineLength: 640}
	if _, err := FormatOf(&v, &fx); err == nil || !strings.Contains(err.Error(), "8 bits per pixel") {
		t.Fatalf("8 bpp: %v", err)
	}
	v.BitsPerPixel, fx.LineLength = 32, 100
	v.Red, v.Green, v.Blue = Bitfield{16, 8, 0}, Bitfield{8, 8, 0}, Bitfield{0, 8, 0}
	if _, err := FormatOf(&v, &fx); err == nil || !strings.Contains(err.Error(), "line length") {
		t.Fatalf("short line: %v", err)
	}
	fx.LineLength = 2560
	f, err := FormatOf(&v, &fx)
	if err != nil || f.String() != "640x480 XRGB8888 (line 2560)" {
		t.Fatalf("%v %v", f, err)
	}
}

func TestDrawAllocatesNothing(t *testing.T) {
	f := RGB565(800, 480)
	fb := make([]byte, f.LineLength*f.Height)
	pic := randomPicture(800, 480)
	if n := testing.AllocsPerRun(5, func() { f.Draw(fb, pic, pic.Bounds()) }); n != 0 {
		t.Fatalf("%v allocations per draw", n)
	}
}

func BenchmarkDrawRGB565Full800x480(b *testing.B) {
	f := RGB565(800, 480)
	fb := make([]byte, f.LineLength*f.Height)
	pic := randomPicture(800, 480)
	b.ReportAllocs()
	for b.Loop() {
		f.Draw(fb, pic, pic.Bounds())
	}
}
