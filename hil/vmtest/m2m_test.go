//go:build hil

package vmtest

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/box"
	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/encode/encodetest"
	"github.com/pitchbox/pitchbox/encode/m2m"
	"github.com/pitchbox/pitchbox/overlay"
	"github.com/pitchbox/pitchbox/v4l2"
)

// vicodecEncoder finds vicodec's encoder node by capabilities and formats.
func vicodecEncoder(t *testing.T) v4l2.EncoderInfo {
	t.Helper()
	for _, e := range v4l2.Encoders(v4l2.FmtFWHT) {
		if e.Driver == "vicodec" {
			return e
		}
	}
	t.Fatal("no vicodec encoder node")
	return v4l2.EncoderInfo{}
}

// reloadVicodec loads vicodec again with the given multiplanar setting.
func reloadVicodec(t *testing.T, multiplanar bool) {
	t.Helper()
	if out, err := exec.Command("rmmod", "vicodec").CombinedOutput(); err != nil {
		t.Fatalf("rmmod vicodec: %v: %s", err, out)
	}
	arg := "multiplanar=0"
	if multiplanar {
		arg = "multiplanar=1"
	}
	if out, err := exec.Command("insmod", "/lib/modules/vicodec.ko", arg).CombinedOutput(); err != nil {
		t.Fatalf("insmod vicodec %s: %v: %s", arg, err, out)
	}
	time.Sleep(200 * time.Millisecond) // let devtmpfs create the nodes
}

// TestM2MConformance runs the encoder conformance suite on pitchbox's M2M
// driver against vicodec, single-planar and multi-planar.
func TestM2MConformance(t *testing.T) {
	for _, mp := range []bool{false, true} {
		name := "single-planar"
		if mp {
			name = "multi-planar"
		}
		t.Run(name, func(t *testing.T) {
			reloadVicodec(t, mp)
			info := vicodecEncoder(t)
			if info.MPlane != mp {
				t.Fatalf("%s: multiplanar %v, want %v", info.Path, info.MPlane, mp)
			}
			t.Logf("encoder: %s (%s) coded %v, multi-planar %v", info.Path, info.Card, info.Coded, info.MPlane)
			encodetest.Run(t, encode.Settings{Width: 320, Height: 240, FPS: 25, BitrateKbps: 500},
				func(t *testing.T, s encode.Settings) encode.Encoder {
					e, err := m2m.New(s, m2m.Options{Path: info.Path, Coded: v4l2.FmtFWHT})
					if err != nil {
						t.Fatal(err)
					}
					return e
				}, encodetest.Caps{NoRateControl: "vicodec's FWHT has no rate control (m2m maps the bitrate to its quantiser)"})
		})
	}
}

// TestPipelineNoFrameLost runs vivid → overlay → M2M encode for 20 s and
// counts: every frame the camera delivered comes out of the encoder.
func TestPipelineNoFrameLost(t *testing.T) {
	node := findNode(t, "vivid", v4l2.CapVideoCapture|v4l2.CapStreaming)
	cam, err := v4l2.OpenCameraConfig(v4l2.CameraConfig{Path: node, Width: 640, Height: 480, FPS: 25, PoolSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	w, h := cam.Size()
	enc, err := m2m.New(encode.Settings{Width: w, Height: h, FPS: 25, BitrateKbps: 1000},
		m2m.Options{Path: vicodecEncoder(t).Path, Coded: v4l2.FmtFWHT})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	var comp overlay.Compositor
	o, err := overlay.Build(overlay.Spec{Name: "buy", QR: "https://shop.example/1", Position: overlay.BottomRight, Size: 0.4}, w, h)
	if err != nil {
		t.Fatal(err)
	}
	comp.Set(&overlay.Scene{Name: "buy", Overlays: []*overlay.Overlay{o}})
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	var captured, out int
	var firstSeq, lastSeq uint64
	var pkts []*encode.Packet
	var lastPTS time.Duration
	count := func() {
		for _, p := range pkts {
			if p.PTS <= lastPTS {
				t.Fatalf("packet pts %v after %v: out of order", p.PTS, lastPTS)
			}
			lastPTS = p.PTS
			out++
			p.Release()
		}
		pkts = pkts[:0]
	}
	start := time.Now()
	for time.Since(start) < 20*time.Second {
		f, err := cam.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if captured == 0 {
			firstSeq = f.Seq
		}
		lastSeq = f.Seq
		captured++
		comp.Apply(f)
		pkts, err = enc.Encode(pkts, f, captured == 1)
		f.Release()
		if err != nil {
			t.Fatal(err)
		}
		count()
	}
	if pkts, err = enc.Flush(pkts); err != nil {
		t.Fatal(err)
	}
	count()
	driverDrops := int(lastSeq-firstSeq+1) - captured
	t.Logf("pipeline: %d frames captured in 20 s (%.1f fps, %d skipped by the driver), %d encoded by %s", captured, float64(captured)/20, driverDrops, out, enc.Name())
	if out != captured {
		t.Fatalf("%d frames captured, %d came out of the encoder", captured, out)
	}
	if captured < 100 {
		t.Fatalf("only %d frames in 20 s", captured)
	}
}

// TestCameraLossSlate unbinds vivid mid-run: the box's source shows the
// slate within 1 s and the camera again within 3 s of its return.
func TestCameraLossSlate(t *testing.T) {
	src, err := box.NewSource(config.Camera{Device: "auto", Width: 640, Height: 480, FPS: 25}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if src.Lost() {
		t.Fatal("no camera at start")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	next := func() {
		f, err := src.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if w, h := f.Width, f.Height; w != 640 || h != 480 {
			t.Fatalf("frame %dx%d, want the camera's size 640x480", w, h)
		}
		f.Release()
	}
	for i := 0; i < 10; i++ {
		next()
	}
	sysfs := "/sys/bus/platform/drivers/vivid/"
	if err := os.WriteFile(sysfs+"unbind", []byte("vivid.0"), 0o200); err != nil {
		t.Fatal(err)
	}
	gone := time.Now()
	for !src.Lost() {
		next()
		if time.Since(gone) > 5*time.Second {
			t.Fatal("no slate 5 s after the camera went away")
		}
	}
	slate := time.Since(gone)
	for i := 0; i < 10; i++ { // the slate keeps the rate going
		next()
	}
	if err := os.WriteFile(sysfs+"bind", []byte("vivid.0"), 0o200); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	for src.Lost() {
		next()
		if time.Since(back) > 10*time.Second {
			t.Fatal("camera frames did not return 10 s after the device came back")
		}
	}
	again := time.Since(back)
	next()
	t.Logf("camera loss: slate after %v, camera frames again %v after its return (%s)", slate.Round(time.Millisecond), again.Round(time.Millisecond), src.Describe())
	if slate > time.Second {
		t.Errorf("slate after %v, want within 1 s", slate)
	}
	if again > 3*time.Second {
		t.Errorf("camera again after %v, want within 3 s", again)
	}
}
