package logring

import (
	"strings"
	"testing"
)

func TestRingKeepsTheLastLines(t *testing.T) {
	r := New(3)
	r.Write([]byte("one\ntwo\nthr"))
	if got := strings.Join(r.Lines(), "|"); got != "one|two" {
		t.Fatalf("before wrapping: %q", got)
	}
	r.Write([]byte("ee\nfour\nfive\n"))
	if got := strings.Join(r.Lines(), "|"); got != "three|four|five" {
		t.Fatalf("after wrapping: %q", got)
	}
}
