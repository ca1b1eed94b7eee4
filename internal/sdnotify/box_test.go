package sdnotify

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/box"
	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/encode/x264"
	"github.com/pitchbox/pitchbox/internal/wait"
)

// TestWatchdogOnARealBox runs the box on its test pattern, recording with
// x264, under a watchdog on a fake clock and a fake NOTIFY_SOCKET:
// READY=1 comes once frames are captured, WATCHDOG=1 on every step while
// they are captured and encoded, STATUS= says "recording, … fps, … kbps",
// and once the box's pipeline has stopped the pings stop.
func TestWatchdogOnARealBox(t *testing.T) {
	if !x264.Available {
		t.Fatal("this test needs the x264 backend (cgo + libx264-dev)")
	}
	s := newNotifySocket(t)
	c, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cfg := config.Defaults()
	cfg.StateDir = t.TempDir()
	cfg.Camera.Device = "testpattern"
	cfg.Camera.Width, cfg.Camera.Height, cfg.Camera.FPS = 320, 240, 30
	cfg.Encoder.BitrateKbps = 500
	cfg.Display.Device, cfg.Audio.Device = "none", "none"
	b, err := box.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	bctx, stopBox := context.WithCancel(context.Background())
	boxDone := make(chan error, 1)
	go func() { boxDone <- b.Run(bctx) }()
	endBox := sync.OnceValue(func() error { stopBox(); return <-boxDone })
	defer endBox()

	clock := newFakeClock()
	w := New(Options{Conn: c, Status: b.Status, Timeout: 15 * time.Second, Clock: clock})
	stepped := make(chan Report)
	w.stepped = stepped
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	defer func() { cancel(); <-done }()

	var statuses []string
	tick := func(tk fakeTicker) Report {
		tk.ticks <- time.Now()
		r := <-stepped
		if r.Msg != "" {
			if got := s.next(); got != r.Msg {
				t.Fatalf("systemd got %q, the watchdog sent %q", got, r.Msg)
			}
			for _, l := range strings.Split(r.Msg, "\n") {
				if st, ok := strings.CutPrefix(l, "STATUS="); ok {
					statuses = append(statuses, st)
				}
			}
		} else {
			s.none()
		}
		return r
	}
	ready := clock.ticker(t)
	wait.For(t, 10*time.Second, "READY=1", func() bool { return strings.HasPrefix(tick(ready).Msg, "READY=1") })
	ping := clock.ticker(t)
	// Rates are measured over a second or more.
	wait.For(t, 10*time.Second, "the recording to be live with its rates measured", func() bool {
		st := b.Status()
		return st.State == control.Live && st.FPS > 0 && st.BitrateKbps > 0
	})
	for i := range 5 {
		last := b.Status().Totals
		wait.For(t, 10*time.Second, "frames captured and encoded", func() bool {
			now := b.Status().Totals
			return now.Captured > last.Captured && now.Encoded > last.Encoded
		})
		if r := tick(ping); !r.Ping {
			t.Fatalf("step %d while frames flow: no ping (%+v)", i, r)
		}
	}
	var fps, kbps float64
	if _, err := fmt.Sscanf(statuses[len(statuses)-1], "recording, %f fps, %f kbps", &fps, &kbps); err != nil || fps < 20 || fps > 40 || kbps <= 0 {
		t.Fatalf("STATUS lines %q, want the last to say recording at about 30 fps (%v)", statuses, err)
	}
	t.Logf("STATUS lines: %q", statuses)

	if err := endBox(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if r := tick(ping); r.Ping || r.Stalled != "no frame captured" {
			t.Fatalf("the pipeline has stopped, yet %+v", r)
		}
	}
}
