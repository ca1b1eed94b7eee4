//go:build hil

package vmtest

import (
	"image"
	"image/color"
	"os"
	"testing"

	"github.com/pitchbox/pitchbox/display"
)

// TestFramebufferBochs draws on bochs's /dev/fb0 (DRM fbdev emulation)
// through pitchbox's fbdev code and reads the pixels back.
func TestFramebufferBochs(t *testing.T) {
	// Keep the text console off the screen.
	os.WriteFile("/sys/class/vtconsole/vtcon1/bind", []byte("0"), 0o200)
	fb, err := display.Open("/dev/fb0")
	if err != nil {
		t.Fatal(err)
	}
	defer fb.Close()
	t.Logf("framebuffer %q: %v", fb.ID, fb.Format)
	if fb.BitsPerPixel != 32 || fb.LineLength < fb.Width*4 || fb.Width < 640 {
		t.Fatalf("unexpected layout %v", fb.Format)
	}
	pic := image.NewRGBA(image.Rect(0, 0, fb.Width, fb.Height))
	for y := 0; y < fb.Height; y++ {
		for x := 0; x < fb.Width; x++ {
			pic.SetRGBA(x, y, color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	fb.Draw(pic, pic.Bounds())
	back := fb.Snapshot()
	for y := 0; y < fb.Height; y += 7 {
		for x := 0; x < fb.Width; x += 5 {
			if a, b := pic.RGBAAt(x, y), back.RGBAAt(x, y); a != b {
				t.Fatalf("pixel %d,%d drawn %v, read back %v", x, y, a, b)
			}
		}
	}
}
