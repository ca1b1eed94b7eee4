package stream

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/internal/backoff"
	"github.com/pitchbox/pitchbox/internal/wait"
)

var abrEpoch = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// linkSim is an encoder at the ABR's target feeding a link of capacity
// kbps through an unbounded queue, looked at every half second.
type linkSim struct {
	a       *ABR
	now     time.Time
	capKbps float64
	queue   []float64 // kbit of each half second of stream waiting
	sent    float64   // kbit sent
	changes []time.Time
	raises  []time.Time
}

func (s *linkSim) step() {
	const dt = 0.5
	s.queue = append(s.queue, float64(s.a.Target())*dt)
	for budget := s.capKbps * dt; budget > 0 && len(s.queue) > 0; {
		out := min(budget, s.queue[0])
		s.queue[0] -= out
		budget -= out
		s.sent += out
		if s.queue[0] == 0 {
			s.queue = s.queue[1:]
		}
	}
	s.now = s.now.Add(500 * time.Millisecond)
	backlog := time.Duration(len(s.queue)) * 500 * time.Millisecond
	before := s.a.Target()
	if kbps, changed := s.a.Update(s.now, Link{Sending: true, Backlog: backlog, QueueLen: 512, SentBytes: uint64(s.sent * 1000 / 8)}); changed {
		s.changes = append(s.changes, s.now)
		if kbps > before {
			s.raises = append(s.raises, s.now)
		}
	}
}

// until steps until cond holds or limit passes, and says how long it took.
func (s *linkSim) until(limit time.Duration, cond func() bool) (time.Duration, bool) {
	start := s.now
	for s.now.Sub(start) <= limit {
		if cond() {
			return s.now.Sub(start), true
		}
		s.step()
	}
	return s.now.Sub(start), false
}

// TestABRFollowsAShapedLinkAndClimbsBack: 3000 kbps into 1150 kbit/s comes
// under 1150 within 20 s; held there for a while (lifting the shaping at
// every phase of the probing) the target is back at 2500 or more within
// 30 s of the link recovering; changes are spaced as documented.
func TestABRFollowsAShapedLinkAndClimbsBack(t *testing.T) {
	for hold := 0; hold < 40; hold++ {
		s := &linkSim{a: NewABR(3000, 600), now: abrEpoch, capKbps: 1150}
		took, ok := s.until(20*time.Second, func() bool { return s.a.Target() <= 1150 })
		down := s.a.Target()
		if !ok {
			t.Fatalf("hold %d: target %d after %v", hold, s.a.Target(), took)
		}
		for range 20 + 2*hold {
			s.step()
			if s.a.Target() < 600 {
				t.Fatalf("below the floor: %d", s.a.Target())
			}
		}
		s.capKbps = 100000
		back, ok := s.until(30*time.Second, func() bool { return s.a.Target() >= 2500 })
		if !ok {
			t.Fatalf("hold %d: target %d %v after the link recovered", hold, s.a.Target(), back)
		}
		if hold == 0 {
			t.Logf("down to %d kbps in %v, back to %d kbps in %v", down, took, s.a.Target(), back)
		}
		for i := 1; i < len(s.changes); i++ {
			if d := s.changes[i].Sub(s.changes[i-1]); d < 2*time.Second {
				t.Fatalf("hold %d: changes %v apart", hold, d)
			}
		}
		for i := 1; i < len(s.raises); i++ {
			if d := s.raises[i].Sub(s.raises[i-1]); d < 8*time.Second {
				t.Fatalf("hold %d: raises %v apart", hold, d)
			}
		}
		if n := len(s.changes); n > 3+(30+hold)/8 {
			t.Errorf("hold %d: %d changes", hold, n)
		}
	}
}

// TestABRSteadyOnAGoodLink: a link that carries the stream changes nothing.
func TestABRSteadyOnAGoodLink(t *testing.T) {
	s := &linkSim{a: NewABR(2500, 600), now: abrEpoch, capKbps: 2600}
	for range 600 {
		s.step()
	}
	if len(s.changes) != 0 || s.a.Target() != 2500 {
		t.Fatalf("changes %v, target %d", s.changes, s.a.Target())
	}
}

// TestABRFloor: a link slower than the floor leaves the target at the floor.
func TestABRFloor(t *testing.T) {
	s := &linkSim{a: NewABR(3000, 800), now: abrEpoch, capKbps: 300}
	for range 120 {
		s.step()
	}
	if s.a.Target() != 800 {
		t.Fatalf("target %d", s.a.Target())
	}
	if a := NewABR(500, 600); a.MinKbps != 500 {
		t.Fatalf("floor above the bitrate: %d", a.MinKbps)
	}
}

// look is one Update with a given link.
func look(a *ABR, at time.Duration, l Link) (int, bool) {
	l.Sending = true
	if l.QueueLen == 0 {
		l.QueueLen = 512
	}
	return a.Update(abrEpoch.Add(at), l)
}

// sender feeds an ABR looks at a link sending kbps, every half second.
type sender struct {
	a    *ABR
	at   time.Duration
	kbit float64
}

// until looks every half second up to to (inclusive) with l, sending
// kbps, and returns the last look's answer and whether any look changed
// the target.
func (s *sender) until(to time.Duration, kbps float64, l Link) (int, bool) {
	kbpsOut, changed := s.a.Target(), false
	for s.at <= to {
		l.SentBytes = uint64(s.kbit * 1000 / 8)
		k, ch := look(s.a, s.at, l)
		kbpsOut, changed = k, changed || ch
		s.at += 500 * time.Millisecond
		s.kbit += kbps / 2
	}
	return kbpsOut, changed
}

// TestABRLowering: a backlog or a half-full queue lowers the target to
// 85 % of the rate measured over the last 6 s (by half at most, by a
// tenth at least), no sooner
// than 3 s of rate is known and no more often than every 2 s; not again
// while the frames queued before a lowering go out; a rate above the
// target lowers nothing; a stall counts.
func TestABRLowering(t *testing.T) {
	s := &sender{a: NewABR(3000, 600)}
	if _, ch := s.until(2500*time.Millisecond, 1000, Link{Backlog: 3 * time.Second}); ch {
		t.Fatal("lowered on less than 3 s of rate")
	}
	if kbps, ch := s.until(3*time.Second, 1000, Link{Backlog: 3 * time.Second}); !ch || kbps != 1500 {
		t.Fatalf("lowered to %d (%v), want half, 1500", kbps, ch)
	}
	if _, ch := s.until(4500*time.Millisecond, 1000, Link{Backlog: 4 * time.Second}); ch {
		t.Fatal("lowered twice within 2 s")
	}
	// The frames queued before the lowering still go out.
	if _, ch := s.until(5500*time.Millisecond, 1000, Link{Backlog: 2600 * time.Millisecond}); ch {
		t.Fatal("lowered while the frames before the lowering go out")
	}
	if kbps, ch := s.until(6*time.Second, 1000, Link{Backlog: 1500 * time.Millisecond}); !ch || kbps != 850 {
		t.Fatalf("lowered to %d (%v), want 850", kbps, ch)
	}
	// The link stalls and the queue fills: 4000 kbit from 2.5 s to 8 s.
	if kbps, ch := s.until(8*time.Second, 0, Link{Backlog: 100 * time.Millisecond, Queued: 300}); !ch || kbps != 618 {
		t.Fatalf("stalled, half-full queue: %d (%v), want 618", kbps, ch)
	}
	s.a.Update(abrEpoch.Add(s.at), Link{}) // a new session
	s.at += 500 * time.Millisecond
	if _, ch := s.until(11500*time.Millisecond, 100, Link{Backlog: 5 * time.Second}); ch {
		t.Fatal("lowered on less than 3 s of the new session's rate")
	}
	if kbps, _ := s.until(16*time.Second, 100, Link{Backlog: 5 * time.Second}); kbps != 618 {
		t.Fatalf("at 100 kbit/s: %d, want 618 (the floor, 600, is less than a tenth lower)", kbps)
	}
	b := &sender{a: NewABR(3000, 600)}
	if _, ch := b.until(5*time.Second, 4000, Link{Backlog: 2 * time.Second}); ch {
		t.Fatal("lowered while sending 4000 kbit/s (draining)")
	}
}

// TestABRRateWindow: the rate is measured over the last 6 s, whole bursts
// over the time between them; a stall counts; a pause in sending (no
// session) starts it over.
func TestABRRateWindow(t *testing.T) {
	s := &sender{a: NewABR(3000, 600)}
	s.until(5*time.Second, 4000, Link{})
	s.until(12*time.Second, 800, Link{})
	if r, ok := s.a.rate(); !ok || math.Abs(r-800) > 1e-6 {
		t.Fatalf("rate %v %v, want 800", r, ok)
	}
	// 350 kB every 2.5 s: 1120 kbit/s.
	a := NewABR(3000, 600)
	var sent uint64
	for i := range 40 {
		if i%5 == 4 {
			sent += 350000
		}
		look(a, time.Duration(i)*500*time.Millisecond, Link{SentBytes: sent})
		if r, ok := a.rate(); i >= 12 && (!ok || math.Abs(r-1120) > 1e-6) {
			t.Fatalf("bursts, look %d: rate %v %v, want 1120", i, r, ok)
		}
	}
	for i := 40; i < 46; i++ { // the next burst is overdue
		look(a, time.Duration(i)*500*time.Millisecond, Link{SentBytes: sent})
	}
	if r, _ := a.rate(); r > 800 {
		t.Fatalf("stalled for 3.5 s: rate %v", r)
	}
	a.Update(abrEpoch.Add(30*time.Second), Link{})
	look(a, 31*time.Second, Link{SentBytes: sent})
	if _, ok := a.rate(); ok {
		t.Fatal("a rate right after a new session")
	}
}

// TestABRRaising: the target climbs by a quarter, then 75 %, then double,
// capped at the configured bitrate, only after 8 s without a backlog and
// 8 s after the last change.
func TestABRRaising(t *testing.T) {
	s := &sender{a: NewABR(3000, 600)}
	s.until(3*time.Second, 1000, Link{Backlog: 2 * time.Second})
	s.until(5500*time.Millisecond, 1000, Link{Backlog: 1500 * time.Millisecond})
	if s.a.Target() != 850 {
		t.Fatalf("target %d", s.a.Target())
	}
	s.until(6*time.Second, 1000, Link{Backlog: 300 * time.Millisecond})
	// Busy until 6 s: the first raise comes 8 s later, then every 8 s.
	want := []struct {
		at   time.Duration
		kbps int
	}{{14 * time.Second, 1063}, {22 * time.Second, 1861}, {30 * time.Second, 3000}}
	next := 0
	for s.at <= 50*time.Second {
		at := s.at
		kbps, ch := s.until(at, 1000, Link{})
		if !ch {
			continue
		}
		if next >= len(want) || kbps != want[next].kbps || at != want[next].at {
			t.Fatalf("change %d at %v to %d", next, at, kbps)
		}
		next++
	}
	if next != len(want) {
		t.Fatalf("%d raises", next)
	}
}

// estimateLook is one Update at at with the session's estimate est and no
// backlog.
func estimateLook(a *ABR, at time.Duration, est int) (int, bool) {
	return look(a, at, Link{EstimateKbps: est})
}

// TestABRFollowsAFallingEstimate: an estimate whose 90 % is within a
// tenth of the target changes nothing; one that falls lowers the target
// to 90 % of it at the next look, then again no sooner than 2 s later;
// the floor holds, and a step of less than a tenth is not taken.
func TestABRFollowsAFallingEstimate(t *testing.T) {
	a := NewABR(3000, 600)
	at := time.Duration(0)
	for ; at < 10*time.Second; at += 500 * time.Millisecond {
		if _, ch := estimateLook(a, at, 3100); ch { // 2790: less than a tenth below
			t.Fatalf("changed at %v on an estimate of 3100", at)
		}
	}
	if kbps, ch := estimateLook(a, at, 1000); !ch || kbps != 900 {
		t.Fatalf("estimate 1000: %d (%v), want 900 at once", kbps, ch)
	}
	lowered := at
	for at += 500 * time.Millisecond; at < lowered+2*time.Second; at += 500 * time.Millisecond {
		if _, ch := estimateLook(a, at, 700); ch {
			t.Fatalf("lowered again %v after the last lowering", at-lowered)
		}
	}
	if kbps, ch := estimateLook(a, at, 700); !ch || kbps != 630 {
		t.Fatalf("estimate 700, 2 s on: %d (%v), want 630", kbps, ch)
	}
	for i := range 40 {
		at += 500 * time.Millisecond
		if kbps, ch := estimateLook(a, at, 300); ch || kbps != 630 {
			t.Fatalf("look %d, estimate 300: %d (%v), want 630 kept (the floor, 600, is less than a tenth lower)", i, kbps, ch)
		}
	}
	b := NewABR(3000, 800)
	if kbps, _ := estimateLook(b, 0, 300); kbps != 800 {
		t.Fatalf("estimate 300, floor 800: %d", kbps)
	}
}

// TestABRClimbsWithTheEstimate: once the estimate recovers the target
// climbs in steps 8 s apart, doubling at most, to the configured bitrate
// and not above it; gains of less than a tenth are not taken unless they
// reach the configured bitrate.
func TestABRClimbsWithTheEstimate(t *testing.T) {
	a := NewABR(3000, 600)
	estimateLook(a, 0, 3400)
	if kbps, ch := estimateLook(a, 500*time.Millisecond, 700); !ch || kbps != 630 {
		t.Fatalf("estimate 700: %d (%v)", kbps, ch)
	}
	type change struct {
		at   time.Duration
		kbps int
	}
	var got []change
	for at := time.Second; at <= 60*time.Second; at += 500 * time.Millisecond {
		if kbps, ch := estimateLook(a, at, 5000); ch {
			got = append(got, change{at, kbps})
		}
	}
	want := []change{{8500 * time.Millisecond, 1260}, {16500 * time.Millisecond, 2520}, {24500 * time.Millisecond, 3000}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("climbed %v, want %v", got, want)
	}
	b := NewABR(3000, 600)
	estimateLook(b, 0, 2000) // 1800
	for at := time.Second; at <= 30*time.Second; at += 500 * time.Millisecond {
		if _, ch := estimateLook(b, at, 2150); ch { // 1935: less than a tenth more
			t.Fatalf("raised at %v by less than a tenth", at)
		}
	}
	c := NewABR(3000, 600)
	estimateLook(c, 0, 3000)                                                   // 2700
	if kbps, ch := estimateLook(c, 8*time.Second, 3400); !ch || kbps != 3000 { // 3060: capped
		t.Fatalf("to the configured bitrate: %d (%v), want 3000", kbps, ch)
	}
}

// TestABREstimateAndBacklog: with an estimate a backlog still lowers the
// target and holds back raises; without one (0) the backlog rules alone
// act, as for RTMP: an estimate that stops hands over to them.
func TestABREstimateAndBacklog(t *testing.T) {
	s := &sender{a: NewABR(3000, 600)}
	if kbps, ch := s.until(3*time.Second, 1000, Link{Backlog: 3 * time.Second, EstimateKbps: 5000}); !ch || kbps != 1500 {
		t.Fatalf("backlog with a high estimate: %d (%v), want 1500", kbps, ch)
	}
	s.until(4*time.Second, 1000, Link{Backlog: 300 * time.Millisecond, EstimateKbps: 5000})
	if _, ch := s.until(11500*time.Millisecond, 1000, Link{EstimateKbps: 5000}); ch {
		t.Fatal("raised within 8 s of a backlog")
	}
	if kbps, ch := s.until(12*time.Second, 1000, Link{EstimateKbps: 5000}); !ch || kbps != 3000 {
		t.Fatalf("raise: %d (%v), want 3000", kbps, ch)
	}
	// The estimate goes: the backlog rules alone, as on RTMP.
	r := &sender{a: NewABR(3000, 600)}
	if kbps, ch := r.until(3*time.Second, 1000, Link{Backlog: 3 * time.Second}); !ch || kbps != 1500 {
		t.Fatalf("no estimate: %d (%v), want 1500", kbps, ch)
	}
	e := &sender{a: NewABR(3000, 600)}
	e.until(2*time.Second, 1000, Link{EstimateKbps: 1000})
	if e.a.Target() != 900 {
		t.Fatalf("estimate 1000: %d", e.a.Target())
	}
	e.until(10*time.Second, 1000, Link{})
	if kbps := e.a.Target(); kbps != 1125 {
		t.Fatalf("the estimate stopped: %d, want 1125 (a quarter more, the backlog rules' first raise)", kbps)
	}
}

// estimating is a fake session with an estimate.
type estimating struct {
	*fakeSession
	kbps atomic.Int64
}

func (s *estimating) EstimateKbps() int { return int(s.kbps.Load()) }

// estimatingDest opens estimating sessions.
type estimatingDest struct {
	fakeDest
	last atomic.Pointer[estimating]
}

func (d *estimatingDest) Open(ctx context.Context, h Header) (Session, error) {
	s, err := d.fakeDest.Open(ctx, h)
	if err != nil {
		return nil, err
	}
	e := &estimating{fakeSession: s.(*fakeSession)}
	e.kbps.Store(1234)
	d.last.Store(e)
	return e, nil
}

// TestPublisherLinkEstimate: Link carries the session's estimate while it
// sends, and 0 once it ended or for a session without one; Link
// allocates nothing.
func TestPublisherLinkEstimate(t *testing.T) {
	d := &estimatingDest{}
	p := NewPublisher(d, Options{Logger: quiet, Backoff: backoff.Backoff{Min: time.Millisecond, Max: time.Millisecond}})
	defer p.Close()
	if l := p.Link(); l.EstimateKbps != 0 {
		t.Fatalf("before a session: %+v", l)
	}
	p.Submit(videoPacket(0, true))
	wait.For(t, 5*time.Second, "a session", func() bool { return p.Link().EstimateKbps == 1234 })
	if a := testing.AllocsPerRun(100, func() { _ = p.Link() }); a > 0 {
		t.Fatalf("Link: %v allocations", a)
	}
	s := d.last.Load()
	s.kbps.Store(800)
	if l := p.Link(); !l.Sending || l.EstimateKbps != 800 {
		t.Fatalf("estimate 800: %+v", l)
	}
	close(s.done) // the session ends
	wait.For(t, 5*time.Second, "the session gone", func() bool { return !p.Link().Sending })
	if l := p.Link(); l.EstimateKbps != 0 {
		t.Fatalf("after the session: %+v", l)
	}
	q := NewPublisher(&fakeDest{}, Options{Logger: quiet})
	defer q.Close()
	q.Submit(videoPacket(0, true))
	wait.For(t, 5*time.Second, "a session", func() bool { return q.Link().Sending })
	if l := q.Link(); l.EstimateKbps != 0 {
		t.Fatalf("a session without an estimate: %+v", l)
	}
	if a := testing.AllocsPerRun(100, func() { _ = q.Link() }); a > 0 {
		t.Fatalf("Link: %v allocations", a)
	}
}
