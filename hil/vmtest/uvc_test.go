//go:build hil

package vmtest

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/box"
	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/encode/m2m"
	"github.com/pitchbox/pitchbox/hil/uvcdev"
	"github.com/pitchbox/pitchbox/internal/cli"
	"github.com/pitchbox/pitchbox/internal/wait"
	"github.com/pitchbox/pitchbox/overlay"
	"github.com/pitchbox/pitchbox/v4l2"
)

// webcam is the emulated C920, shared by the tests so that its pictures
// are rendered (JPEG-encoded) once.
var webcam = sync.OnceValue(func() *uvcdev.Camera {
	c := uvcdev.New(uvcdev.C920)
	c.Prepare()
	return c
})

// uvcNode returns the capture node uvcvideo made, or "".
func uvcNode() string {
	for i := 0; i < 64; i++ {
		p := "/dev/video" + itoa(i)
		d, err := v4l2.OpenDevice(p)
		if err != nil {
			continue
		}
		ok := d.Driver() == "uvcvideo" && d.Caps()&v4l2.CapVideoCapture != 0
		d.Close()
		if ok {
			return p
		}
	}
	return ""
}

// plugWebcam attaches the emulated webcam to vhci-hcd and waits for
// uvcvideo's capture node; the cleanup unplugs it and waits until the
// node is gone.
func plugWebcam(t *testing.T) (*uvcdev.Camera, string) {
	t.Helper()
	cam := webcam()
	cam.Stall(false)
	start := time.Now()
	if _, err := cam.Plug(); err != nil {
		t.Fatal(err)
	}
	var node string
	wait.For(t, 20*time.Second, "uvcvideo's node for the emulated webcam", func() bool {
		node = uvcNode()
		return node != ""
	})
	t.Logf("webcam: plugged, %s after %v", node, time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() {
		_ = cam.Unplug()
		wait.For(t, 10*time.Second, "the webcam's node to go", func() bool { return uvcNode() == "" })
	})
	return cam, node
}

// TestUVCDevices lists the webcam through uvcvideo with `pitchbox
// devices`: both formats, each size with its rates.
func TestUVCDevices(t *testing.T) {
	_, node := plugWebcam(t)
	var out, errb bytes.Buffer
	if code := cli.Main([]string{"devices"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	s := out.String()
	t.Logf("pitchbox devices:\n%s", s)
	i := strings.Index(s, node+"  ")
	if i < 0 {
		t.Fatalf("%s not listed", node)
	}
	sect := s[i:]
	if j := strings.Index(sect[1:], "\n/dev/"); j >= 0 {
		sect = sect[:j+1]
	}
	// The C920 table: format header, then "size rates fps" lines.
	want := map[string][]string{
		"MJPG": {"1920x1080 15 30 fps", "1280x720 15 30 fps", "640x480 15 30 fps"},
		"YUYV": {"1920x1080 5 fps", "1280x720 5 10 fps", "640x480 15 30 fps"},
	}
	format := ""
	got := map[string][]string{}
	for _, line := range strings.Split(sect, "\n") {
		f := strings.Fields(strings.TrimLeft(line, " *"))
		switch {
		case len(f) >= 1 && (f[0] == "MJPG" || f[0] == "YUYV"):
			format = f[0]
		case format != "" && len(f) >= 3 && f[len(f)-1] == "fps":
			got[format] = append(got[format], strings.Join(f, " "))
		}
	}
	for f, lines := range want {
		if strings.Join(got[f], "|") != strings.Join(lines, "|") {
			t.Errorf("%s: listed %q, want %q", f, got[f], lines)
		}
	}
	if !strings.Contains(sect, "HIL C920 Camera") {
		t.Error("the camera's USB product name is not shown")
	}
}

// uvcBox runs a rig box on the webcam at w×h@fps (format "" chooses).
func uvcBox(t *testing.T, node string, w, h, fps int, format string) (*box.Box, context.CancelFunc) {
	t.Helper()
	return rigBox(t, func(c *config.Config) {
		c.Camera = config.Camera{Device: node, Width: w, Height: h, FPS: fps, Format: format}
	})
}

// TestUVCModeChoice: asked for 1080p30, the box opens MJPEG 1920x1080 at
// 30 fps (the YUYV mode at that size only reaches 5); asked for 640x480
// at 30 it opens raw YUYV. Checked on both sides: the box's status and
// what uvcvideo committed to the device.
func TestUVCModeChoice(t *testing.T) {
	cam, node := plugWebcam(t)
	for _, c := range []struct {
		w, h   int
		want   string
		format uvcdev.Format
	}{
		{1920, 1080, "MJPG 1920x1080@30", uvcdev.MJPEG},
		{640, 480, "YUYV 640x480@30", uvcdev.YUYV},
	} {
		b, stop := uvcBox(t, node, c.w, c.h, 30, "")
		var st control.Status
		wait.For(t, 20*time.Second, "the box on the webcam", func() bool {
			st = b.Status()
			return st.Camera == control.CameraOpen && st.Source != ""
		})
		m, fps, ok := cam.Streaming()
		wait.For(t, 10*time.Second, "uvcvideo streaming", func() bool { m, fps, ok = cam.Streaming(); return ok })
		t.Logf("asked %dx%d@30: box source %q; the device streams %v %dx%d@%d", c.w, c.h, st.Source, m.Format, m.Width, m.Height, fps)
		if !strings.Contains(st.Source, c.want) {
			t.Errorf("box opened %q, want %s", st.Source, c.want)
		}
		if m.Format != c.format || m.Width != c.w || m.Height != c.h || fps != 30 {
			t.Errorf("device committed %v %dx%d@%d, want %v %dx%d@30", m.Format, m.Width, m.Height, fps, c.format, c.w, c.h)
		}
		stop()
	}
}

// markerIndex reads which of the webcam's pictures a frame shows.
func markerIndex(y []byte, stride int) int {
	v := int(y[8*stride+8])
	for i := 0; i < uvcdev.Pictures; i++ {
		if d := v - int(uvcdev.MarkerY(i)); d > -12 && d < 12 {
			return i
		}
	}
	return -1
}

// TestUVCCorruptFrames injects truncated JPEGs: the box counts them and
// capture goes on.
func TestUVCCorruptFrames(t *testing.T) {
	cam, node := plugWebcam(t)
	b, stop := uvcBox(t, node, 640, 480, 15, "mjpeg")
	defer stop()
	wait.For(t, 20*time.Second, "frames from the webcam", func() bool { return b.Status().Captured > 5 })
	before := b.Status()
	cam.Corrupt(5)
	wait.For(t, 10*time.Second, "the corrupt frames sent", func() bool { return cam.CorruptSent() >= 5 })
	var st control.Status
	wait.For(t, 10*time.Second, "5 corrupt frames counted and capture going on", func() bool {
		st = b.Status()
		return st.CorruptFrames >= before.CorruptFrames+5 && st.Captured > before.Captured+10
	})
	t.Logf("corrupt: %d counted, %d frames captured meanwhile (%s)", st.CorruptFrames-before.CorruptFrames, st.Captured-before.Captured, st.Source)
	if st.Camera != control.CameraOpen {
		t.Fatalf("camera %v after corrupt frames", st.Camera)
	}
}

// TestUVCUnplugReplug pulls the webcam's cable: the slate is on air
// within 1 s; plugged in again, the camera is back within 3 s.
func TestUVCUnplugReplug(t *testing.T) {
	cam, node := plugWebcam(t)
	b, stop := uvcBox(t, node, 640, 480, 15, "")
	defer stop()
	wait.For(t, 20*time.Second, "frames from the webcam", func() bool { return b.Status().Captured > 5 })
	if err := cam.Unplug(); err != nil {
		t.Fatal(err)
	}
	slate := wait.For(t, 5*time.Second, "the slate after the unplug", func() bool { return b.Status().Camera == control.CameraLost })
	wait.For(t, 10*time.Second, "the node to go", func() bool { return uvcNode() == "" })
	if _, err := cam.Plug(); err != nil {
		t.Fatal(err)
	}
	back := wait.For(t, 15*time.Second, "the camera after the replug", func() bool { return b.Status().Camera == control.CameraOpen })
	n := b.Status().Captured
	wait.For(t, 5*time.Second, "camera frames again", func() bool { return b.Status().Captured > n+5 })
	t.Logf("unplug: slate after %v; replug: camera back after %v (node %s, now %s)", slate.Round(time.Millisecond), back.Round(time.Millisecond), node, uvcNode())
	if slate > time.Second {
		t.Errorf("slate after %v, want within 1 s", slate)
	}
	if back > 3*time.Second {
		t.Errorf("camera back after %v, want within 3 s", back)
	}
}

// TestUVCStall: the webcam stops sending without an error; the box puts
// the slate on air within 2 s and has the camera back once it sends
// again.
func TestUVCStall(t *testing.T) {
	cam, node := plugWebcam(t)
	b, stop := uvcBox(t, node, 640, 480, 15, "")
	defer stop()
	wait.For(t, 20*time.Second, "frames from the webcam", func() bool { return b.Status().Captured > 5 })
	cam.Stall(true)
	detect := wait.For(t, 6*time.Second, "the slate after the stall", func() bool { return b.Status().Camera == control.CameraLost })
	cam.Stall(false)
	n := cam.Frames()
	back := wait.For(t, 10*time.Second, "camera frames after the stall", func() bool {
		return b.Status().Camera == control.CameraOpen && cam.Frames() > n+5
	})
	t.Logf("stall: slate after %v; frames again %v after the camera resumed", detect.Round(time.Millisecond), back.Round(time.Millisecond))
	if detect > 2500*time.Millisecond { // StallAfter (1.5 s) plus the 100 ms poll and QEMU's slowness
		t.Errorf("stall detected after %v, want about 2 s", detect)
	}
}

// qrTransitions counts black/white transitions along the middle row's
// centre, where a QR's modules make many and the webcam's bars none.
func qrTransitions(y []byte, stride, w, h int) int {
	n, last := 0, 0
	for x := w/2 - 80; x < w/2+80; x++ {
		v, class := y[(h/2)*stride+x], 0
		switch {
		case v < 60:
			class = -1
		case v > 200:
			class = 1
		}
		if class != 0 && last != 0 && class != last {
			n++
		}
		if class != 0 {
			last = class
		}
	}
	return n
}

// TestUVCPipeline runs webcam → overlay (a QR preset) → vicodec for 20 s:
// every frame shows one of the webcam's pictures with the QR over it,
// the pictures go round, and every frame comes out of the encoder.
func TestUVCPipeline(t *testing.T) {
	dev, node := plugWebcam(t)
	cam, err := v4l2.OpenCameraConfig(v4l2.CameraConfig{Path: node, Width: 640, Height: 480, FPS: 30, PoolSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	t.Logf("camera: %s (%s)", cam.Describe(), cam.Why())
	w, h := cam.Size()
	enc, err := m2m.New(encode.Settings{Width: w, Height: h, FPS: 30, BitrateKbps: 1000},
		m2m.Options{Path: vicodecEncoder(t).Path, Coded: v4l2.FmtFWHT})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	var comp overlay.Compositor
	o, err := overlay.Build(overlay.Spec{Name: "buy", QR: "https://shop.example/1", Position: overlay.Center, Size: 0.5}, w, h)
	if err != nil {
		t.Fatal(err)
	}
	comp.Set(&overlay.Scene{Name: "buy", Overlays: []*overlay.Overlay{o}})
	sent := dev.Frames()
	captured, out, seen := webcamPipeline(t, cam, &comp, enc, 20*time.Second)
	t.Logf("webcam pipeline: the device sent %d frames in 20 s, %d captured (%.1f fps), %d encoded; pictures seen %v",
		dev.Frames()-sent, captured, float64(captured)/20, out, seen)
	if out != captured {
		t.Errorf("%d frames captured, %d came out of the encoder", captured, out)
	}
	for i, n := range seen {
		if n == 0 {
			t.Errorf("picture %d never seen: frames do not go round", i)
		}
	}
	if captured < 100 {
		t.Errorf("only %d frames in 20 s", captured)
	}
}

// webcamPipeline captures, checks, composites and encodes for d: each
// camera frame must show one of the webcam's pictures and no QR, each
// composited frame the QR.
func webcamPipeline(t *testing.T, cam *v4l2.Camera, comp *overlay.Compositor, enc encode.Encoder, d time.Duration) (captured, out int, seen [uvcdev.Pictures]int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*d)
	defer cancel()
	w, h := cam.Size()
	var pkts []*encode.Packet
	for start := time.Now(); time.Since(start) < d; {
		f, err := cam.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		captured++
		if i := markerIndex(f.Y, f.YStride); i < 0 {
			t.Fatalf("frame %d: marker luma %d is none of the webcam's pictures", captured, f.Y[8*f.YStride+8])
		} else {
			seen[i]++
		}
		if n := qrTransitions(f.Y, f.YStride, w, h); n != 0 {
			t.Fatalf("frame %d: the camera picture has %d black/white transitions before the overlay", captured, n)
		}
		comp.Apply(f)
		if n := qrTransitions(f.Y, f.YStride, w, h); n < 8 {
			t.Fatalf("frame %d: no QR on the composited frame (%d transitions)", captured, n)
		}
		pkts, err = enc.Encode(pkts, f, captured == 1)
		f.Release()
		if err != nil {
			t.Fatal(err)
		}
		out += len(pkts)
		for _, p := range pkts {
			p.Release()
		}
		pkts = pkts[:0]
	}
	pkts, err := enc.Flush(pkts)
	if err != nil {
		t.Fatal(err)
	}
	return captured, out + len(pkts), seen
}

// TestUVCRenegotiate: the webcam is pulled and another camera, which has
// only 640x480, is plugged into the same port: the box builds its
// pipeline again at the new camera's size instead of keeping the slate.
func TestUVCRenegotiate(t *testing.T) {
	cam, node := plugWebcam(t)
	b, stop := uvcBox(t, node, 1280, 720, 30, "")
	defer stop()
	wait.For(t, 20*time.Second, "the webcam at 1280x720", func() bool {
		st := b.Status()
		return st.Camera == control.CameraOpen && st.Size == "1280x720"
	})
	builds := b.Builds()
	if err := cam.Unplug(); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 10*time.Second, "the node to go", func() bool { return uvcNode() == "" })
	small := uvcdev.New([]uvcdev.Mode{{Format: uvcdev.MJPEG, Width: 640, Height: 480, FPS: []int{30}}, {Format: uvcdev.YUYV, Width: 640, Height: 480, FPS: []int{30}}})
	start := time.Now()
	if _, err := small.Plug(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = small.Unplug()
		wait.For(t, 10*time.Second, "the small camera's node to go", func() bool { return uvcNode() == "" })
	})
	wait.For(t, 20*time.Second, "the pipeline at the new camera's size", func() bool {
		st := b.Status()
		return b.Builds() > builds && st.Camera == control.CameraOpen && st.Size == "640x480"
	})
	t.Logf("renegotiated: %s %s %v after the other camera was plugged", b.Status().Size, b.Status().Source, time.Since(start).Round(time.Millisecond))
}
