//go:build e2e

package e2e

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/encode/x264"
	"github.com/pitchbox/pitchbox/frame"
	"github.com/pitchbox/pitchbox/frame/fastconv"
	"github.com/pitchbox/pitchbox/frame/mjpeg"
)

// scene is a colourful 640x360 picture: hue across, brightness down,
// with black and white bars, as RGB.
func scene() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 640, 360))
	for y := range 360 {
		for x := range 640 {
			h, v := float64(x)/640*6, 1-float64(y)/400
			f := h - math.Floor(h)
			var r, g, b float64
			switch int(h) {
			case 0:
				r, g = 1, f
			case 1:
				r, g = 1-f, 1
			case 2:
				g, b = 1, f
			case 3:
				g, b = 1-f, 1
			case 4:
				r, b = f, 1
			default:
				r, b = 1, 1-f
			}
			c := color.RGBA{byte(r * v * 255), byte(g * v * 255), byte(b * v * 255), 255}
			if x < 40 {
				c = color.RGBA{0, 0, 0, 255}
			} else if x >= 600 {
				c = color.RGBA{255, 255, 255, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// asYUYV is what a YUYV webcam sends of img: BT.601 limited range.
func asYUYV(img *image.RGBA) []byte {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	out := make([]byte, 2*w*h)
	for y := range h {
		for x := 0; x < w; x += 2 {
			var cb, cr float64
			for i := range 2 {
				c := img.RGBAAt(x+i, y)
				r, g, b := float64(c.R)/255, float64(c.G)/255, float64(c.B)/255
				out[y*2*w+2*(x+i)] = byte(math.Round(16 + 65.481*r + 128.553*g + 24.966*b))
				cb += (128 - 37.797*r - 74.203*g + 112*b) / 2
				cr += (128 + 112*r - 93.786*g - 18.214*b) / 2
			}
			out[y*2*w+2*x+1], out[y*2*w+2*x+3] = byte(math.Round(cb)), byte(math.Round(cr))
		}
	}
	return out
}

// h264Of encodes f ten times with x264 into path (Annex B).
func h264Of(t *testing.T, f *frame.Frame, path string) {
	t.Helper()
	e, err := x264.New(encode.Settings{Width: f.Width, Height: f.Height, FPS: 30, BitrateKbps: 8000, KeyframeInterval: 2 * time.Second, Preset: "ultrafast"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var out bytes.Buffer
	var pkts []*encode.Packet
	for i := range 10 {
		f.PTS = time.Duration(i) * time.Second / 30
		if pkts, err = e.Encode(pkts[:0], f, i == 0); err != nil {
			t.Fatal(err)
		}
		for _, p := range pkts {
			out.Write(p.Data)
			p.Release()
		}
	}
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestMJPEGAndYUYVCamerasLookTheSame: the same scene from an MJPEG camera
// (full-range JPEG) and from a YUYV camera (limited range) gives the same
// pictures in the H.264 stream, decoded by ffmpeg, which reads the range
// the stream signals (limited, "tv").
func TestMJPEGAndYUYVCamerasLookTheSame(t *testing.T) {
	img := scene()
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	fromJPEG, _ := frame.New(640, 360)
	fromYUYV, _ := frame.New(640, 360)
	d, err := mjpeg.New()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Decode(fromJPEG, jb.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := fastconv.FromYUYV(fromYUYV, asYUYV(img), 1280); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var decoded [2][]byte
	for i, f := range []*frame.Frame{fromJPEG, fromYUYV} {
		path := filepath.Join(dir, []string{"mjpeg", "yuyv"}[i]+".h264")
		h264Of(t, f, path)
		probe, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=color_range", "-of", "csv=p=0", path).Output()
		if err != nil || strings.TrimSpace(string(probe)) != "tv" {
			t.Fatalf("%s: colour range %q (%v), want tv (limited)", path, probe, err)
		}
		if decoded[i], err = exec.Command("ffmpeg", "-v", "error", "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-").Output(); err != nil {
			t.Fatal(err)
		}
	}
	for p, r := range [][2]int{{0, 640 * 360}, {640 * 360, 640*360 + 320*180}, {640*360 + 320*180, 640 * 360 * 3 / 2}} {
		var sum float64
		for i := r[0]; i < r[1]; i++ {
			sum += math.Abs(float64(decoded[0][i]) - float64(decoded[1][i]))
		}
		mad := sum / float64(r[1]-r[0])
		t.Logf("plane %d: mean difference %.2f", p, mad)
		if mad > 2 {
			t.Errorf("plane %d: MJPEG and YUYV cameras differ by %.2f on average in the stream", p, mad)
		}
	}
	if y := decoded[0][360/2*640+20]; y < 14 || y > 20 {
		t.Errorf("black from the MJPEG camera is %d in the stream, want 16", y)
	}
}
