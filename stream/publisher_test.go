package stream

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/internal/backoff"
	"github.com/pitchbox/pitchbox/internal/wait"
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

func (c *fakeClock) advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
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

// outageDest refuses connections while the server is down, in virtual
// time, and hands out each session it opens.
type outageDest struct {
	clk      *fakeClock
	mu       sync.Mutex
	upAt     time.Time
	opens    []time.Time
	sessions chan *fakeSession
}

func (d *outageDest) String() string { return "outage" }

func (d *outageDest) Open(_ context.Context, h Header) (Session, error) {
	now := d.clk.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.opens = append(d.opens, now)
	if now.Before(d.upAt) {
		return nil, errors.New("connection refused")
	}
	s := &fakeSession{done: make(chan struct{}), sps: string(h.SPS)}
	d.sessions <- s
	return s, nil
}

func (d *outageDest) down(until time.Time) {
	d.mu.Lock()
	d.upAt = until
	d.mu.Unlock()
}

// keyframeFeed answers the publisher's keyframe requests as an encoder
// would, with the next keyframe.
type keyframeFeed struct {
	pub atomic.Pointer[Publisher]
	pts atomic.Int64
}

func (f *keyframeFeed) request() {
	if p := f.pub.Load(); p != nil {
		p.Submit(videoPacket(time.Duration(f.pts.Add(int64(time.Second))), true))
	}
}

// TestPublisherBackoffStartsOverOnceMediaFlows: ten outages of 3 to 6 s,
// 6 s apart. After each, the publisher is back at most about half the
// outage after the server (the backoff starts over from Min once a
// session has delivered a second of media), not ever later as the outages
// add up.
func TestPublisherBackoffStartsOverOnceMediaFlows(t *testing.T) {
	outages := []time.Duration{3 * time.Second, 5500 * time.Millisecond, 4 * time.Second, 6 * time.Second,
		3500 * time.Millisecond, 5 * time.Second, 3 * time.Second, 6 * time.Second, 4500 * time.Millisecond, 3200 * time.Millisecond}
	for _, jitter := range []string{"0", "0.5", "0.999", "random"} {
		rnd := rand.New(rand.NewPCG(1, 2))
		r, _ := strconv.ParseFloat(jitter, 64)
		clk := newFakeClock()
		d := &outageDest{clk: clk, sessions: make(chan *fakeSession, 1)}
		feed := &keyframeFeed{}
		p := newPublisher(d, Options{Logger: quiet, RequestKeyframe: feed.request,
			Backoff: backoff.Backoff{Rand: func() float64 {
				if jitter == "random" {
					return rnd.Float64()
				}
				return r
			}}}, clk)
		feed.pub.Store(p)
		feed.request()
		s := <-d.sessions
		var worst time.Duration
		for i, outage := range outages {
			// The session delivers a second of media, then the server goes
			// away for the outage, 6 s later.
			wait.For(t, 5*time.Second, "the session's first keyframe", func() bool { n, _, _ := s.counts(); return n > 0 })
			p.Submit(videoPacket(time.Duration(feed.pts.Add(int64(time.Second))), false))
			wait.For(t, 5*time.Second, "a second of stream", func() bool { n, _, _ := s.counts(); return n > 1 })
			back := clk.advance(6 * time.Second).Add(outage)
			d.down(back)
			close(s.done)
			s = awaitSession(t, clk, d)
			d.mu.Lock()
			late := d.opens[len(d.opens)-1].Sub(back)
			d.mu.Unlock()
			worst = max(worst, late)
			if late > outage/2+250*time.Millisecond {
				t.Errorf("jitter %s: outage %d of %v: next attempt %v after the server's return, want ≤ half the outage + 250 ms",
					jitter, i+1, outage, late)
			}
		}
		p.Close()
		t.Logf("jitter %s: back at most %v after the server's return", jitter, worst)
	}
}

// TestDefaultBackoffAfterAnOutageWhateverTheJitter: with the default
// backoff, each delay is at most half the time waited before it plus Min,
// for any jitter: every earlier delay as short as the jitter allows, this
// one as long. So after an outage of T (the attempt at S < T failed) the
// next attempt comes at most T/2 + Min after the server's return.
func TestDefaultBackoffAfterAnOutageWhateverTheJitter(t *testing.T) {
	b := Options{}.withDefaults().Backoff
	short, long := b, b
	short.Rand = func() float64 { return 0 }
	long.Rand = func() float64 { return 1 - 1e-12 }
	var waited time.Duration
	for k := 1; k <= 40; k++ {
		if d := long.Next(); d > waited/2+b.Min+time.Millisecond {
			t.Fatalf("attempt %d: a delay of %v after waiting %v, want ≤ %v", k, d, waited, waited/2+b.Min)
		}
		waited += short.Next()
	}
}

// awaitSession fires the publisher's backoff timers, moving virtual time
// on by each, until it opens a session.
func awaitSession(t *testing.T, clk *fakeClock, d *outageDest) *fakeSession {
	t.Helper()
	for {
		select {
		case s := <-d.sessions:
			return s
		case tm := <-clk.timers:
			clk.advance(tm.d)
			tm.fire <- clk.Now()
		case <-time.After(5 * time.Second):
			t.Fatal("the publisher neither waited nor connected")
		}
	}
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
	if st.State != Refused || !strings.Contains(st.LastError, "bad key") || !st.NextAttempt.Equal(clk.Now().Add(tm.d)) {
		t.Fatalf("status %+v, want rejected, the reason, and the next attempt %v away", st, tm.d)
	}
}

// TestPublisherBackoffGrowsWhenSessionsDieAtOnce: a server that takes the
// first keyframe and drops the connection at once is not retried every
// 0.25 s: a session must deliver a second of stream before the backoff
// starts over.
func TestPublisherBackoffGrowsWhenSessionsDieAtOnce(t *testing.T) {
	clk := newFakeClock()
	d := &outageDest{clk: clk, sessions: make(chan *fakeSession, 1)}
	feed := &keyframeFeed{}
	p := newPublisher(d, Options{Logger: quiet, RequestKeyframe: feed.request,
		Backoff: backoff.Backoff{Rand: func() float64 { return 0.999 }}}, clk)
	defer p.Close()
	feed.pub.Store(p)
	feed.request()
	s := <-d.sessions
	for i := 0; i < 8; i++ {
		wait.For(t, 5*time.Second, "the session's first keyframe", func() bool { n, _, _ := s.counts(); return n > 0 })
		close(s.done)
		s = awaitSession(t, clk, d)
	}
	d.mu.Lock()
	gaps := make([]time.Duration, 0, len(d.opens)-1)
	for i := 1; i < len(d.opens); i++ {
		gaps = append(gaps, d.opens[i].Sub(d.opens[i-1]))
	}
	d.mu.Unlock()
	if last := gaps[len(gaps)-1]; last < time.Second {
		t.Fatalf("gaps between sessions that die at once %v: still retried every %v", gaps, last)
	}
}
