package box

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/encode/x264"
	"github.com/pitchbox/pitchbox/internal/wait"
)

// watchTotals reads status as fast as it can until the test ends and
// fails the test if any total ever went back.
func watchTotals(t *testing.T, b *Box) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var last control.Totals
		for n := 0; ctx.Err() == nil; n++ {
			cur := b.Status().Totals
			if back := wentBack(last, cur); back != "" {
				t.Errorf("read %d: %s went back: %+v after %+v", n, back, cur, last)
				return
			}
			last = cur
		}
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
}

// wentBack names a counter of cur that is below the one in last, or "".
func wentBack(last, cur control.Totals) string {
	switch {
	case cur.Captured < last.Captured:
		return "captured"
	case cur.Encoded < last.Encoded:
		return "encoded"
	case cur.SentBytes < last.SentBytes:
		return "sent bytes"
	case cur.Reconnects < last.Reconnects:
		return "reconnects"
	}
	for k, v := range last.Dropped {
		if cur.Dropped[k] < v {
			return "dropped[" + k + "]"
		}
	}
	for k, v := range last.Shows {
		if cur.Shows[k] < v {
			return "shows[" + k + "]"
		}
	}
	return ""
}

// TestTotalsSurviveRebuildsAndSessions records on the test pattern,
// rebuilds the pipeline and starts a new session, while another goroutine
// reads status all the time: the totals never go back, they include what
// the first pipeline and session counted, and every show is counted.
func TestTotalsSurviveRebuildsAndSessions(t *testing.T) {
	if !x264.Available {
		t.Fatal("this test needs the x264 backend (cgo + libx264-dev)")
	}
	b, err := New(testConfig(t), quietLog())
	if err != nil {
		t.Fatal(err)
	}
	watchTotals(t, b)
	runBox(t, b)
	sent := func() bool { return b.Status().Totals.SentBytes > 5000 }
	wait.For(t, 10*time.Second, "5 kB recorded", sent)
	for range 2 {
		if err := b.Show("buy", "test"); err != nil {
			t.Fatal(err)
		}
	}
	before := b.Status().Totals
	b.Restart()
	wait.For(t, 10*time.Second, "the rebuilt pipeline to capture", func() bool {
		st := b.Status()
		return b.Builds() == 2 && st.Captured > 0 && st.Totals.Captured > before.Captured
	})
	st := b.Status()
	if st.Totals.Captured < before.Captured+st.Captured || st.Totals.SentBytes < before.SentBytes {
		t.Fatalf("after the rebuild: totals %+v, pipeline captured %d; before %+v", st.Totals, st.Captured, before)
	}
	b.StopLive("test")
	stopped := b.Status().Totals.SentBytes
	if err := b.GoLive("test"); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 10*time.Second, "the new session to record", func() bool {
		st := b.Status()
		return st.Stream != nil && st.Stream.SentBytes > 0 && st.Totals.SentBytes > stopped
	})
	st = b.Status()
	if st.Totals.SentBytes < stopped+st.Stream.SentBytes {
		t.Fatalf("sent bytes total %d, want at least %d before the session and its %d", st.Totals.SentBytes, stopped, st.Stream.SentBytes)
	}
	if got := st.Totals.Shows["buy"]; got != 2 {
		t.Fatalf("shows of buy = %d, want 2 (%v)", got, st.Totals.Shows)
	}
	if _, ok := st.Totals.Dropped["capture"]; !ok {
		t.Fatalf("no capture stage among the dropped counters: %v", st.Totals.Dropped)
	}
}
