//go:build e2e

package e2e

import (
	"encoding/binary"
	"math"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/e2e/harness"
)

// TestAudio48kMono streams the sync beep captured at 48 kHz mono: the
// server gets a 48 kHz mono AAC-LC track (not one announced as 44.1 kHz
// stereo), and decoded, its beeps start 2.00 s apart as they were made.
func TestAudio48kMono(t *testing.T) {
	s := newSetup(t, "")
	b := s.liveBox(t, "mono", harness.Config{CameraDevice: "syncpattern", AudioDevice: "syncbeep", AudioRate: 48000, AudioChannels: 1})
	st, _ := b.Status()
	if a, _ := st["audio"].(map[string]any); a["silent_reason"] != nil || !strings.Contains(a["source"].(string), "48000 Hz 1ch") {
		t.Fatalf("audio status %v, want the sync beep at 48000 Hz mono, not silent", a)
	}
	time.Sleep(13 * time.Second)
	rec := s.recording(t, b)
	var probe struct {
		Streams []struct {
			CodecName  string `json:"codec_name"`
			Profile    string `json:"profile"`
			SampleRate string `json:"sample_rate"`
			Channels   int    `json:"channels"`
		} `json:"streams"`
	}
	ffprobeJSON(t, &probe, "-select_streams", "a", "-show_streams", rec)
	if len(probe.Streams) != 1 || probe.Streams[0].CodecName != "aac" || probe.Streams[0].Profile != "LC" ||
		probe.Streams[0].SampleRate != "48000" || probe.Streams[0].Channels != 1 {
		t.Fatalf("audio streams %+v, want one AAC-LC 48000 Hz mono", probe.Streams)
	}
	onsets := beepOnsets(decodePCM(t, rec), 48000)
	if len(onsets) < 5 {
		t.Fatalf("beeps start at %v s: want at least 5 in 13 s", onsets)
	}
	var worst float64
	for i := 1; i < len(onsets); i++ {
		d := onsets[i] - onsets[i-1]
		worst = math.Max(worst, math.Abs(d-2))
		if math.Abs(d-2) > 0.020 {
			t.Errorf("beeps at %.4f s and %.4f s: %.1f ms apart, want 2000 ± 20 ms", onsets[i-1], onsets[i], d*1000)
		}
	}
	t.Logf("%d beeps in the 48 kHz mono track, starting at %.4f s; spacing off 2.000 s by at most %.2f ms", len(onsets), onsets, worst*1000)
}

// decodePCM decodes the audio of file to its own rate and channels as
// signed 16-bit samples (no resampling or mixing: that would hide a wrong
// rate).
func decodePCM(t *testing.T, file string) []int16 {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", file, "-vn", "-f", "s16le", "-c:a", "pcm_s16le", "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg decode %s: %v", file, err)
	}
	pcm := make([]int16, len(out)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(out[2*i:]))
	}
	return pcm
}

// beepOnsets returns the times (s) at which beeps start in mono pcm: the
// first sample reaching half the loudest one after at least half a second
// below it. A beep cut by the start of the recording is left out.
func beepOnsets(pcm []int16, rate int) []float64 {
	var peak int
	for _, v := range pcm {
		peak = max(peak, abs(int(v)))
	}
	thr, quiet := peak/2, rate/2
	var onsets []float64
	last := 0 // the last sample at or above thr, or the start
	for i, v := range pcm {
		if abs(int(v)) < thr {
			continue
		}
		if i-last >= quiet && (last > 0 || i >= quiet) && peak > 0 {
			onsets = append(onsets, float64(i)/float64(rate))
		}
		last = i
	}
	return onsets
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
