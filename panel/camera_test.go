package panel_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pitchbox/pitchbox/box"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/v4l2"
)

// c920 is a Logitech C920's mode table over USB 2, as a fake camera list.
func c920() ([]v4l2.DeviceInfo, error) {
	fs := func(w, h uint32, r ...float64) v4l2.FrameSize {
		return v4l2.FrameSize{Width: w, Height: h, MaxWidth: w, MaxHeight: h, Rates: r}
	}
	return []v4l2.DeviceInfo{{Path: "/dev/video9", Name: "HD Pro Webcam C920", Bus: "usb-1.2", Formats: []v4l2.FormatInfo{
		{FourCC: v4l2.FmtYUYV, Sizes: []v4l2.FrameSize{fs(640, 480, 30, 15), fs(1280, 720, 10, 5), fs(1920, 1080, 5)}},
		{FourCC: v4l2.FmtMJPEG, Sizes: []v4l2.FrameSize{fs(640, 480, 30), fs(1280, 720, 30, 15), fs(1920, 1080, 30, 15)}},
	}}}, nil
}

// TestCameraModes: the Camera API offers the modes the camera has (1080p
// at 30 fps only as MJPEG, never YUYV 1080p30) and says which one the box
// opens for the saved size and rate, and why.
func TestCameraModes(t *testing.T) {
	r := newRig(t, box.WithDevices(c920))
	var got struct {
		Format  string           `json:"format"`
		Devices []control.Device `json:"devices"`
	}
	get := func() {
		t.Helper()
		code, body := r.do("GET", "/api/camera", nil, true, "")
		if code != 200 || json.Unmarshal([]byte(body), &got) != nil || len(got.Devices) != 1 {
			t.Fatalf("GET /api/camera: %d %s", code, body)
		}
	}
	get()
	modes := got.Devices[0].Modes
	if len(modes) == 0 || modes[0] != (control.CameraMode{Format: "mjpeg", Width: 1920, Height: 1080, FPS: 30}) {
		t.Fatalf("modes %+v; want MJPEG 1080p30 first", modes)
	}
	for _, m := range modes {
		if m.Format == "yuyv" && m.Width == 1920 && m.FPS > 5 {
			t.Fatalf("offered %+v, which the camera does not have", m)
		}
	}
	if got.Format != "auto" {
		t.Errorf("format %q, want auto", got.Format)
	}
	code, body := r.do("PUT", "/api/camera", map[string]any{"device": "/dev/video9", "width": 1920, "height": 1080, "fps": 30, "format": "auto"}, true, r.csrf)
	if code != 200 {
		t.Fatalf("PUT /api/camera: %d %s", code, body)
	}
	r.waitRunning()
	get()
	d := got.Devices[0]
	if d.Chosen == nil || *d.Chosen != (control.CameraMode{Format: "mjpeg", Width: 1920, Height: 1080, FPS: 30}) ||
		!strings.Contains(d.Why, "YUYV 1920x1080@5 too slow") {
		t.Fatalf("chosen %+v (%s); want MJPEG 1080p30 over YUYV@5", d.Chosen, d.Why)
	}
	code, body = r.do("PUT", "/api/camera", map[string]any{"device": "/dev/video9", "width": 1920, "height": 1080, "fps": 30, "format": "h264"}, true, r.csrf)
	if code != 400 || !strings.Contains(body, "camera.format") {
		t.Fatalf("a bad format: %d %s", code, body)
	}
}
