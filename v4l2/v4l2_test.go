package v4l2

import (
	"strings"
	"testing"
)

func TestChoosePrefersPlanar(t *testing.T) {
	for _, tc := range []struct {
		offered []FourCC
		want    FourCC
	}{
		{[]FourCC{FmtMJPEG, FmtYUYV}, FmtYUYV},
		{[]FourCC{FmtYUYV, FmtNV12, FmtYU12}, FmtYU12},
		{[]FourCC{FmtMJPEG}, FmtMJPEG},
		{[]FourCC{FmtNV12, FmtMJPEG}, FmtNV12},
	} {
		got, err := Choose(tc.offered)
		if err != nil || got != tc.want {
			t.Errorf("Choose(%v) = %v, %v; want %v", tc.offered, got, err, tc.want)
		}
	}
	_, err := Choose([]FourCC{FmtH264})
	if err == nil || !strings.Contains(err.Error(), "H264") {
		t.Fatalf("err = %v", err)
	}
}

func TestFourCCString(t *testing.T) {
	if FmtYUYV.String() != "YUYV" || FourCC(0x01020304).String() != "????" {
		t.Fatalf("FourCC strings %q %q", FmtYUYV.String(), FourCC(0x01020304).String())
	}
}
