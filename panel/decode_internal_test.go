package panel

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/panel/paneltest"
)

// TestDecodeOneAtATime: while another upload holds the decoder, the next
// waits, then is told to come back (503), decoding nothing meanwhile.
func TestDecodeOneAtATime(t *testing.T) {
	defer func(d time.Duration) { decodeWait = d }(decodeWait)
	decodeWait = 20 * time.Millisecond
	decodeSlot <- struct{}{}
	_, _, err := checkImage(paneltest.ProductPNG(64, 64))
	<-decodeSlot
	var ue *UploadError
	if !errors.As(err, &ue) || ue.Code != http.StatusServiceUnavailable {
		t.Fatalf("with the decoder busy: %v", err)
	}
	if _, _, err := checkImage(paneltest.ProductPNG(64, 64)); err != nil {
		t.Fatalf("with the decoder free: %v", err)
	}
}

// TestProgressiveJPEGCostsMore: the header scan finds SOF2.
func TestProgressiveJPEGCostsMore(t *testing.T) {
	base := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00}
	if progressive(append(append([]byte{}, base...), 0xFF, 0xC0, 0, 2)) {
		t.Error("baseline taken for progressive")
	}
	if !progressive(append(append([]byte{}, base...), 0xFF, 0xC2, 0, 2)) {
		t.Error("progressive not found")
	}
}
