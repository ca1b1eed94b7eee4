//go:build hil

package vmtest

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/display"
	"github.com/pitchbox/pitchbox/display/displaytest"
	"github.com/pitchbox/pitchbox/display/text"
	"github.com/pitchbox/pitchbox/frame"
)

// quietConsole keeps the text console off bochs's screen: fbcon is
// unbound (HIL.md) and tty0 put in graphics mode as the box does, so no
// blinking cursor paints over the pixels under test. It returns the
// undo of the graphics mode.
func quietConsole(t *testing.T) func() {
	t.Helper()
	names, _ := filepath.Glob("/sys/class/vtconsole/vtcon*/name")
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil || !strings.Contains(string(b), "frame buffer") {
			continue
		}
		bind := filepath.Join(filepath.Dir(n), "bind")
		if err := os.WriteFile(bind, []byte("0"), 0o200); err != nil {
			t.Fatalf("unbinding fbcon: %v", err)
		}
		if b, _ := os.ReadFile(bind); strings.TrimSpace(string(b)) != "0" {
			t.Fatalf("fbcon still bound (%s says %q)", bind, b)
		}
	}
	return display.HideConsole()
}

// TestFramebufferBochs draws on bochs's /dev/fb0 (DRM fbdev emulation)
// through pitchbox's fbdev code and reads the pixels back.
func TestFramebufferBochs(t *testing.T) {
	defer quietConsole(t)()
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

// rigFeed is the rig scene with a moving picture.
type rigFeed struct{ n int }

func (f *rigFeed) DisplayState() display.State { return *displaytest.RigState() }
func (f *rigFeed) Preview(_ context.Context, fn func(*frame.Frame)) bool {
	f.n++
	fn(displaytest.Picture(f.n))
	return true
}

// TestScreenForScreendump draws the rig scene on bochs's /dev/fb0 with
// pitchbox's display runner, then holds it while the host takes QEMU's
// screendump (hil/rig.sh) and compares it with the golden picture
// outside the live-preview area (hil/screencheck).
func TestScreenForScreendump(t *testing.T) {
	defer quietConsole(t)()
	fb, err := display.Open("/dev/fb0")
	if err != nil {
		t.Fatal(err)
	}
	defer fb.Close()
	if fb.Width != displaytest.RigW || fb.Height != displaytest.RigH {
		t.Fatalf("framebuffer is %dx%d; the rig scene is %dx%d", fb.Width, fb.Height, displaytest.RigW, displaytest.RigH)
	}
	fonts, errs := text.LoadFonts(displaytest.RigFonts...)
	if len(errs) > 0 {
		t.Fatalf("fonts: %v", errs)
	}
	r := &display.Runner{Screen: display.NewScreen(fb.Width, fb.Height, fonts), Out: fb, Feed: &rigFeed{}}
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	r.Run(ctx)
	cancel()
	if r.StatusDraws.Load() != 1 || r.ChatDraws.Load() != 1 || r.PreviewDraws.Load() < 1 {
		t.Fatalf("draws: status %d, chat %d, preview %d", r.StatusDraws.Load(), r.ChatDraws.Load(), r.PreviewDraws.Load())
	}
	// What the framebuffer holds is what pitchbox drew.
	want := displaytest.Render(fonts).Image()
	got := fb.Snapshot()
	if n, _ := display.Differing(got, want, display.NewLayout(fb.Width, fb.Height).Preview); n != 0 {
		var where image.Rectangle
		for y := 0; y < fb.Height; y++ {
			for x := 0; x < fb.Width; x++ {
				if got.RGBAAt(x, y) != want.RGBAAt(x, y) && !image.Pt(x, y).In(display.NewLayout(fb.Width, fb.Height).Preview) {
					where = where.Union(image.Rect(x, y, x+1, y+1))
				}
			}
		}
		t.Fatalf("framebuffer differs from the scene in %d pixels, within %v", n, where)
	}
	fmt.Println("PITCHBOX-SCREEN-READY")
	time.Sleep(6 * time.Second) // the host takes its screendump now
}
