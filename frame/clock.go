package frame

import "time"

var origin = time.Now()

// Now returns the current time on the pipeline's monotonic clock: the
// duration since the process started. Every stage stamps with it, so audio
// and video share one time base.
func Now() time.Duration { return time.Since(origin) }
