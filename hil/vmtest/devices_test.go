//go:build hil

package vmtest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pitchbox/pitchbox/internal/cli"
)

// TestDevicesCommand runs `pitchbox devices` against the rig's drivers.
func TestDevicesCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := cli.Main([]string{"devices"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	s := out.String()
	t.Logf("pitchbox devices:\n%s", s)
	for _, want := range []string{"vivid", "YUYV", "NV12", "640x480", "vicodec: FWHT encoder"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(s, "no cameras found") {
		t.Error("vivid not listed as a camera")
	}
}
