package stream

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/internal/backoff"
)

// fakeClock is virtual time: the publisher's timers are handed to the
// test, which moves the time on and fires them.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers chan fakeTimer
}

type fakeTimer struct {
	d    time.Duration
	fire chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC), timers: make(chan fakeTimer, 64)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) (<-chan time.Time, func() bool) {
	t := fakeTimer{d: d, fire: make(chan time.Time, 1)}
	c.timers <- t
	return t.fire, func() bool { return true }
}

// nextTimer returns the timer the publisher waits on next.
func (c *fakeClock) nextTimer(t *testing.T) fakeTimer {
	t.Helper()
	select {
	case tm := <-c.timers:
		return tm
	case <-time.After(5 * time.Second):
		t.Fatal("the publisher never started a timer")
	}
	return fakeTimer{}
}

// TestPublisherRejectedRetriesSlowly: after a refusal the publisher waits
// out the slow backoff without trying again.
func TestPublisherRejectedRetriesSlowly(t *testing.T) {
	clk := newFakeClock()
	d := &fakeDest{openErr: &RejectedError{Reason: "bad key"}}
	p := newPublisher(d, Options{
		Logger:          quiet,
		Backoff:         backoff.Backoff{Min: time.Millisecond, Max: time.Millisecond},
		RejectedBackoff: backoff.Backoff{Min: time.Hour, Max: time.Hour},
	}, clk)
	defer p.Close()
	p.Submit(videoPacket(0, true))
	// Once the publisher waits on its timer it cannot try again: the
	// timer only fires when the test says so.
	tm := clk.nextTimer(t)
	if tm.d < 30*time.Minute {
		t.Fatalf("retry in %v after a refusal, want the slow backoff (≥ 30 min)", tm.d)
	}
	if opens, _ := d.state(); opens != 1 {
		t.Fatalf("%d attempts after a refusal, want 1", opens)
	}
	st := p.Status()
	if st.State != Rejected || !strings.Contains(st.LastError, "bad key") || !st.NextAttempt.Equal(clk.Now().Add(tm.d)) {
		t.Fatalf("status %+v, want rejected, the reason, and the next attempt %v away", st, tm.d)
	}
}
