package box

import (
	"log/slog"
	"sync"
	"time"
)

// rateLog logs a repeating error at most once per interval, with the
// number of repeats it held back, so that an error on every frame does not
// flood the journal.
type rateLog struct {
	log      *slog.Logger
	interval time.Duration
	now      func() time.Time

	mu         sync.Mutex
	last       time.Time
	suppressed int
}

func newRateLog(log *slog.Logger, interval time.Duration) *rateLog {
	return &rateLog{log: log, interval: interval, now: time.Now}
}

// Error logs msg with err unless one was logged less than the interval ago.
func (r *rateLog) Error(msg string, err error) {
	r.mu.Lock()
	now := r.now()
	if !r.last.IsZero() && now.Sub(r.last) < r.interval {
		r.suppressed++
		r.mu.Unlock()
		return
	}
	n := r.suppressed
	r.last, r.suppressed = now, 0
	r.mu.Unlock()
	if n > 0 {
		r.log.Error(msg, "err", err, "repeats_not_logged", n)
		return
	}
	r.log.Error(msg, "err", err)
}
