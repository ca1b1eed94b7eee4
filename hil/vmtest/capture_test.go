//go:build hil

package vmtest

import (
	"context"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/v4l2"
)

// findNode returns the first node whose driver or card name is name and
// whose capabilities include all of caps.
func findNode(t *testing.T, name string, caps uint32) string {
	t.Helper()
	for i := 0; i < 64; i++ {
		p := "/dev/video" + itoa(i)
		d, err := v4l2.OpenDevice(p)
		if err != nil {
			continue
		}
		ok := (d.Driver() == name || d.Card() == name) && d.Caps()&caps == caps
		d.Close()
		if ok {
			return p
		}
	}
	t.Fatalf("no V4L2 node of %q with caps %#x", name, caps)
	return ""
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// TestCaptureVivid reads vivid through pitchbox's own capture code at two
// sizes in two pixel formats and checks what the driver reports.
func TestCaptureVivid(t *testing.T) {
	node := findNode(t, "vivid", v4l2.CapVideoCapture|v4l2.CapStreaming)
	// vivid's rates fall with the size (640x480 up to 25 fps, 1280x720 up
	// to 12.5): ask each size at a rate it reaches, or the mode choice
	// rightly prefers a smaller size that does.
	for _, size := range [][3]int{{640, 480, 25}, {1280, 720, 10}} {
		for _, f := range []v4l2.FourCC{v4l2.FmtYUYV, v4l2.FmtNV12, v4l2.FmtYU12} {
			name := f.String() + "-" + itoa(size[0]) + "x" + itoa(size[1])
			t.Run(name, func(t *testing.T) {
				cam, err := v4l2.OpenCameraConfig(v4l2.CameraConfig{Path: node, Width: size[0], Height: size[1], FPS: size[2], Format: f, PoolSize: 4})
				if err != nil {
					t.Fatal(err)
				}
				defer cam.Close()
				w, h := cam.Size()
				if w != size[0] || h != size[1] || cam.Format() != f {
					t.Fatalf("driver chose %v %dx%d, asked %v %dx%d", cam.Format(), w, h, f, size[0], size[1])
				}
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				var lastPTS time.Duration
				var lastSeq uint64
				start := time.Now()
				const n = 8
				for i := 0; i < n; i++ {
					fr, err := cam.Next(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if i > 0 && (fr.PTS <= lastPTS || fr.Seq <= lastSeq) {
						t.Fatalf("frame %d: pts %v seq %d after pts %v seq %d", i, fr.PTS, fr.Seq, lastPTS, lastSeq)
					}
					// vivid draws a test pattern: the picture is not flat.
					if i == n-1 && fr.Y[0] == fr.Y[w*h/2+w/2] && fr.Y[w/3] == fr.Y[2*w/3] {
						t.Fatalf("frame looks flat")
					}
					lastPTS, lastSeq = fr.PTS, fr.Seq
					fr.Release()
				}
				t.Logf("capture: %s read %d frames in %v (driver timestamps, last pts %v)", cam.Describe(), n, time.Since(start).Round(time.Millisecond), lastPTS.Round(time.Millisecond))
			})
		}
	}
}

// TestCameraControls lists vivid's controls through pitchbox's own code
// (the panel's Camera page) and sets one, reading back what the driver
// kept.
func TestCameraControls(t *testing.T) {
	node := findNode(t, "vivid", v4l2.CapVideoCapture|v4l2.CapStreaming)
	cam, err := v4l2.OpenCameraConfig(v4l2.CameraConfig{Path: node, Width: 640, Height: 480, FPS: 25, PoolSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	ctrls, err := cam.Controls()
	if err != nil {
		t.Fatal(err)
	}
	var bright *v4l2.ControlInfo
	for i, c := range ctrls {
		if c.Name == "Brightness" {
			bright = &ctrls[i]
		}
	}
	if bright == nil || bright.Type != "int" || bright.Max <= bright.Min {
		t.Fatalf("no usable Brightness control in %+v", ctrls)
	}
	t.Logf("%d controls; Brightness %d..%d = %d", len(ctrls), bright.Min, bright.Max, bright.Value)
	want := bright.Min + (bright.Max-bright.Min)/4
	got, err := cam.SetControl(bright.ID, want)
	if err != nil || got != want {
		t.Fatalf("set Brightness %d: got %d, %v", want, got, err)
	}
	again, _ := cam.Controls()
	for _, c := range again {
		if c.ID == bright.ID && c.Value != want {
			t.Fatalf("Brightness reads %d after setting %d", c.Value, want)
		}
	}
	if _, err := cam.SetControl(0x12345678, 1); err == nil {
		t.Fatal("an unknown control was accepted")
	}
	// Menus come with their choices' names (vivid's test "Menu" control
	// skips an index, as real drivers' menus may).
	named := 0
	for _, c := range ctrls {
		if c.Type == "menu" && len(c.Menu) > 0 {
			named++
			t.Logf("menu %q: %+v", c.Name, c.Menu)
			for _, m := range c.Menu {
				if m.Name == "" {
					t.Errorf("menu %q item %d has no name", c.Name, m.Index)
				}
			}
		}
	}
	if named == 0 {
		t.Fatal("no menu control with named items")
	}
}
