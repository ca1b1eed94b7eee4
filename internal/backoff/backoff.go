// Package backoff computes reconnect delays for every client of the box
// (the stream publisher, the chat client): exponential with equal jitter.
package backoff

import (
	"math/rand/v2"
	"time"
)

// Backoff computes reconnect delays: growing by Factor from Min up to Max,
// each drawn uniformly from the upper half of the current step ("equal
// jitter"), so that many boxes cut off together do not come back in
// lockstep.
type Backoff struct {
	Min, Max time.Duration
	// Factor is the growth per attempt (default 2).
	Factor float64
	// Rand returns a number in [0, 1); nil means math/rand/v2.
	Rand func() float64

	step time.Duration
}

// Next returns the next delay.
func (b *Backoff) Next() time.Duration {
	if b.step == 0 {
		b.step = b.Min
	} else {
		f := b.Factor
		if f <= 1 {
			f = 2
		}
		b.step = min(time.Duration(float64(b.step)*f), b.Max)
	}
	r := b.Rand
	if r == nil {
		r = rand.Float64
	}
	half := b.step / 2
	return half + time.Duration(r()*float64(b.step-half))
}

// Reset starts over from Min.
func (b *Backoff) Reset() { b.step = 0 }
