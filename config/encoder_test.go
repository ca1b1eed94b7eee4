package config

import (
	"strings"
	"testing"
)

func TestAdaptiveBitrateSettings(t *testing.T) {
	c, err := Parse("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Encoder.Adaptive || c.Encoder.MinKbps() != DefaultMinBitrateKbps {
		t.Fatalf("defaults: adaptive %v, floor %d", c.Encoder.Adaptive, c.Encoder.MinKbps())
	}
	c, err = Parse("", []byte("[encoder]\nbitrate_kbps = 400\n"))
	if err != nil || c.Encoder.MinKbps() != 400 {
		t.Fatalf("unset floor above the bitrate: %v, floor %d", err, c.Encoder.MinKbps())
	}
	c, err = Parse("", []byte("[encoder]\nadaptive = false\nmin_bitrate_kbps = 800\n"))
	if err != nil || c.Encoder.Adaptive || c.Encoder.MinKbps() != 800 {
		t.Fatalf("set: %v, %+v", err, c.Encoder)
	}
	for _, tc := range []string{"min_bitrate_kbps = 50\n", "bitrate_kbps = 1000\nmin_bitrate_kbps = 1200\n"} {
		_, err := Parse("", []byte("[encoder]\n"+tc))
		if err == nil || !strings.Contains(err.Error(), "encoder.min_bitrate_kbps") || !strings.Contains(err.Error(), "100 to encoder.bitrate_kbps") {
			t.Errorf("%q: %v", tc, err)
		}
	}
}
