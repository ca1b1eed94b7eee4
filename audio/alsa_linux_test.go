package audio

import (
	"strings"
	"testing"
)

func TestParseCards(t *testing.T) {
	const cards = ` 0 [Loopback       ]: Loopback - Loopback
                      Loopback 1
 1 [vc4hdmi0       ]: vc4-hdmi - vc4-hdmi-0
                      vc4-hdmi-0
 2 [Device         ]: USB-Audio - USB PnP Sound Device
                      C-Media Electronics Inc. USB PnP Sound Device at usb-0000:01:00.0-1.3, full speed
`
	got := parseCards(strings.NewReader(cards), func(i int) bool { return i != 1 })
	if len(got) != 2 || got[0].ID != "Loopback" || got[0].USB || got[1].Index != 2 || !got[1].USB || got[1].Name != "USB PnP Sound Device" {
		t.Fatalf("cards %+v", got)
	}
}
