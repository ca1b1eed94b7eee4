// Package h264 holds the H.264 bitstream helpers the pipeline needs:
// splitting Annex-B access units into NAL units, finding parameter sets,
// and writing the length-prefixed (AVCC) form that FLV carries.
package h264

import "errors"

// NAL unit types used here.
const (
	TypeNonIDR = 1
	TypeIDR    = 5
	TypeSEI    = 6
	TypeSPS    = 7
	TypePPS    = 8
	TypeAUD    = 9
	TypeFiller = 12
)

// ErrNoStartCode is returned for data that is not an Annex-B byte stream.
var ErrNoStartCode = errors.New("h264: no start code")

// NextNAL returns the first NAL unit in b (without its start code) and the
// rest of b after it. ok is false when b holds no further NAL unit.
func NextNAL(b []byte) (nal, rest []byte, ok bool) {
	i := startCode(b, 0)
	if i < 0 {
		return nil, nil, false
	}
	begin := i + 3
	j := startCode(b, begin)
	if j < 0 {
		return b[begin:], nil, true
	}
	end := j
	// A four-byte start code owns the zero before it.
	if end > begin && b[end-1] == 0 {
		end--
	}
	return b[begin:end], b[j:], true
}

// startCode returns the index of the next 00 00 01 at or after from, or -1.
func startCode(b []byte, from int) int {
	for i := from; i+2 < len(b); i++ {
		if b[i+2] > 1 {
			i += 2
			continue
		}
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			return i
		}
	}
	return -1
}

// Type returns the NAL unit type of nal.
func Type(nal []byte) int {
	if len(nal) == 0 {
		return 0
	}
	return int(nal[0] & 0x1F)
}

// ParamSets returns the first SPS and PPS in an Annex-B access unit.
func ParamSets(au []byte) (sps, pps []byte) {
	for rest := au; ; {
		nal, r, ok := NextNAL(rest)
		if !ok {
			return sps, pps
		}
		rest = r
		switch Type(nal) {
		case TypeSPS:
			if sps == nil {
				sps = nal
			}
		case TypePPS:
			if pps == nil {
				pps = nal
			}
		}
	}
}

// IsIDR reports whether the access unit holds an IDR slice.
func IsIDR(au []byte) bool {
	for rest := au; ; {
		nal, r, ok := NextNAL(rest)
		if !ok {
			return false
		}
		if Type(nal) == TypeIDR {
			return true
		}
		rest = r
	}
}

// AppendAVCC appends the access unit's NAL units to dst, each behind a
// 4-byte big-endian length, leaving out access unit delimiters (FLV does
// not carry them). Filler stays: it is what keeps a CBR stream constant.
// When keepParams is false, SPS and PPS are left out too.
func AppendAVCC(dst, au []byte, keepParams bool) []byte {
	for rest := au; ; {
		nal, r, ok := NextNAL(rest)
		if !ok {
			return dst
		}
		rest = r
		switch t := Type(nal); {
		case t == TypeAUD:
			continue
		case !keepParams && (t == TypeSPS || t == TypePPS):
			continue
		}
		n := len(nal)
		dst = append(dst, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
		dst = append(dst, nal...)
	}
}
