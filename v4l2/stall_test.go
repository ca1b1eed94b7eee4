package v4l2

import (
	"testing"
	"time"
)

// TestStallWatch: the first frame may take up to FirstFrame, the next
// ones StallAfter; each good frame starts the count again.
func TestStallWatch(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var w stallWatch
	w.start(func() time.Time { return now })
	step := func(d time.Duration, want bool) {
		t.Helper()
		now = now.Add(d)
		if got, after := w.stalled(); got != want {
			t.Fatalf("stalled = %v after %v, want %v", got, after, want)
		}
	}
	step(4900*time.Millisecond, false)
	step(100*time.Millisecond, true)
	w.good()
	step(1400*time.Millisecond, false)
	w.good()
	step(1400*time.Millisecond, false)
	step(100*time.Millisecond, true)
}
