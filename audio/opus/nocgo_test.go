//go:build !cgo

package opus

import (
	"errors"
	"strings"
	"testing"
)

func TestUnavailable(t *testing.T) {
	if Available {
		t.Fatal("Available without cgo")
	}
	if _, err := New(Rate, 2, 64); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "without cgo") {
		t.Fatalf("New: %v, want ErrUnavailable saying it was built without cgo", err)
	}
}
