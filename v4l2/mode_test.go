package v4l2

import (
	"fmt"
	"strings"
	"testing"
)

// sizes builds discrete frame sizes from "WxH@fps" triples.
func sizes(modes ...[3]uint32) []FrameSize {
	var out []FrameSize
	for _, m := range modes {
		out = append(out, FrameSize{Width: m[0], Height: m[1], MaxWidth: m[0], MaxHeight: m[1], Rates: []float64{float64(m[2]), float64(m[2]) / 2}})
	}
	return out
}

// The mode tables of cameras sellers own (as their UVC descriptors list
// them over USB 2, or USB 3 for the Brio) and of an HDMI capture card.
var (
	c920 = []FormatInfo{
		{FourCC: FmtYUYV, Sizes: sizes([3]uint32{640, 480, 30}, [3]uint32{800, 600, 24}, [3]uint32{960, 720, 15}, [3]uint32{1280, 720, 10}, [3]uint32{1920, 1080, 5})},
		{FourCC: FmtMJPEG, Sizes: sizes([3]uint32{640, 480, 30}, [3]uint32{800, 600, 30}, [3]uint32{960, 720, 30}, [3]uint32{1280, 720, 30}, [3]uint32{1920, 1080, 30})},
		{FourCC: FmtH264, Sizes: sizes([3]uint32{1920, 1080, 30})},
	}
	brio = []FormatInfo{
		{FourCC: FmtYUYV, Sizes: sizes([3]uint32{640, 480, 30}, [3]uint32{1280, 720, 30}, [3]uint32{1920, 1080, 30})},
		{FourCC: FmtMJPEG, Sizes: sizes([3]uint32{1280, 720, 90}, [3]uint32{1920, 1080, 60}, [3]uint32{3840, 2160, 30}, [3]uint32{4096, 2160, 30})},
		{FourCC: FmtNV12, Sizes: sizes([3]uint32{640, 480, 30}, [3]uint32{1920, 1080, 30})},
	}
	captureCard = []FormatInfo{
		{FourCC: FmtYUYV, Sizes: []FrameSize{{Width: 1920, Height: 1080, MaxWidth: 1920, MaxHeight: 1080, Rates: []float64{59.94}}}},
		{FourCC: FmtNV12, Sizes: []FrameSize{{Width: 1920, Height: 1080, MaxWidth: 1920, MaxHeight: 1080, Rates: []float64{59.94}}}},
		{FourCC: FmtYU12, Sizes: []FrameSize{{Width: 1920, Height: 1080, MaxWidth: 1920, MaxHeight: 1080, Rates: []float64{59.94}}}},
	}
	stepwise = []FormatInfo{
		{FourCC: FmtYUYV, Sizes: []FrameSize{{Width: 48, Height: 32, MaxWidth: 1920, MaxHeight: 1080, Rates: []float64{60}}}},
	}
)

// TestChooseMode: the mode that reaches the size and rate, raw before
// MJPEG; MJPEG when raw is too slow; the closest when nothing reaches.
func TestChooseMode(t *testing.T) {
	for _, c := range []struct {
		name    string
		formats []FormatInfo
		want    Want
		mode    Mode
		why     []string
	}{
		{"C920 1080p30: MJPEG, not YUYV@5", c920, Want{1920, 1080, 30, 0}, Mode{FmtMJPEG, 1920, 1080, 30},
			[]string{"asked for 1920x1080@30", "MJPG 1920x1080@30 reaches it", "YUYV 1920x1080@5 too slow"}},
		{"C920 720p30: MJPEG, not YUYV@10", c920, Want{1280, 720, 30, 0}, Mode{FmtMJPEG, 1280, 720, 30}, []string{"YUYV 1280x720@10 too slow"}},
		{"C920 480p30: YUYV", c920, Want{640, 480, 30, 0}, Mode{FmtYUYV, 640, 480, 30}, []string{"YUYV 640x480@30 reaches it"}},
		// The rate matters more to buyers than the size: 480p30, not 1080p5.
		{"C920 forced YUYV at 1080p", c920, Want{1920, 1080, 30, FmtYUYV}, Mode{FmtYUYV, 640, 480, 30}, []string{"no mode reaches it", "closest is YUYV 640x480@30"}},
		{"C920 1080p60: the rate first", c920, Want{1920, 1080, 60, 0}, Mode{FmtMJPEG, 1920, 1080, 30}, []string{"closest is MJPG 1920x1080@30"}},
		{"Brio 1080p30: NV12", brio, Want{1920, 1080, 30, 0}, Mode{FmtNV12, 1920, 1080, 30}, nil},
		{"Brio 1080p60: MJPEG", brio, Want{1920, 1080, 60, 0}, Mode{FmtMJPEG, 1920, 1080, 60}, []string{"NV12 1920x1080@30", "YUYV 1920x1080@30"}},
		{"Brio forced MJPEG 720p30", brio, Want{1280, 720, 30, FmtMJPEG}, Mode{FmtMJPEG, 1280, 720, 90}, nil},
		{"capture card 1080p60 at 59.94", captureCard, Want{1920, 1080, 60, 0}, Mode{FmtYU12, 1920, 1080, 59.94}, nil},
		{"capture card 720p30: the only size", captureCard, Want{1280, 720, 30, 0}, Mode{FmtYU12, 1920, 1080, 59.94}, []string{"no mode reaches it"}},
		{"stepwise: the wanted size", stepwise, Want{1280, 720, 30, 0}, Mode{FmtYUYV, 1280, 720, 60}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, why, err := ChooseMode(c.formats, c.want)
			if err != nil || m != c.mode {
				t.Fatalf("chose %v (%v), want %v", m, err, c.mode)
			}
			for _, w := range c.why {
				if !strings.Contains(why, w) {
					t.Errorf("why %q does not say %q", why, w)
				}
			}
		})
	}
}

// TestChooseModeNone: a camera with nothing pitchbox reads, or without
// the forced format, is an error that names what it offers.
func TestChooseModeNone(t *testing.T) {
	_, _, err := ChooseMode([]FormatInfo{{FourCC: FmtH264, Sizes: sizes([3]uint32{1920, 1080, 30})}}, Want{1920, 1080, 30, 0})
	if err == nil || !strings.Contains(err.Error(), "offers H264") || !strings.Contains(err.Error(), "MJPEG") {
		t.Errorf("err = %v", err)
	}
	_, _, err = ChooseMode(c920, Want{1920, 1080, 30, FmtNV12})
	if err == nil || !strings.Contains(err.Error(), "camera.format asks for NV12") || !strings.Contains(err.Error(), "YUYV, MJPG") {
		t.Errorf("err = %v", err)
	}
	if f, err := FormatNamed("MJPEG"); err != nil || f != FmtMJPEG {
		t.Errorf("FormatNamed(MJPEG) = %v, %v", f, err)
	}
	if _, err := FormatNamed("h264"); err == nil || !strings.Contains(err.Error(), "allowed: auto, mjpeg") {
		t.Errorf("FormatNamed(h264) err = %v", err)
	}
}

// TestOffered: a C920 offers each size and rate once, in the format the
// box would open it in: 1080p30 only as MJPEG, 1080p5 as YUYV, 480p30 as
// YUYV; largest and fastest first; a stepwise range offers the common
// sizes inside it.
func TestOffered(t *testing.T) {
	got := Offered(c920)
	want := map[string]bool{"MJPG 1920x1080@30": true, "YUYV 1920x1080@5": true, "MJPG 1920x1080@15": true,
		"YUYV 640x480@30": true, "MJPG 1280x720@30": true, "YUYV 1280x720@10": true}
	seen := map[string]bool{}
	for i, m := range got {
		key := fmt.Sprintf("%dx%d@%g", m.Width, m.Height, m.FPS)
		if seen[key] {
			t.Errorf("%s offered twice", key)
		}
		seen[key] = true
		delete(want, m.String())
		if m.FourCC == FmtH264 {
			t.Errorf("H264 offered: %v", m)
		}
		if i > 0 && got[i-1].Width*got[i-1].Height < m.Width*m.Height {
			t.Errorf("%v after the smaller %v", m, got[i-1])
		}
	}
	if len(want) != 0 || got[0].String() != "MJPG 1920x1080@30" {
		t.Errorf("missing %v; first %v; all %v", want, got[0], got)
	}
	if s := Offered(stepwise); len(s) != 5 || s[0].Width != 1920 || s[len(s)-1].Width != 640 {
		t.Errorf("stepwise offers %v", s)
	}
}

// TestChooseModeWithoutListedRates: a driver that lists sizes without
// rates, or no sizes at all, is asked for the wanted size and rate, not
// refused and not asked for 1 fps.
func TestChooseModeWithoutListedRates(t *testing.T) {
	noRates := []FormatInfo{{FourCC: FmtYUYV, Sizes: []FrameSize{{Width: 1280, Height: 720, MaxWidth: 1280, MaxHeight: 720}}}}
	if m, _, err := ChooseMode(noRates, Want{1280, 720, 30, 0}); err != nil || m != (Mode{FmtYUYV, 1280, 720, 30}) {
		t.Errorf("no rates: %v, %v", m, err)
	}
	noSizes := []FormatInfo{{FourCC: FmtMJPEG}}
	if m, _, err := ChooseMode(noSizes, Want{1920, 1080, 30, 0}); err != nil || m != (Mode{FmtMJPEG, 1920, 1080, 30}) {
		t.Errorf("no sizes: %v, %v", m, err)
	}
}
