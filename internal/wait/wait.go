// Package wait polls a condition in tests, failing the test with what was
// awaited when it does not hold in time. It is for tests only.
package wait

import (
	"testing"
	"time"
)

// For polls cond every 5 ms until it holds, and returns how long that
// took. If it does not hold within d, the test fails, naming what.
func For(t testing.TB, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}
