package v4l2

import (
	"strings"
	"testing"
	"unsafe"
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

func TestFormatLayout(t *testing.T) {
	// struct v4l2_format: 208 bytes on 64-bit, 204 on 32-bit (the union is
	// pointer-aligned). VIDIOC_G_FMT encodes that size.
	want := uintptr(204)
	if unsafe.Sizeof(uintptr(0)) == 8 {
		want = 208
	}
	if got := unsafe.Sizeof(Format{}); got != want {
		t.Fatalf("sizeof(v4l2_format) = %d, want %d", got, want)
	}
	if unsafe.Sizeof(PixFormat{}) != 48 {
		t.Fatalf("sizeof(v4l2_pix_format) = %d, want 48", unsafe.Sizeof(PixFormat{}))
	}
	if want == 208 && VIDIOC_G_FMT != 0xc0d05604 {
		t.Fatalf("VIDIOC_G_FMT = %#x, want 0xc0d05604", VIDIOC_G_FMT)
	}
	if FmtYUYV.String() != "YUYV" {
		t.Fatalf("FourCC string %q", FmtYUYV.String())
	}
}
