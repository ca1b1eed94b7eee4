package audio

import (
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/encode"
)

func TestSilentFrameBits(t *testing.T) {
	// CPE(001) tag(0000) common_window(1) | ics_info 0 00 0 000000 0 |
	// ms 00 | 2 × (gain 01100100, 000) | END(111), padded.
	want := []byte{0x21, 0x00, 0x03, 0x20, 0x64, 0x1C}
	if got := SilentFrame(); string(got) != string(want) {
		t.Fatalf("silent frame %x, want %x", got, want)
	}
}

func TestSilenceFollowsClockWithoutDrift(t *testing.T) {
	var s Silence
	var pkts []*encode.Packet
	start := 5 * time.Second
	for v := start; v <= start+10*time.Second; v += time.Second / 30 {
		pkts = s.Until(pkts, v)
	}
	// 10 s at 44100/1024 frames per second, plus the one at the start.
	if n := len(pkts); n != 431 {
		t.Fatalf("%d frames over 10 s, want 431", n)
	}
	for i, p := range pkts {
		want := start + time.Duration(i)*time.Second*1024/44100
		if p.PTS != want || p.DTS != want || p.Kind != encode.Audio {
			t.Fatalf("frame %d at %v, want %v", i, p.PTS, want)
		}
	}
}

// TestSampleTimeLongStreams: a week of samples is stamped exactly; the
// naive n × 1 s / rate overflows after 58 hours at 44.1 kHz.
func TestSampleTimeLongStreams(t *testing.T) {
	for _, rate := range []int{44100, 48000} {
		week := int64(rate) * 7 * 24 * 3600
		if got, want := SampleTime(week+int64(rate)/2, rate), 7*24*time.Hour+500*time.Millisecond; got != want {
			t.Errorf("rate %d: a week and half a second is %v, want %v", rate, got, want)
		}
		if naive := time.Duration(week) * time.Second / time.Duration(rate); naive > 0 && naive == 7*24*time.Hour {
			t.Errorf("rate %d: the naive formula did not overflow; the test proves nothing", rate)
		}
		for _, n := range []int64{0, 1, 1023, int64(rate) - 1, 12345678} {
			if got, want := SampleTime(n, rate), time.Duration(n)*time.Second/time.Duration(rate); got != want {
				t.Errorf("rate %d: SampleTime(%d) = %v, want %v", rate, n, got, want)
			}
		}
	}
}
