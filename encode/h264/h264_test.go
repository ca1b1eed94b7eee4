package h264

import (
	"bytes"
	"testing"
)

var au = []byte{
	0, 0, 0, 1, 0x09, 0xF0, // AUD
	0, 0, 0, 1, 0x67, 1, 2, 3, // SPS
	0, 0, 1, 0x68, 4, 5, // PPS (3-byte start code)
	0, 0, 0, 1, 0x65, 6, 7, 0, 0, 3, 1, // IDR with an emulation-prevented 00 00 03 01
}

func TestNextNAL(t *testing.T) {
	var types []int
	for rest := au; ; {
		nal, r, ok := NextNAL(rest)
		if !ok {
			break
		}
		types = append(types, Type(nal))
		rest = r
	}
	if want := []int{TypeAUD, TypeSPS, TypePPS, TypeIDR}; !equal(types, want) {
		t.Fatalf("types %v, want %v", types, want)
	}
	sps, pps := ParamSets(au)
	if !bytes.Equal(sps, []byte{0x67, 1, 2, 3}) || !bytes.Equal(pps, []byte{0x68, 4, 5}) {
		t.Fatalf("sps %x pps %x", sps, pps)
	}
	if !IsIDR(au) || IsIDR(au[:16]) {
		t.Fatal("IsIDR wrong")
	}
}

func TestAppendAVCC(t *testing.T) {
	got := AppendAVCC(nil, au, false)
	want := []byte{0, 0, 0, 7, 0x65, 6, 7, 0, 0, 3, 1}
	if !bytes.Equal(got, want) {
		t.Fatalf("AVCC %x, want %x", got, want)
	}
	withParams := AppendAVCC(nil, au, true)
	if len(withParams) != len(want)+8+7 {
		t.Fatalf("AVCC with params is %d bytes", len(withParams))
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzAppendAVCC checks that any byte string is split without a panic and
// that the AVCC output accounts for every NAL byte it keeps.
func FuzzAppendAVCC(f *testing.F) {
	f.Add(au)
	f.Add([]byte{0, 0, 1})
	f.Add([]byte{0, 0, 0, 1, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		out := AppendAVCC(nil, b, true)
		for len(out) > 0 {
			if len(out) < 4 {
				t.Fatalf("truncated length prefix")
			}
			n := int(out[0])<<24 | int(out[1])<<16 | int(out[2])<<8 | int(out[3])
			if n > len(out)-4 {
				t.Fatalf("length %d past the end", n)
			}
			out = out[4+n:]
		}
		ParamSets(b)
		IsIDR(b)
	})
}
