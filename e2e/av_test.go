//go:build e2e

package e2e

import (
	"math"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/e2e/harness"
)

// ffmpegTimes runs ffmpeg over file with a filter and collects the times
// that re finds in its log.
func ffmpegTimes(t *testing.T, re *regexp.Regexp, args ...string) []float64 {
	t.Helper()
	out, err := exec.Command("ffmpeg", append([]string{"-hide_banner", "-nostats", "-copyts"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
	}
	var ts []float64
	for _, m := range re.FindAllStringSubmatch(string(out), -1) {
		v, _ := strconv.ParseFloat(m[1], 64)
		ts = append(ts, v)
	}
	return ts
}

// TestLipSync streams the sync sources (a white flash and a 1 kHz beep at
// every multiple of 2 s of capture time) for 60 s, and checks in the
// stream the server recorded that every flash has its beep within 40 ms.
// startAV runs a 640x360 box with the given sources into the setup's
// nginx and waits until it is live.
func startAV(t *testing.T, s *setup, camera, mic string, mute bool) *harness.Box {
	t.Helper()
	return s.liveBox(t, "av", harness.Config{CameraDevice: camera, AudioDevice: mic, AudioMute: mute})
}

func TestLipSync(t *testing.T) {
	s := newSetup(t, "")
	b := startAV(t, s, "syncpattern", "syncbeep", false)
	st, _ := b.Status()
	if a := st["audio"].(map[string]any); a["silent_reason"] != nil || !strings.Contains(a["source"].(string), "beep") {
		t.Fatalf("audio status %v, want the sync beep, not silent", a)
	}
	time.Sleep(62 * time.Second)
	rec := s.recording(t, b)
	onsets := ffmpegTimes(t, regexp.MustCompile(`silence_end: ([0-9.]+)`),
		"-i", rec, "-vn", "-af", "silencedetect=n=-30dB:d=0.5", "-f", "null", "-")
	flashes := ffmpegTimes(t, regexp.MustCompile(`pts_time:([0-9.]+)\s*\n[^\n]*YAVG=2[0-9][0-9]`),
		"-i", rec, "-an", "-vf", "signalstats,metadata=print:key=lavfi.signalstats.YAVG", "-f", "null", "-")
	if len(flashes) < 28 || len(onsets) < 28 {
		t.Fatalf("%d flashes and %d beep onsets in 60 s, want about 30 each", len(flashes), len(onsets))
	}
	var worst float64
	for _, f := range flashes {
		best := math.Inf(1)
		for _, o := range onsets {
			best = math.Min(best, math.Abs(o-f))
		}
		worst = math.Max(worst, best)
		if best > 0.040 {
			t.Errorf("flash at %.3f s: nearest beep onset %.1f ms away, want within 40 ms", f, best*1000)
		}
	}
	t.Logf("lip sync over %.0f s: %d flashes, %d beeps, worst offset %.1f ms", flashes[len(flashes)-1]-flashes[0], len(flashes), len(onsets), worst*1000)
}

// TestMutedTrackIsValidAAC: with mute = true the stream still carries a
// valid, silent AAC-LC track, and status says why it is silent.
func TestMutedTrackIsValidAAC(t *testing.T) {
	s := newSetup(t, "")
	b := startAV(t, s, "testpattern", "syncbeep", true)
	st, _ := b.Status()
	if reason, _ := st["audio"].(map[string]any)["silent_reason"].(string); !strings.Contains(reason, "muted") {
		t.Fatalf("audio silent_reason %q, want it to say muted", reason)
	}
	time.Sleep(5 * time.Second)
	rec := s.recording(t, b)
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "a", "-show_entries", "stream=codec_name,profile", "-of", "csv=p=0", rec).Output()
	if err != nil || strings.TrimSpace(string(out)) != "aac,LC" {
		t.Fatalf("audio stream %q (%v), want aac,LC", out, err)
	}
	// It decodes cleanly, and is silence from start to end.
	dec, err := exec.Command("ffmpeg", "-hide_banner", "-nostats", "-v", "error", "-i", rec, "-vn", "-f", "null", "-").CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(dec))) > 0 {
		t.Fatalf("decoding the muted track reported problems: %v\n%s", err, dec)
	}
	vol, _ := exec.Command("ffmpeg", "-hide_banner", "-nostats", "-i", rec, "-vn", "-af", "volumedetect", "-f", "null", "-").CombinedOutput()
	if !strings.Contains(string(vol), "max_volume: -91") && !strings.Contains(string(vol), "max_volume: -inf") {
		m := regexp.MustCompile(`max_volume: (\S+)`).FindStringSubmatch(string(vol))
		t.Fatalf("muted track max volume %v, want silence", m)
	}
}
