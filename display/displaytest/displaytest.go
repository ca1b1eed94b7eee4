// Package displaytest holds the scene the QEMU rig draws on bochs's
// framebuffer and the host compares with its golden picture: the same
// state, picture and fonts on both sides.
package displaytest

import (
	"time"

	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/display"
	"github.com/pitchbox/pitchbox/display/text"
	"github.com/pitchbox/pitchbox/frame"
)

// RigFonts are the fonts the rig's initramfs carries: the built-in Go
// font and DejaVu Sans.
var RigFonts = []string{"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"}

// RigSize is bochs's framebuffer under QEMU -vga std.
const RigW, RigH = 1280, 800

// RigGolden is the golden picture, relative to the module root.
const RigGolden = "display/testdata/golden/rig-1280x800-xrgb8888.png"

// RigState is what the rig's screen shows: the same every time, so
// that the runner draws each part once.
func RigState() *display.State {
	var rates display.Rates
	for i := 0; i < display.RateSeconds; i++ {
		rates.Push(float64(2300 + (i*37)%400))
	}
	return &display.State{Stream: control.Live, OnAir: 12*time.Minute + 34*time.Second, BitrateKbps: 2500, Preset: "buy",
		TargetKbps: 2500, Rates: rates, PeakDBFS: -8, RMSDBFS: -20, Viewers: &control.Viewers{Count: 3, Health: "HEALTHY"},
		PanelURL: "http://10.0.2.15:8080/", Messages: []display.Message{
			{ID: "1", Sender: "anna", Text: "Hello from the rig! Is the blue one in stock?"},
			{ID: "2", Sender: "דוד", Text: "שלום! כמה זה עולה?"},
			{ID: "3", Sender: "bob", Text: "Shipping to Lisbon takes how long? Asking for a friend who really wants this."},
		}}
}

// Picture is a moving gradient standing in for the outgoing picture (the
// comparison leaves the preview area out).
func Picture(n int) *frame.Frame {
	f, _ := frame.New(320, 180)
	for y := 0; y < f.Height; y++ {
		for x := 0; x < f.Width; x++ {
			f.Y[y*f.YStride+x] = byte(16 + (x+y+n*7)%200)
		}
	}
	for i := range f.U {
		f.U[i], f.V[i] = 128, 128
	}
	return f
}

// Render draws the rig scene on a screen of the rig's size.
func Render(fonts *text.Fonts) *display.Screen {
	s := display.NewScreen(RigW, RigH, fonts)
	st := RigState()
	s.DrawPreview(Picture(0))
	s.DrawStatus(st)
	s.DrawChat(st)
	return s
}
