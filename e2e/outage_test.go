//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/e2e/harness"
)

// TestTenOutages cuts the server ten times for 3 to 6 s, 6 s apart: after
// every return pitchbox is live again within 3 s (the backoff does not
// pile up from one outage to the next), and its memory stays flat.
func TestTenOutages(t *testing.T) {
	s := newSetup(t, "")
	b := s.liveBox(t, "outages", harness.Config{})
	outages := []time.Duration{3 * time.Second, 4500 * time.Millisecond, 6 * time.Second, 3500 * time.Millisecond,
		5 * time.Second, 4 * time.Second, 5500 * time.Millisecond, 3200 * time.Millisecond, 6 * time.Second, 4200 * time.Millisecond}
	var took []string
	var rss0 int64
	for i, outage := range outages {
		connects := streamCounter(t, b, "connects")
		s.nginx.Stop()
		time.Sleep(outage)
		back, err := s.nginx.StartTimed()
		if err != nil {
			t.Fatal(err)
		}
		live := waitLiveAgain(t, b, connects, back)
		if d := live.Sub(back); d > 3*time.Second {
			t.Errorf("outage %d of %v: live again %.2f s after the server's return, want within 3 s", i+1, outage, d.Seconds())
		}
		time.Sleep(time.Until(back.Add(6 * time.Second)))
		r := rss(t, b)
		if i == 0 {
			rss0 = r
		}
		took = append(took, fmt.Sprintf("%gs→%.2fs (RSS %d KiB)", outage.Seconds(), live.Sub(back).Seconds(), r>>10))
	}
	rss1 := rss(t, b)
	t.Logf("outage → live again after the server's return:\n%s", strings.Join(took, "\n"))
	t.Logf("RSS after the first recovery %d KiB, at the end %d KiB (%+d KiB)", rss0>>10, rss1>>10, (rss1-rss0)>>10)
	if d := rss1 - rss0; d > 5<<20 || d < -5<<20 {
		t.Errorf("RSS went from %d KiB to %d KiB over ten outages, want within ±5 MiB", rss0>>10, rss1>>10)
	}
	// Each retry is counted as it is scheduled (honest while
	// reconnecting): at least one per outage; each outage is one more
	// session.
	if n := streamCounter(t, b, "reconnects"); n < float64(len(outages)) {
		t.Errorf("status counts %v reconnects, want at least %d", n, len(outages))
	}
	if n := streamCounter(t, b, "connects"); n != float64(len(outages)+1) {
		t.Errorf("status counts %v sessions, want %d", n, len(outages)+1)
	}
	// The stream plays from the server after the last outage.
	if err := harness.PullFrame(context.Background(), s.nginx.URL()+streamKey, filepath.Join(s.dir, "end.png"), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	stopBox(t, b)
}

// streamCounter reads one number from the status's stream part.
func streamCounter(t *testing.T, b *harness.Box, key string) float64 {
	t.Helper()
	st, err := b.APIStatus()
	if err != nil {
		t.Fatal(err)
	}
	n, _ := st["stream"].(map[string]any)[key].(float64)
	return n
}

// waitLiveAgain waits until the box has connected again since it counted
// connects, and returns when its new session went live (the status's
// stream.live_since, stamped by the box).
func waitLiveAgain(t *testing.T, b *harness.Box, connects float64, back time.Time) time.Time {
	t.Helper()
	for time.Since(back) < 15*time.Second {
		st, err := b.APIStatus()
		if err != nil {
			t.Fatal(err)
		}
		ss, _ := st["stream"].(map[string]any)
		if n, _ := ss["connects"].(float64); n > connects && ss["state"] == "live" {
			since, err := time.Parse(time.RFC3339Nano, ss["live_since"].(string))
			if err != nil {
				t.Fatal(err)
			}
			return since
		}
		// The time comes from the box; polling faster would only make
		// garbage in the box that the RSS check then sees.
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("not live again within 15 s of the server's return:\n%s", b.Log())
	return time.Time{}
}

func rss(t *testing.T, b *harness.Box) int64 {
	t.Helper()
	n, err := harness.RSS(b.Pid())
	if err != nil {
		t.Fatal(err)
	}
	return n
}
