//go:build !cgo

package srt

import (
	"context"
	"strings"
	"testing"

	"github.com/pitchbox/pitchbox/stream"
)

// TestUnavailable: without cgo there is no libsrt; Open refuses (so the
// publisher does not retry in a loop) and says why.
func TestUnavailable(t *testing.T) {
	if Available || Version() != "" {
		t.Fatal("SRT available without cgo")
	}
	_, err := (&SRT{URL: "srt://ingest.example:9000"}).Open(context.Background(), stream.Header{})
	if !stream.IsRejected(err) || !strings.Contains(err.Error(), "without cgo") {
		t.Fatalf("Open: %v, want a refusal saying it was built without cgo", err)
	}
	if err := (&SRT{URL: "srt://ingest.example:9000"}).Probe(context.Background()); err == nil {
		t.Fatal("Probe succeeded without libsrt")
	}
}
