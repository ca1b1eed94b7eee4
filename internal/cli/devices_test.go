package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/v4l2"
)

// TestDevicesMarkTheChosenMode: `pitchbox devices` lists each format's
// sizes with their rates and marks the mode the box would open for the
// configured size and rate, with why.
func TestDevicesMarkTheChosenMode(t *testing.T) {
	fs := func(w, h uint32, r ...float64) v4l2.FrameSize {
		return v4l2.FrameSize{Width: w, Height: h, MaxWidth: w, MaxHeight: h, Rates: r}
	}
	dev := v4l2.DeviceInfo{Path: "/dev/video0", Name: "HD Pro Webcam C920", Bus: "usb-0000:01:00.0-1.2", Formats: []v4l2.FormatInfo{
		{FourCC: v4l2.FmtYUYV, Description: "YUYV 4:2:2", Sizes: []v4l2.FrameSize{fs(640, 480, 30, 15), fs(1920, 1080, 5)}},
		{FourCC: v4l2.FmtMJPEG, Description: "Motion-JPEG", Sizes: []v4l2.FrameSize{fs(640, 480, 30), fs(1920, 1080, 30, 15)}},
	}}
	cam := config.Defaults().Camera
	cam.Width, cam.Height = 1920, 1080
	var out bytes.Buffer
	for _, c := range chooseModes([]v4l2.DeviceInfo{dev}, cam) {
		printCamera(&out, c)
	}
	got := out.String()
	for _, want := range []string{
		"    1920x1080              5 fps",
		"  * 1920x1080              15 30 fps",
		"* the box opens MJPG 1920x1080@30: asked for 1920x1080@30; MJPG 1920x1080@30 reaches it; YUYV 1920x1080@5 too slow",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("devices output lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(got, "  * ") != 2 {
		t.Errorf("not exactly one mode marked:\n%s", got)
	}
	cam.Format = "nv12"
	if c := chooseModes([]v4l2.DeviceInfo{dev}, cam)[0]; c.Chosen != nil || !strings.Contains(c.Problem, "asks for NV12") {
		t.Errorf("forced NV12 on a camera without it: %+v", c)
	}
}
