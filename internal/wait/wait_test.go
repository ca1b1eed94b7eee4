package wait

import (
	"testing"
	"time"
)

func TestForReturnsOnceTheConditionHolds(t *testing.T) {
	n := 0
	d := For(t, time.Second, "the third call", func() bool { n++; return n == 3 })
	if n != 3 || d < 10*time.Millisecond || d > time.Second {
		t.Fatalf("%d calls, %v", n, d)
	}
}
