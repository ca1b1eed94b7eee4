package sdnotify

import (
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/control"
)

func TestSendToPathAndAbstractSocket(t *testing.T) {
	s := newNotifySocket(t)
	c, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Send("READY=1"); err != nil {
		t.Fatal(err)
	}
	if got := s.next(); got != "READY=1" {
		t.Fatalf("got %q", got)
	}

	name := fmt.Sprintf("@pitchbox-sdnotify-test-%d", os.Getpid())
	ln, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	t.Setenv("NOTIFY_SOCKET", name)
	a, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Send("STATUS=idle"); err != nil {
		t.Fatal(err)
	}
	abs := &notifySocket{t: t, ln: ln}
	if got := abs.next(); got != "STATUS=idle" {
		t.Fatalf("abstract socket got %q", got)
	}
}

func TestNoSocketDoesNothing(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	c, err := Open()
	if c != nil || err != nil {
		t.Fatalf("Open = %v, %v; want nil, nil", c, err)
	}
	if err := c.Send("READY=1"); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Dial("vsock:2:1234"); err == nil || !strings.HasPrefix(err.Error(), "sdnotify: ") {
		t.Fatalf("vsock address: %v", err)
	}
}

func TestWatchdogTimeout(t *testing.T) {
	for _, tc := range []struct {
		usec, pid string
		want      time.Duration
		bad       bool
	}{
		{"", "", 0, false},
		{"15000000", "", 15 * time.Second, false},
		{"15000000", fmt.Sprint(os.Getpid()), 15 * time.Second, false},
		{"15000000", "1", 0, false}, // meant for another process
		{"soon", "", 0, true},
		{"0", "", 0, true},
	} {
		t.Setenv("WATCHDOG_USEC", tc.usec)
		t.Setenv("WATCHDOG_PID", tc.pid)
		got, err := WatchdogTimeout()
		if got != tc.want || (err != nil) != tc.bad {
			t.Errorf("WATCHDOG_USEC=%q WATCHDOG_PID=%q: %v, %v", tc.usec, tc.pid, got, err)
		}
	}
}

// step runs one step and checks the datagram it sent (want, "" for none)
// against what the fake systemd received.
func step(t *testing.T, w *Watchdog, s *notifySocket, want string) Report {
	t.Helper()
	r := w.Step()
	if r.Msg != want {
		t.Fatalf("step sent %q, want %q (report %+v)", r.Msg, want, r)
	}
	if want == "" {
		s.none()
	} else if got := s.next(); got != want {
		t.Fatalf("systemd got %q, want %q", got, want)
	}
	return r
}

// TestWatchdogStepsOnTheFrames steps a watchdog on a fake box: READY=1
// once frames are captured, WATCHDOG=1 on every step while they flow,
// none while the capture stage is blocked (or the encoder while live),
// STATUS= with the state in words whenever it changes.
func TestWatchdogStepsOnTheFrames(t *testing.T) {
	s := newNotifySocket(t)
	c, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b := &fakeBox{st: control.Status{State: control.Off, FPS: 30}}
	w := New(Options{Conn: c, Status: b.Status, Timeout: 15 * time.Second})
	step(t, w, s, "STATUS=starting: waiting for the first frames")
	step(t, w, s, "") // still no frame: nothing to say
	b.frames(3)
	step(t, w, s, "READY=1\nSTATUS=off, 30.0 fps")
	for range 3 {
		b.frames(150) // 5 s at 30 fps
		step(t, w, s, "WATCHDOG=1")
	}
	b.change(func(st *control.Status) { st.State, st.FPS, st.BitrateKbps = control.Live, 29.94, 2500.4 })
	b.frames(150)
	step(t, w, s, "WATCHDOG=1\nSTATUS=live, 29.9 fps, 2500 kbps")
	b.change(func(st *control.Status) {
		st.State, st.Recording = control.Recording, "/var/lib/pitchbox/recordings/x.flv"
	})
	b.frames(150)
	step(t, w, s, "WATCHDOG=1\nSTATUS=recording, 29.9 fps, 2500 kbps")

	// The capture stage blocks: 15 s of steps without a ping.
	for range 3 {
		if r := step(t, w, s, ""); r.Ping || r.Stalled != "no frame captured" {
			t.Fatalf("blocked capture: %+v", r)
		}
	}
	b.frames(150)
	step(t, w, s, "WATCHDOG=1")
	// The encoder blocks while recording: frames are captured, none encoded.
	b.change(func(st *control.Status) { st.Totals.Captured += 150 })
	if r := step(t, w, s, ""); r.Ping || r.Stalled != "no frame encoded while recording" {
		t.Fatalf("blocked encoder: %+v", r)
	}
	// Idle, frames need not be encoded.
	b.change(func(st *control.Status) {
		st.State, st.Recording, st.Totals.Captured = control.Off, "", st.Totals.Captured+150
	})
	step(t, w, s, "WATCHDOG=1\nSTATUS=off, 29.9 fps")
	b.change(func(st *control.Status) {
		st.State = control.Reconnecting
		st.Stream = &control.StreamStatus{State: control.Reconnecting, LastError: "stream: dial ingest.example:443:\nconnection refused"}
		st.Camera = control.CameraLost
	})
	b.frames(150)
	step(t, w, s, "WATCHDOG=1\nSTATUS=reconnecting: stream: dial ingest.example:443: connection refused; camera lost, showing the slate")
}

// TestWatchdogRun runs a watchdog on a fake clock as systemd starts it
// (WATCHDOG_USEC=15 s): it looks for frames every 100 ms until READY=1,
// then steps every 5 s, pinging while frames flow and not while the
// capture stage is blocked, and says STOPPING=1 when its context ends.
func TestWatchdogRun(t *testing.T) {
	t.Setenv("WATCHDOG_USEC", "15000000")
	timeout, err := WatchdogTimeout()
	if err != nil {
		t.Fatal(err)
	}
	b := &fakeBox{st: control.Status{State: control.Live, FPS: 30, BitrateKbps: 2500}}
	h := startWatchdog(t, b.Status, timeout)
	ready := h.clock.ticker(t)
	if ready.every != ReadyEvery {
		t.Fatalf("ready ticker every %v", ready.every)
	}
	h.tickWant(ready, "STATUS=starting: waiting for the first frames")
	b.frames(2)
	h.tickWant(ready, "READY=1\nSTATUS=live, 30.0 fps, 2500 kbps")
	<-ready.stopped
	ping := h.clock.ticker(t)
	if ping.every != 5*time.Second {
		t.Fatalf("ping ticker every %v, want WatchdogSec/3 = 5s", ping.every)
	}
	for range 3 {
		b.frames(150)
		h.tickWant(ping, "WATCHDOG=1")
	}
	for range 4 { // 20 s: systemd would have restarted the box
		if r := h.tickWant(ping, ""); r.Stalled == "" {
			t.Fatalf("pinged with the capture stage blocked: %+v", r)
		}
	}
	h.stop()
	if got := h.s.next(); got != "STOPPING=1\nSTATUS=stopping" {
		t.Fatalf("at the end systemd got %q", got)
	}
	<-ping.stopped
}
