//go:build e2e

package e2e

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/pitchbox/pitchbox/box"
	"github.com/pitchbox/pitchbox/box/boxtest"
	"github.com/pitchbox/pitchbox/e2e/harness"
	"github.com/pitchbox/pitchbox/panel"
	"github.com/pitchbox/pitchbox/panel/auth"
	"github.com/pitchbox/pitchbox/v4l2"
)

// aC920 is a Logitech C920's mode table over USB 2: 1080p and 720p at
// 30 fps only as MJPEG.
func aC920() ([]v4l2.DeviceInfo, error) {
	fs := func(w, h uint32, r ...float64) v4l2.FrameSize {
		return v4l2.FrameSize{Width: w, Height: h, MaxWidth: w, MaxHeight: h, Rates: r}
	}
	return []v4l2.DeviceInfo{{Path: "/dev/video9", Name: "HD Pro Webcam C920", Bus: "usb-1.2", Formats: []v4l2.FormatInfo{
		{FourCC: v4l2.FmtYUYV, Description: "YUYV 4:2:2", Sizes: []v4l2.FrameSize{fs(640, 480, 30), fs(1280, 720, 10), fs(1920, 1080, 5)}},
		{FourCC: v4l2.FmtMJPEG, Description: "Motion-JPEG", Sizes: []v4l2.FrameSize{fs(640, 480, 30), fs(1280, 720, 30), fs(1920, 1080, 30)}},
	}}}, nil
}

// TestCameraPageOffersTheCamerasModes: on a phone, the Camera page offers
// the camera's own sizes and rates (1080p at 30 fps as MJPEG, 1080p at
// 5 fps as YUYV, nothing the camera lacks), and saving one sets the
// camera's size and rate with the format left to the box.
func TestCameraPageOffersTheCamerasModes(t *testing.T) {
	c := boxtest.Config(t)
	dir := c.StateDir
	c.StateDir, c.Control.Socket, c.Panel.Listen = filepath.Join(dir, "state"), filepath.Join(dir, "control.sock"), "off"
	c.Camera.Device = "/dev/video9" // the C920, not plugged in: the slate meanwhile
	if err := c.PrepareStateDir(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	b, _ := boxtest.Run(t, c, log, box.WithDevices(aC920), box.WithConfigFile(filepath.Join(c.StateDir, "pitchbox.toml")))
	au, err := auth.Open(filepath.Join(c.StateDir, "panel-auth.json"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer((&panel.Web{API: panel.NewAPI(b, "panel"), Auth: au, Log: log, Version: "test"}).Handler())
	t.Cleanup(srv.Close)
	ctx, closeBrowser, err := harness.Browser(context.Background(), filepath.Join(dir, "chromium"), 390, 844)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeBrowser)
	u := &ui{t: t, ctx: ctx, base: srv.URL}
	u.page("/live", "pair")
	u.run(chromedp.SendKeys(chromedp.CSS("#password"), panelPassword), chromedp.SendKeys(chromedp.CSS("#password2"), panelPassword),
		chromedp.SetValue(chromedp.CSS("#code"), au.PairingCode()), chromedp.Click(chromedp.CSS(`#pair-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`body[data-page="live"]`)))
	u.page("/camera", "camera")
	u.run(chromedp.WaitVisible(chromedp.CSS("#c-mode")))
	opts := eval[[]string](u, `[...document.querySelectorAll("#c-mode option")].map(o => o.textContent)`)
	want := []string{"1920 × 1080 · 30 fps (MJPEG)", "1920 × 1080 · 5 fps (YUYV)", "1280 × 720 · 30 fps (MJPEG)",
		"1280 × 720 · 10 fps (YUYV)", "640 × 480 · 30 fps (YUYV)"}
	if strings.Join(opts, "|") != strings.Join(want, "|") {
		t.Fatalf("modes offered %q, want %q", opts, want)
	}
	if eval[bool](u, `!document.querySelector("#c-size-row").hidden`) {
		t.Error("free size fields shown beside the camera's modes")
	}
	u.screenshot(artefacts(t, "camera-page"), "camera-modes-390x844")
	if bad := eval[[]string](u, smallTargets); len(bad) != 0 {
		t.Errorf("controls under 44 px: %v", bad)
	}
	u.run(chromedp.SetValue(chromedp.CSS("#c-mode"), "1920,1080,30"), chromedp.Click(chromedp.CSS(`#cam-form button[type="submit"]`)))
	u.waitText("#cam-ok", "Saved")
	if cam := b.Config().Camera; cam.Width != 1920 || cam.Height != 1080 || cam.FPS != 30 || cam.Format != "auto" {
		t.Fatalf("saved camera %+v, want 1920x1080@30, format auto", cam)
	}
}
