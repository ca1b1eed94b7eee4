package chattokens

import (
	"math"
	"sync"
	"time"
)

// maxClients bounds the clients the limiter remembers: past it, clients
// whose buckets have refilled are forgotten (they lose nothing), and if
// none has, the oldest half of the map is.
const maxClients = 10000

// limiter is a token bucket per client: burst tokens, one more every
// every. It is safe for concurrent use.
type limiter struct {
	burst int
	every time.Duration
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

// bucket is one client's tokens as of at.
type bucket struct {
	tokens float64
	at     time.Time
}

// newLimiter returns a limiter of burst tokens per client refilled one per
// every.
func newLimiter(burst int, every time.Duration, now func() time.Time) *limiter {
	return &limiter{burst: burst, every: every, now: now, buckets: map[string]*bucket{}}
}

// allow takes a token for client, or says how long until one is there.
func (l *limiter) allow(client string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[client]
	if b == nil {
		if len(l.buckets) >= maxClients {
			l.forget(now)
		}
		b = &bucket{tokens: float64(l.burst), at: now}
		l.buckets[client] = b
	}
	b.tokens = math.Min(float64(l.burst), b.tokens+float64(now.Sub(b.at))/float64(l.every))
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) * float64(l.every))
}

// forget drops the clients whose buckets are full again, or else about
// half of them. l.mu is held.
func (l *limiter) forget(now time.Time) {
	full := time.Duration(l.burst) * l.every
	for c, b := range l.buckets {
		if now.Sub(b.at) >= full {
			delete(l.buckets, c)
		}
	}
	for c := range l.buckets {
		if len(l.buckets) < maxClients/2 {
			break
		}
		delete(l.buckets, c)
	}
}
