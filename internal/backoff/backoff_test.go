package backoff

import (
	"testing"
	"time"
)

func TestBackoffGrowsWithJitterToCap(t *testing.T) {
	for _, r := range []float64{0, 0.5, 0.999} {
		b := Backoff{Min: time.Second, Max: 8 * time.Second, Rand: func() float64 { return r }}
		step := time.Second
		for i := 0; i < 8; i++ {
			d := b.Next()
			if d < step/2 || d > step {
				t.Fatalf("r=%v attempt %d: %v outside [%v, %v]", r, i, d, step/2, step)
			}
			step = min(step*2, 8*time.Second)
		}
		b.Reset()
		if d := b.Next(); d > time.Second {
			t.Fatalf("after Reset: %v", d)
		}
	}
}

// TestBackoffAfterShortOutage: whatever the jitter, after an outage of 5 s
// of instant failures the next attempt comes within 3 s of the return.
func TestBackoffAfterShortOutage(t *testing.T) {
	for _, r := range []float64{0, 0.5, 0.999} {
		b := Backoff{Min: 250 * time.Millisecond, Max: 30 * time.Second, Factor: 1.5, Rand: func() float64 { return r }}
		var at time.Duration
		for at < 5*time.Second {
			at += b.Next()
		}
		if at-5*time.Second > 2*time.Second {
			t.Fatalf("r=%v: first attempt after the return at %v", r, at)
		}
	}
}
