package sdnotify

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/box"
	"github.com/pitchbox/pitchbox/box/boxtest"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/internal/wait"
)

// runTestBox runs a box on the test pattern, recording with x264; end
// stops it and returns Run's error.
func runTestBox(t *testing.T) (b *box.Box, end func() error) {
	return boxtest.Run(t, boxtest.Config(t), nil)
}

// TestWatchdogOnARealBox runs the box on its test pattern, recording with
// x264, under a watchdog on a fake clock and a fake NOTIFY_SOCKET:
// READY=1 comes once frames are captured, WATCHDOG=1 on every step while
// they are captured and encoded, STATUS= says "recording, … fps, … kbps",
// and once the box's pipeline has stopped the pings stop.
func TestWatchdogOnARealBox(t *testing.T) {
	b, endBox := runTestBox(t)
	h := startWatchdog(t, b.Status, 15*time.Second)
	ready := h.clock.ticker(t)
	wait.For(t, 10*time.Second, "READY=1", func() bool { return strings.HasPrefix(h.tick(ready).Msg, "READY=1") })
	ping := h.clock.ticker(t)
	// Rates are measured over a second or more.
	wait.For(t, 10*time.Second, "the recording to be live with its rates measured", func() bool {
		st := b.Status()
		return st.State == control.Recording && st.FPS > 0 && st.BitrateKbps > 0
	})
	for i := range 5 {
		last := b.Status().Totals
		wait.For(t, 10*time.Second, "frames captured and encoded", func() bool {
			now := b.Status().Totals
			return now.Captured > last.Captured && now.Encoded > last.Encoded
		})
		if r := h.tick(ping); !r.Ping {
			t.Fatalf("step %d while frames flow: no ping (%+v)", i, r)
		}
	}
	var fps, kbps float64
	last := h.statuses[len(h.statuses)-1]
	if _, err := fmt.Sscanf(last, "recording, %f fps, %f kbps", &fps, &kbps); err != nil || fps < 20 || fps > 40 || kbps <= 0 {
		t.Fatalf("STATUS lines %q, want the last to say recording at about 30 fps (%v)", h.statuses, err)
	}
	t.Logf("STATUS lines: %q", h.statuses)
	if err := endBox(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if r := h.tick(ping); r.Ping || r.Stalled != "no frame captured" {
			t.Fatalf("the pipeline has stopped, yet %+v", r)
		}
	}
}
