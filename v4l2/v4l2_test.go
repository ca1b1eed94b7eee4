package v4l2

import (
	"testing"
)

func TestFourCCString(t *testing.T) {
	if FmtYUYV.String() != "YUYV" || FourCC(0x01020304).String() != "????" {
		t.Fatalf("FourCC strings %q %q", FmtYUYV.String(), FourCC(0x01020304).String())
	}
}
