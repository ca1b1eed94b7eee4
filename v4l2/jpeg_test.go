package v4l2

import (
	"strings"
	"testing"

	"github.com/pitchbox/pitchbox/frame/mjpeg"
)

// TestJPEGDecoderChoice: on a machine without an M2M MJPEG decoder (this
// one), "cpu" and "auto" give the CPU decoder, "m2m" says there is none
// and what to use instead, and an unknown name lists what is allowed.
func TestJPEGDecoderChoice(t *testing.T) {
	if FindDecoder(FmtMJPEG) != "" {
		t.Fatal("this test expects no M2M MJPEG decoder on the machine")
	}
	for _, which := range []string{"", DecoderAuto, DecoderCPU} {
		d, err := newJPEGDecoder(which, 640, 480)
		if err != nil {
			t.Fatalf("%q: %v", which, err)
		}
		if _, ok := d.(*mjpeg.Decoder); !ok {
			t.Errorf("%q gave %T, want the CPU decoder", which, d)
		}
		d.Close()
	}
	if _, err := newJPEGDecoder(DecoderM2M, 640, 480); err == nil || !strings.Contains(err.Error(), "no memory-to-memory MJPEG decoder") ||
		!strings.Contains(err.Error(), `"cpu"`) {
		t.Errorf("m2m without a decoder: %v", err)
	}
	if _, err := newJPEGDecoder("gpu", 640, 480); err == nil || !strings.Contains(err.Error(), `"m2m"`) {
		t.Errorf("gpu: %v", err)
	}
}
