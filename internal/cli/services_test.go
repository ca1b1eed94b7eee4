package cli

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/encode/x264"
	"github.com/pitchbox/pitchbox/internal/syncbuf"
)

// runUnderSystemd runs `pitchbox run` on the test pattern with metrics on
// listen, as systemd would start it (NOTIFY_SOCKET, WATCHDOG_USEC of
// 0.6 s): it checks READY=1 and two watchdog pings arrive, calls during
// with the log so far, then interrupts the box and checks STOPPING=1 and
// a clean exit. It returns the log.
func runUnderSystemd(t *testing.T, listen string, during func(log *syncbuf.Buffer)) string {
	dir := t.TempDir()
	sock := filepath.Join(dir, "notify.sock")
	ln, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	t.Setenv("NOTIFY_SOCKET", sock)
	t.Setenv("WATCHDOG_USEC", "600000")
	t.Setenv("WATCHDOG_PID", "")
	cfg := filepath.Join(dir, "pitchbox.toml")
	toml := fmt.Sprintf("state_dir = %q\n[camera]\ndevice = \"testpattern\"\nwidth = 320\nheight = 240\n"+
		"[audio]\ndevice = \"none\"\n[display]\ndevice = \"none\"\n[metrics]\nlisten = %q\n", filepath.Join(dir, "state"), listen)
	os.WriteFile(cfg, []byte(toml), 0o644)
	var stdout io.Writer = io.Discard
	log := &syncbuf.Buffer{}
	code := make(chan int, 1)
	go func() {
		code <- Main([]string{"run", "--config", cfg, "--socket", filepath.Join(dir, "c.sock"), "--listen", "off"}, stdout, log)
	}()
	next := func(want string) {
		t.Helper()
		buf := make([]byte, 4096)
		for {
			ln.SetReadDeadline(time.Now().Add(20 * time.Second))
			n, err := ln.Read(buf)
			if err != nil {
				t.Fatalf("no %s from the box: %v\nlog:\n%s", want, err, log)
			}
			if strings.Contains(string(buf[:n]), want) {
				return
			}
		}
	}
	next("READY=1")
	next("WATCHDOG=1")
	next("WATCHDOG=1")
	during(log)
	syscall.Kill(os.Getpid(), syscall.SIGINT) // the box has its handler: READY=1 came after it
	next("STOPPING=1")
	select {
	case c := <-code:
		if c != ExitOK {
			t.Fatalf("exit %d; log:\n%s", c, log)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the box did not stop; log:\n%s", log)
	}
	return log.String()
}

// TestRunTellsSystemdAndServesMetrics runs the box as systemd would: it
// says READY=1, pings the watchdog and says STOPPING=1 when interrupted,
// and serves its metrics on the [metrics] address.
func TestRunTellsSystemdAndServesMetrics(t *testing.T) {
	if !x264.Available {
		t.Fatal("this test needs the x264 backend (cgo + libx264-dev)")
	}
	runUnderSystemd(t, "127.0.0.1:0", func(log *syncbuf.Buffer) {
		m := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+/metrics)`).FindStringSubmatch(log.String())
		if m == nil {
			t.Fatalf("the log names no metrics address:\n%s", log)
		}
		resp, err := http.Get(m[1])
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.Contains(string(body), "\npitchbox_frames_captured_total ") {
			t.Fatalf("GET %s: %s\n%s", m[1], resp.Status, body)
		}
	})
}

// TestRunWithMetricsPortTaken: a metrics port that is taken is logged,
// and the box runs on (READY=1, pings).
func TestRunWithMetricsPortTaken(t *testing.T) {
	if !x264.Available {
		t.Fatal("this test needs the x264 backend (cgo + libx264-dev)")
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	log := runUnderSystemd(t, taken.Addr().String(), func(*syncbuf.Buffer) {})
	if !strings.Contains(log, "metrics: not served; the box runs without them") || !strings.Contains(log, "metrics.listen") {
		t.Fatalf("the taken port is not in the log:\n%s", log)
	}
}
