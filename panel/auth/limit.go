package auth

import (
	"errors"
	"fmt"
	"time"
)

// The box checks at most ChecksPerSecond passwords (or pairing codes) a
// second in all, ChecksBurst at once, whatever addresses they come from:
// the per-address lock-out alone lets many addresses guess side by side.
const (
	ChecksPerSecond = 50
	ChecksBurst     = 50
)

// BusyError says the box refused a check because it has checked too many
// passwords lately, from any address, and how long until it checks again.
type BusyError struct{ Wait time.Duration }

// Error says when to try again.
func (e *BusyError) Error() string {
	return fmt.Sprintf("auth: too many login attempts on the box right now: try again in %s", roundUp(e.Wait))
}

// roundUp rounds d up to a whole second, at least one.
func roundUp(d time.Duration) time.Duration {
	s := (d + time.Second - 1) / time.Second * time.Second
	return max(s, time.Second)
}

// RetryAfter is how many whole seconds a refused request should wait
// (for the Retry-After header), or 0 when err is not a refusal to check.
func RetryAfter(err error) int {
	var be *BusyError
	var le *LockedError
	switch {
	case errors.As(err, &be):
		return int(roundUp(be.Wait) / time.Second)
	case errors.As(err, &le):
		return int(roundUp(le.Wait) / time.Second)
	}
	return 0
}

// bucket is a token bucket: it refills at rate tokens a second up to
// burst, and each check spends one.
type bucket struct {
	rate, burst float64
	tokens      float64
	last        time.Time
}

// newBucket is a full bucket.
func newBucket(perSecond float64, burst int) bucket {
	return bucket{rate: perSecond, burst: float64(burst), tokens: float64(burst)}
}

// take spends a token at now; without one it returns how long until the
// next.
func (b *bucket) take(now time.Time) (time.Duration, bool) {
	if !b.last.IsZero() && now.After(b.last) {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	if b.last.IsZero() || now.After(b.last) {
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / b.rate * float64(time.Second)), false
}

// SetCheckLimit replaces the overall limit on password checks (tests; the
// default is ChecksPerSecond, ChecksBurst).
func (a *Auth) SetCheckLimit(perSecond float64, burst int) {
	a.mu.Lock()
	a.checks = newBucket(perSecond, burst)
	a.mu.Unlock()
}
