//go:build e2e

package e2e

import (
	"bytes"
	"encoding/binary"
	"math"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/e2e/harness"
)

const whipToken = "e2e-participant-TOKEN-7"

// whipBox starts a box publishing to url over WHIP with token, the sync
// beep as its microphone and the QR presets; the cleanup checks that the
// token reached neither the log nor the status.
func whipBox(t *testing.T, dir, url, token string) *harness.Box {
	t.Helper()
	cfg, sock := filepath.Join(dir, "whip.toml"), filepath.Join(dir, "control.sock")
	err := harness.Config{
		StateDir: filepath.Join(dir, "state"), Width: 640, Height: 360, BitrateKbps: 1000,
		URL: url, WHIPToken: token, Socket: sock, AudioDevice: "syncbeep",
		Presets: []harness.Preset{{Name: qrPresets[0].name, QR: qrPresets[0].text, Position: "center", Size: 0.6}},
	}.Write(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := startBox(t, cfg, sock)
	t.Cleanup(func() {
		if strings.Contains(b.Log(), token) {
			t.Errorf("the WHIP token appears in pitchbox's log")
		}
	})
	return b
}

// TestWHIP publishes to a WHIP server on pion that first redirects (307)
// to a second listener: the box follows it with its bearer token, sends
// constrained-baseline H.264 and Opus, the QR preset is readable in the
// decoded video, and stopping sends DELETE.
func TestWHIP(t *testing.T) {
	dir := t.TempDir()
	srv := harness.StartWHIP(t, harness.WHIPOptions{Token: whipToken, Redirect: true, Dir: dir})
	b := whipBox(t, dir, srv.URL, whipToken)
	if err := b.WaitState("live", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if out, err := b.CLI("status", "--json"); err != nil || strings.Contains(out, whipToken) {
		t.Fatalf("status: %v, or it shows the token: %s", err, out)
	}
	if _, err := b.CLI("show", qrPresets[0].name); err != nil {
		t.Fatal(err)
	}
	time.Sleep(7 * time.Second)
	stopBox(t, b)
	checkWHIPRequests(t, srv.Requests())
	var ss harness.WHIPSession
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if s := srv.Sessions(); len(s) == 1 && s[0].Ended {
			ss = s[0]
			break
		}
	}
	t.Logf("session: %+v", ss)
	if !ss.Ended || !ss.Deleted {
		t.Fatalf("session %+v: want one, ended by the box's DELETE", ss)
	}
	if ss.Video.Keyframes < 3 || ss.Audio.Packets < 200 {
		t.Errorf("received %d keyframes and %d audio packets in about 8 s, want ≥ 3 and ≥ 200", ss.Video.Keyframes, ss.Audio.Packets)
	}
	checkWHIPVideo(t, ss.H264, dir)
	checkWHIPAudio(t, ss.Ogg)
}

// checkWHIPRequests wants a POST answered 307 on the first listener, the
// same POST with the token on the second answered 201, and a DELETE with
// the token.
func checkWHIPRequests(t *testing.T, reqs []harness.WHIPRequest) {
	t.Helper()
	t.Logf("requests: %+v", reqs)
	want := []harness.WHIPRequest{
		{Method: "POST", Listener: 1, TokenOK: true, Status: 307},
		{Method: "POST", Listener: 2, TokenOK: true, Status: 201},
		{Method: "DELETE", Listener: 2, TokenOK: true},
	}
	if len(reqs) != len(want) {
		t.Fatalf("%d requests, want %d", len(reqs), len(want))
	}
	for i, w := range want {
		r := reqs[i]
		if r.Method != w.Method || r.Listener != w.Listener || r.TokenOK != w.TokenOK || (w.Status != 0 && r.Status != w.Status) {
			t.Errorf("request %d: %+v, want %+v", i, r, w)
		}
	}
}

// checkWHIPVideo wants constrained baseline H.264 whose late frames show
// the QR preset.
func checkWHIPVideo(t *testing.T, h264, dir string) {
	t.Helper()
	var probe struct {
		Streams []struct {
			CodecName string `json:"codec_name"`
			Profile   string `json:"profile"`
			Width     int    `json:"width"`
		} `json:"streams"`
	}
	ffprobeJSON(t, &probe, "-show_entries", "stream=codec_name,profile,width", h264)
	if len(probe.Streams) != 1 || probe.Streams[0].CodecName != "h264" || probe.Streams[0].Profile != "Constrained Baseline" || probe.Streams[0].Width != 640 {
		t.Fatalf("video %+v, want one 640-wide Constrained Baseline H.264 stream", probe.Streams)
	}
	n := frameCount(t, h264)
	png := frameAt(t, h264, n-15, "", filepath.Join(dir, "whip-frame.png"))
	if texts := qrTexts(t, png); !slices.Contains(texts, qrPresets[0].text) {
		t.Errorf("zbarimg read %q from frame %d of %d, want %q", texts, n-15, n, qrPresets[0].text)
	}
}

// frameCount is how many frames ffprobe counts in a file.
func frameCount(t *testing.T, file string) int {
	t.Helper()
	var probe struct {
		Streams []struct {
			Frames string `json:"nb_read_frames"`
		} `json:"streams"`
	}
	ffprobeJSON(t, &probe, "-count_frames", "-select_streams", "v", "-show_entries", "stream=nb_read_frames", file)
	n := 0
	if len(probe.Streams) == 1 {
		for _, c := range probe.Streams[0].Frames {
			n = n*10 + int(c-'0')
		}
	}
	if n < 60 {
		t.Fatalf("%d frames in %s", n, file)
	}
	return n
}

// checkWHIPAudio wants Opus at 48 kHz carrying the sync beep: not silence.
func checkWHIPAudio(t *testing.T, ogg string) {
	t.Helper()
	var probe struct {
		Streams []struct {
			CodecName  string `json:"codec_name"`
			SampleRate string `json:"sample_rate"`
		} `json:"streams"`
	}
	ffprobeJSON(t, &probe, "-show_entries", "stream=codec_name,sample_rate", ogg)
	if len(probe.Streams) != 1 || probe.Streams[0].CodecName != "opus" || probe.Streams[0].SampleRate != "48000" {
		t.Fatalf("audio %+v, want Opus at 48000 Hz", probe.Streams)
	}
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", ogg, "-f", "s16le", "-ac", "1", "-ar", "48000", "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, len(out)/2)
	if err := binary.Read(bytes.NewReader(out), binary.LittleEndian, pcm); err != nil {
		t.Fatal(err)
	}
	peak := 0.0
	for _, v := range pcm {
		peak = math.Max(peak, math.Abs(float64(v)))
	}
	t.Logf("audio: %.1f s decoded, peak %.0f", float64(len(pcm))/48000, peak)
	if len(pcm) < 5*48000 || peak < 1000 {
		t.Errorf("%.1f s of sound with peak %.0f: want the beep (≥ 5 s, peak ≥ 1000)", float64(len(pcm))/48000, peak)
	}
}

// TestWHIPWrongToken: the server refuses the token; the box says refused,
// with no token in what it says.
func TestWHIPWrongToken(t *testing.T) {
	dir := t.TempDir()
	srv := harness.StartWHIP(t, harness.WHIPOptions{Token: whipToken, Dir: dir})
	b := whipBox(t, dir, srv.URL, "not-the-"+whipToken)
	if err := b.WaitState("refused", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	st, err := b.Status()
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := st["problem"].(string); !strings.Contains(strings.ToLower(p), "token") {
		t.Errorf("problem %q does not name the token", p)
	}
	stopBox(t, b)
}
