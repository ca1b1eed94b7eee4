package stream

import (
	"math"
	"time"
)

// ABR adapts the encoder's target bitrate to what the link carries. It is
// fed a look at the publisher's Link every half second or so (Update) and
// keeps no clock of its own: time comes in with each look.
//
// While the backlog exceeds HighBacklog (or the queue is more than half
// full) it lowers the target to LowerTo of the rate the link was measured
// to carry (by half at most, by a tenth at least), at most once every
// LowerEvery and never below MinKbps; again only once what was queued at
// the last lowering is sent (the backlog is made of frames at the new
// bitrate), or when the queue is half full. Once the backlog has stayed
// under LowBacklog for RaiseAfter, it raises the target towards MaxKbps,
// at most once every RaiseAfter: by a quarter, then by 75 %, then
// doubling while the link keeps up, so that a link that recovered is used
// again within three raises (from the default floor of 600 kbit/s to 2500
// and more), while a probe of a link that did not costs one small step.
// (x264 reopens the encoder to change its bitrate, so every change is one
// IDR: changes are kept rare.)
//
// A session over UDP (WHIP) never blocks, so its backlog does not grow on
// a slow link; it estimates what the link carries instead (Link's
// EstimateKbps, from WebRTC's congestion controller). While there is an
// estimate the target follows it: EstimateShare of it, within [MinKbps,
// MaxKbps]. It is lowered to that when that is a tenth or more below the
// target, at most once every LowerEvery, and raised towards it (by a tenth
// at least, up to MaxKbps, at most doubling) RaiseAfter after the last
// change at the soonest. The backlog still lowers the target as above (a
// session that cannot keep up for another reason); without an estimate
// (RTMP, SRT, or no congestion feedback) the rules above alone apply.
type ABR struct {
	// MaxKbps is the configured bitrate, MinKbps the floor.
	MaxKbps, MinKbps int
	// HighBacklog (1 s) and LowBacklog (200 ms) bound the backlog that
	// lowers the target and the one under which it may climb.
	HighBacklog, LowBacklog time.Duration
	// LowerEvery (2 s) and RaiseAfter (8 s) space the changes.
	LowerEvery, RaiseAfter time.Duration
	// LowerTo is the share of the measured rate the target drops to (0.85).
	LowerTo float64
	// Window is the span the send rate is measured over (6 s; a rate
	// needs half of it).
	Window time.Duration
	// EstimateShare is the share of the link's estimate the video takes
	// (0.9). The estimate counts everything sent: the audio (64 to 320
	// kbit/s, 128 by default: 5 % of the default 2500), RTP, SRTP and
	// UDP headers (about 4 % of 1200-byte packets) and retransmissions;
	// the tenth left covers the default audio and the headers, and
	// leaves the congestion controller room to see the link has more.
	EstimateShare float64

	target  int
	samples [ringLen]rateSample // a ring of looks, newest at next-1
	next, n int
	lowered time.Time // last lowering
	changed time.Time // last change
	busy    time.Time // last look with a backlog of LowBacklog or more
	step    int       // raises since the last lowering
}

// ringLen is how many looks the rate is measured over at most.
const ringLen = 16

// rateSample is the byte count at one look.
type rateSample struct {
	at    time.Time
	bytes uint64
}

// raiseBy are the factors of successive raises; the last repeats.
var raiseBy = [...]float64{1.25, 1.75, 2}

// NewABR starts at maxKbps; minKbps is the floor (at most maxKbps).
func NewABR(maxKbps, minKbps int) *ABR {
	return &ABR{MaxKbps: maxKbps, MinKbps: min(minKbps, maxKbps), HighBacklog: time.Second, LowBacklog: 200 * time.Millisecond,
		LowerEvery: 2 * time.Second, RaiseAfter: 8 * time.Second, LowerTo: 0.85, Window: 6 * time.Second,
		EstimateShare: 0.9, target: maxKbps}
}

// Target is the current target in kbit/s.
func (a *ABR) Target() int { return a.target }

// Update takes a look at the link at now and returns the target, and
// whether this look changed it.
func (a *ABR) Update(now time.Time, l Link) (kbps int, changed bool) {
	if !l.Sending {
		a.n = 0 // the rate starts over with the next session
		return a.target, false
	}
	a.add(now, l.SentBytes)
	if l.Backlog >= a.LowBacklog {
		a.busy = now
	}
	full := 2*l.Queued > l.QueueLen
	switch {
	case full || l.Backlog > a.HighBacklog:
		return a.lower(now, l.Backlog, full)
	case l.EstimateKbps > 0:
		return a.follow(now, l.EstimateKbps)
	case a.target < a.MaxKbps && now.Sub(a.busy) >= a.RaiseAfter && now.Sub(a.changed) >= a.RaiseAfter:
		f := raiseBy[min(a.step, len(raiseBy)-1)]
		a.step++
		return a.set(now, min(a.MaxKbps, int(math.Ceil(float64(a.target)*f))))
	}
	return a.target, false
}

// lower drops the target to LowerTo of the measured rate (by half at
// most), when that is a tenth lower or more and the last lowering is
// LowerEvery ago. The
// frames queued before the last lowering must be sent first (the backlog
// no longer than the time since), unless the queue is half full: while
// they go out the backlog still grows, whatever the new bitrate.
func (a *ABR) lower(now time.Time, backlog time.Duration, full bool) (int, bool) {
	rate, ok := a.rate()
	since := now.Sub(a.lowered)
	if !ok || since < a.LowerEvery || !full && backlog > since {
		return a.target, false
	}
	to := max(a.MinKbps, a.target/2, int(rate*a.LowerTo))
	if to > a.target*9/10 {
		return a.target, false // not worth an IDR
	}
	a.lowered, a.step = now, 0
	return a.set(now, to)
}

// follow moves the target towards EstimateShare of the link's estimate
// (see ABR): down at once when that is a tenth lower or more (LowerEvery
// after the last lowering), up by a tenth or more or to MaxKbps, at most
// doubling, once the backlog was low and the target unchanged for
// RaiseAfter.
func (a *ABR) follow(now time.Time, estimateKbps int) (int, bool) {
	want := min(max(int(float64(estimateKbps)*a.EstimateShare), a.MinKbps), a.MaxKbps)
	switch {
	case want*10 <= a.target*9 && now.Sub(a.lowered) >= a.LowerEvery:
		a.lowered, a.step = now, 0
		return a.set(now, want)
	case want > a.target && (want*10 >= a.target*11 || want == a.MaxKbps) &&
		now.Sub(a.busy) >= a.RaiseAfter && now.Sub(a.changed) >= a.RaiseAfter:
		return a.set(now, min(want, 2*a.target))
	}
	return a.target, false
}

// set makes kbps the target, reporting whether that changed it.
func (a *ABR) set(now time.Time, kbps int) (int, bool) {
	if kbps == a.target {
		return kbps, false
	}
	a.target, a.changed = kbps, now
	return kbps, true
}

// add records a look's byte count in the ring.
func (a *ABR) add(now time.Time, bytes uint64) {
	a.samples[a.next] = rateSample{now, bytes}
	a.next = (a.next + 1) % len(a.samples)
	a.n = min(a.n+1, len(a.samples))
}

// rate is the send rate in kbit/s over the looks within Window of the
// newest (at least half a Window of them), if there are. A full socket
// buffer wakes a blocked writer only once a third of it is free, so on a
// slow link the count moves in bursts seconds apart: then the rate is
// measured from the first look whose count moved to the last one, which
// counts whole bursts over the time between them (to the newest look
// when the next burst is overdue).
func (a *ABR) rate() (float64, bool) {
	var w [ringLen]rateSample // the window, oldest first
	k := 0
	newest := a.samples[(a.next+ringLen-1)%ringLen]
	for i := a.n; i >= 1; i-- {
		if s := a.samples[(a.next+ringLen-i)%ringLen]; newest.at.Sub(s.at) <= a.Window {
			w[k], k = s, k+1
		}
	}
	if k < 2 || newest.at.Sub(w[0].at) < a.Window/2 {
		return 0, false
	}
	first, last, moves := -1, -1, 0
	for i := 1; i < k; i++ {
		if w[i].bytes != w[i-1].bytes {
			if first < 0 {
				first = i
			}
			last, moves = i, moves+1
		}
	}
	from, to := w[0], w[k-1]
	if span := w[last].at.Sub(w[first].at); moves >= 2 && span >= a.Window/3 {
		// Unless the next burst is overdue (the link stalls), the time
		// since the last one is not counted.
		from = w[first]
		if to.at.Sub(w[last].at) <= span/time.Duration(moves-1) {
			to = w[last]
		}
	}
	return float64(to.bytes-from.bytes) * 8 / 1000 / to.at.Sub(from.at).Seconds(), true
}
