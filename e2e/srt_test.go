//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/e2e/harness"
)

const srtPass = "e2e-Passphrase-42"

// srtListener is ffmpeg (Debian's, on libsrt) listening for SRT and
// recording what it receives to an MPEG-TS file.
type srtListener struct {
	port int
	cmd  *exec.Cmd
}

// startSRTListener starts ffmpeg listening on port with passphrase,
// recording to out; the test kills it at the end.
func startSRTListener(t *testing.T, port int, passphrase, out string) *srtListener {
	t.Helper()
	cmd := exec.Command("ffmpeg", "-nostdin", "-loglevel", "error", "-i",
		fmt.Sprintf("srt://127.0.0.1:%d?mode=listener&passphrase=%s", port, passphrase), "-c", "copy", "-f", "mpegts", "-y", out)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	l := &srtListener{port: port, cmd: cmd}
	t.Cleanup(l.kill)
	time.Sleep(200 * time.Millisecond) // ffmpeg opens the socket
	return l
}

// kill ends ffmpeg at once (no SRT shutdown reaches the box).
func (l *srtListener) kill() {
	if l.cmd.ProcessState == nil {
		_ = l.cmd.Process.Signal(syscall.SIGKILL)
		_ = l.cmd.Wait()
	}
}

// srtBox starts a box publishing to url with the stream key as SRT stream
// id, and checks that the passphrase does not reach its log (startBox
// checks the key).
func srtBox(t *testing.T, s *setup, url string) *harness.Box {
	t.Helper()
	cfg, sock := s.config(t, url, streamKey, "")
	b := startBox(t, cfg, sock)
	t.Cleanup(func() {
		if strings.Contains(b.Log(), srtPass) {
			t.Errorf("the passphrase appears in pitchbox's log")
		}
	})
	return b
}

// noSecrets fails when the status shows the stream key or passphrase.
func noSecrets(t *testing.T, b *harness.Box) {
	t.Helper()
	out, err := b.CLI("status", "--json")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, srtPass) || strings.Contains(out, streamKey) {
		t.Errorf("status shows a secret: %s", out)
	}
}

// TestSRT publishes to an SRT listener: the recording has H.264 and AAC,
// with a keyframe every 2 s.
func TestSRT(t *testing.T) {
	s := newSetup(t, "")
	port, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	rec := filepath.Join(s.dir, "srt.ts")
	l := startSRTListener(t, port, srtPass, rec)
	b := srtBox(t, s, fmt.Sprintf("srt://127.0.0.1:%d?passphrase=%s&latency=200", port, srtPass))
	if err := b.WaitState("live", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	noSecrets(t, b)
	time.Sleep(9 * time.Second)
	stopBox(t, b)
	done := make(chan struct{})
	go func() { _ = l.cmd.Wait(); close(done) }() // ffmpeg ends when the caller hangs up
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = l.cmd.Process.Signal(syscall.SIGINT)
		<-done
	}
	var streams struct {
		Streams []struct {
			CodecName string `json:"codec_name"`
		} `json:"streams"`
	}
	ffprobeJSON(t, &streams, "-show_entries", "stream=codec_name", rec)
	var codecs []string
	for _, st := range streams.Streams {
		codecs = append(codecs, st.CodecName)
	}
	if got := strings.Join(codecs, ","); got != "h264,aac" && got != "aac,h264" {
		t.Fatalf("recording has streams %q, want h264 and aac", got)
	}
	checkKeyframes(t, rec)
}

// checkKeyframes wants keyframes 2 s apart in rec.
func checkKeyframes(t *testing.T, rec string) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "packet=pts_time,flags",
		"-of", "csv=p=0", rec).Output()
	if err != nil {
		t.Fatal(err)
	}
	var keys []float64
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, ",")
		if len(f) >= 2 && strings.HasPrefix(f[1], "K") {
			pts, _ := strconv.ParseFloat(f[0], 64)
			keys = append(keys, pts)
		}
	}
	if len(keys) < 4 {
		t.Fatalf("%d keyframes in the recording, want ≥ 4:\n%s", len(keys), out)
	}
	for i := 1; i < len(keys); i++ {
		if d := keys[i] - keys[i-1]; d < 1.9 || d > 2.1 {
			t.Errorf("keyframes at %.3f and %.3f s: %.3f s apart, want 2", keys[i-1], keys[i], d)
		}
	}
	t.Logf("keyframes at %v s", keys)
}

// TestSRTWrongPassphrase: the listener refuses the passphrase; the box
// says refused and does not retry in a tight loop.
func TestSRTWrongPassphrase(t *testing.T) {
	s := newSetup(t, "")
	port, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	startSRTListener(t, port, "the-listeners-own-passphrase", filepath.Join(s.dir, "none.ts"))
	b := srtBox(t, s, fmt.Sprintf("srt://127.0.0.1:%d?passphrase=%s", port, srtPass))
	if err := b.WaitState("refused", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	noSecrets(t, b)
	n0 := streamCounter(t, b, "reconnects")
	const window = 20 * time.Second
	time.Sleep(window)
	attempts := streamCounter(t, b, "reconnects") - n0
	t.Logf("%v more refused attempts in %v", attempts, window)
	if attempts > 2 {
		t.Errorf("%v attempts in %v after a refusal: a tight loop", attempts, window)
	}
	if st, _ := b.Status(); st["state"] != "refused" && st["state"] != "connecting" {
		t.Errorf("state %v, want refused", st["state"])
	}
	stopBox(t, b)
}

// TestSRTOutage kills the listener for 5 s: the box is live again within
// 3 s of its return.
func TestSRTOutage(t *testing.T) {
	s := newSetup(t, "")
	port, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	l := startSRTListener(t, port, srtPass, filepath.Join(s.dir, "before.ts"))
	b := srtBox(t, s, fmt.Sprintf("srt://127.0.0.1:%d?passphrase=%s", port, srtPass))
	if err := b.WaitState("live", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	connects := streamCounter(t, b, "connects")
	l.kill()
	time.Sleep(5 * time.Second)
	after := filepath.Join(s.dir, "after.ts")
	startSRTListener(t, port, srtPass, after)
	back := time.Now().Add(-200 * time.Millisecond) // before startSRTListener's pause
	live := waitLiveAgain(t, b, connects, back)
	got := live.Sub(back)
	t.Logf("live again %.2f s after the listener's return", got.Seconds())
	if got > 3*time.Second {
		t.Errorf("live again after %v, want within 3 s", got)
	}
	recording := false
	for deadline := time.Now().Add(10 * time.Second); !recording && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if fi, err := os.Stat(after); err == nil && fi.Size() > 0 {
			recording = true
			t.Logf("recording again %.2f s after the listener's return (ffmpeg probes its input first)", time.Since(back).Seconds())
		}
	}
	if !recording {
		t.Error("the returned listener received nothing in 10 s")
	}
	stopBox(t, b)
}
