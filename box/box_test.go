package box

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/encode/x264"
	"github.com/pitchbox/pitchbox/internal/wait"
)

func testConfig(t *testing.T) *config.Config {
	c := config.Defaults()
	c.StateDir = t.TempDir()
	c.Camera.Device = "testpattern"
	c.Camera.Width, c.Camera.Height, c.Camera.FPS = 320, 240, 30
	c.Encoder.BitrateKbps = 500
	c.Presets = []config.Preset{{Name: "buy", QR: "https://shop.example/1", Position: "center", Size: 0.8}}
	return c
}

// TestBoxShowClearRecord runs the whole pipeline on the test pattern into
// the FLV recorder: the preview shows the QR after Show and not after
// Clear, and the recording grows.
func TestBoxShowClearRecord(t *testing.T) {
	if !x264.Available {
		t.Fatal("this test needs the x264 backend (cgo + libx264-dev)")
	}
	c := testConfig(t)
	b, err := New(c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- b.Run(ctx) }()
	// How far the preview's overlay rectangle is from the QR's own luma:
	// near zero while the QR is shown, far while the moving pattern is.
	o := b.pipeline().scenes.get("buy").Overlays[0]
	diff := func() float64 {
		jpg, err := b.Snapshot(ctx, 95)
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(bytes.NewReader(jpg))
		if err != nil {
			t.Fatal(err)
		}
		y := img.(*image.YCbCr)
		var sum float64
		for j := 0; j < o.H; j++ {
			for i := 0; i < o.W; i++ {
				d := float64(y.Y[y.YOffset(o.X+i, o.Y+j)]) - float64(o.Yp[j*o.W+i])
				sum += max(d, -d)
			}
		}
		return sum / float64(o.W*o.H)
	}
	if d := diff(); d < 30 {
		t.Fatalf("before show the preview matches the QR (mean diff %.1f)", d)
	}
	if err := b.Show("buy", "test"); err != nil {
		t.Fatal(err)
	}
	if d := diff(); d > 8 {
		t.Fatalf("after show the preview differs from the QR by %.1f on average", d)
	}
	if err := b.Show("nope", "test"); err == nil {
		t.Fatal("unknown preset shown")
	}
	b.Clear("test")
	if d := diff(); d < 30 {
		t.Fatalf("after clear the QR is still there (mean diff %.1f)", d)
	}
	// The recorder opens its file on the first keyframe.
	wait.For(t, 5*time.Second, "the recorder to record", func() bool { return b.Status().State == control.Recording })
	st := b.Status()
	if st.LastAction == nil || st.LastAction.Action != "clear" {
		t.Fatalf("status %+v", st)
	}
	wait.For(t, 10*time.Second, "10 kB recorded", func() bool {
		st := b.Status()
		return st.Stream != nil && st.Stream.SentBytes >= 10000
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	recs, _ := filepath.Glob(filepath.Join(c.StateDir, "recordings", "*.flv"))
	if len(recs) != 1 {
		t.Fatalf("recordings %v", recs)
	}
	if fi, _ := os.Stat(recs[0]); fi.Size() < 10000 {
		t.Fatalf("recording only %d bytes", fi.Size())
	}
}

func TestBoxPresetErrorIsConfigError(t *testing.T) {
	c := testConfig(t)
	c.Presets[0].Size = 0.01 // 2 pixels: too small to draw
	_, err := New(c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !config.IsInvalid(err) {
		t.Fatalf("err = %v, want a config error", err)
	}
}

// TestSetPresets replaces presets while running: the one on screen is
// updated, a removed one is taken off, and a bad set changes nothing.
func TestSetPresets(t *testing.T) {
	c := testConfig(t)
	b, err := New(c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Show("buy", "test"); err != nil {
		t.Fatal(err)
	}
	comp := &b.pipeline().comp
	old := comp.Current()
	if err := b.SetPresets([]config.Preset{{Name: "buy", QR: "https://example.com/new", Size: 0.3}, {Name: "sale", QR: "x", Size: 0.2}}); err != nil {
		t.Fatal(err)
	}
	if cur := comp.Current(); cur == nil || cur == old || cur.Name != "buy" {
		t.Fatalf("on screen after update: %+v", cur)
	}
	if got := b.Presets(); len(got) != 2 || got[1] != "sale" {
		t.Fatalf("presets %v", got)
	}
	err = b.SetPresets([]config.Preset{{Name: "bad", Image: "/nonexistent.png", Size: 0.2}})
	if !config.IsInvalid(err) || !strings.Contains(err.Error(), "bad") {
		t.Fatalf("bad set: %v", err)
	}
	if got := b.Presets(); len(got) != 2 {
		t.Fatalf("a failed update changed the presets: %v", got)
	}
	if err := b.SetPresets([]config.Preset{{Name: "sale", QR: "x", Size: 0.2}}); err != nil {
		t.Fatal(err)
	}
	if cur := comp.Current(); cur != nil {
		t.Fatalf("removed preset still on screen: %v", cur.Name)
	}
}

// TestShowByID: a preset with a free-text name is shown by its id too,
// as a button or the command line names it; the scene is its name.
func TestShowByID(t *testing.T) {
	c := testConfig(t)
	c.Presets = append(c.Presets, config.Preset{Name: "Blue mug — €12", QR: "https://shop.example/mug", Position: "center", Size: 0.5})
	b, err := New(c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Show(config.PresetID("Blue mug — €12"), "test"); err != nil {
		t.Fatal(err)
	}
	if b.Scene() != "Blue mug — €12" {
		t.Fatalf("scene %q", b.Scene())
	}
}
