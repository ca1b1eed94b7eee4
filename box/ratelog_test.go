package box

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/internal/logring"
)

// TestRateLogBoundsRepeats: an error on every frame of 20 s at 30 fps is
// logged once per interval, each line saying how many were held back (300 in the first 10 s).
func TestRateLogBoundsRepeats(t *testing.T) {
	ring := logring.New(100)
	r := newRateLog(slog.New(slog.NewTextHandler(ring, nil)), 10*time.Second)
	now := time.Unix(0, 0)
	r.now = func() time.Time { return now }
	for i := 0; i < 600; i++ {
		r.Error("box: encode", errors.New("bad frame"))
		now = now.Add(time.Second / 30)
	}
	lines := ring.Lines()
	if len(lines) != 2 {
		t.Fatalf("%d lines for 600 errors in 20 s:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	if !strings.Contains(lines[1], "repeats_not_logged=300") {
		t.Fatalf("second line %q does not count the 300 held back", lines[1])
	}
}
