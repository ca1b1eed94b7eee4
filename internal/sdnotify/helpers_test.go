package sdnotify

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/control"
)

// notifySocket is a fake systemd: a unixgram socket in a temporary
// folder, set as $NOTIFY_SOCKET for the test.
type notifySocket struct {
	t  *testing.T
	ln *net.UnixConn
}

func newNotifySocket(t *testing.T) *notifySocket {
	path := filepath.Join(t.TempDir(), "notify.sock")
	ln, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	return &notifySocket{t: t, ln: ln}
}

// next is the next datagram, waited for up to 10 s.
func (s *notifySocket) next() string {
	s.t.Helper()
	buf := make([]byte, 4096)
	s.ln.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := s.ln.Read(buf)
	if err != nil {
		s.t.Fatalf("no notification: %v", err)
	}
	return string(buf[:n])
}

// none fails the test if a datagram is waiting: it looks without waiting,
// so it is meant for after the sender has returned.
func (s *notifySocket) none() {
	s.t.Helper()
	rc, err := s.ln.SyscallConn()
	if err != nil {
		s.t.Fatal(err)
	}
	buf := make([]byte, 4096)
	var n int
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		n, _, rerr = syscall.Recvfrom(int(fd), buf, syscall.MSG_DONTWAIT)
		return true
	})
	if err != nil {
		s.t.Fatal(err)
	}
	switch {
	case rerr == nil:
		s.t.Fatalf("unexpected notification %q", buf[:n])
	case !errors.Is(rerr, syscall.EAGAIN):
		s.t.Fatal(rerr)
	}
}

// fakeBox is a status source whose counters the test moves.
type fakeBox struct {
	mu sync.Mutex
	st control.Status
}

func (b *fakeBox) Status() control.Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.st
}

// change changes the status under the lock.
func (b *fakeBox) change(f func(st *control.Status)) {
	b.mu.Lock()
	f(&b.st)
	b.mu.Unlock()
}

// frames moves the counters on: n frames captured and, while live, n
// encoded.
func (b *fakeBox) frames(n uint64) {
	b.change(func(st *control.Status) {
		st.Totals.Captured += n
		if st.State.Trying() {
			st.Totals.Encoded += n
		}
	})
}

// fakeClock hands out tickers the test ticks by hand.
type fakeClock struct {
	made chan fakeTicker
}

type fakeTicker struct {
	every   time.Duration
	ticks   chan time.Time
	stopped chan struct{}
}

func newFakeClock() *fakeClock { return &fakeClock{made: make(chan fakeTicker, 4)} }

func (c *fakeClock) Ticker(d time.Duration) (<-chan time.Time, func()) {
	t := fakeTicker{every: d, ticks: make(chan time.Time), stopped: make(chan struct{})}
	c.made <- t
	var once sync.Once
	return t.ticks, func() { once.Do(func() { close(t.stopped) }) }
}

// ticker is the next ticker the watchdog made.
func (c *fakeClock) ticker(t *testing.T) fakeTicker {
	t.Helper()
	select {
	case tk := <-c.made:
		return tk
	case <-time.After(10 * time.Second):
		t.Fatal("the watchdog made no ticker")
	}
	return fakeTicker{}
}

// harness runs a Watchdog on a fake clock against a fake systemd.
type harness struct {
	t        *testing.T
	s        *notifySocket
	clock    *fakeClock
	stepped  chan Report
	statuses []string // every STATUS= sent
	stop     func()   // ends Run and waits for it
}

// startWatchdog runs a watchdog over status with systemd's timeout until
// the test ends (or stop).
func startWatchdog(t *testing.T, status func() control.Status, timeout time.Duration) *harness {
	h := &harness{t: t, s: newNotifySocket(t), clock: newFakeClock(), stepped: make(chan Report)}
	c, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	w := New(Options{Conn: c, Status: status, Timeout: timeout, Clock: h.clock})
	w.stepped = h.stepped
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	h.stop = sync.OnceFunc(func() { cancel(); <-done; c.Close() })
	t.Cleanup(h.stop)
	return h
}

// tick ticks tk, waits for the step, and checks that systemd got exactly
// what the step sent.
func (h *harness) tick(tk fakeTicker) Report {
	h.t.Helper()
	tk.ticks <- time.Now()
	r := <-h.stepped
	if r.Msg == "" {
		h.s.none()
		return r
	}
	if got := h.s.next(); got != r.Msg {
		h.t.Fatalf("systemd got %q, the watchdog sent %q", got, r.Msg)
	}
	for _, l := range strings.Split(r.Msg, "\n") {
		if st, ok := strings.CutPrefix(l, "STATUS="); ok {
			h.statuses = append(h.statuses, st)
		}
	}
	return r
}

// tickWant ticks tk and checks the step sent want ("" for nothing).
func (h *harness) tickWant(tk fakeTicker, want string) Report {
	h.t.Helper()
	r := h.tick(tk)
	if r.Msg != want {
		h.t.Fatalf("sent %q, want %q (%+v)", r.Msg, want, r)
	}
	return r
}
