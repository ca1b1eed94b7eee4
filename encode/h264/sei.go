package h264

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// SEI payload type of user data unregistered (ITU-T H.264 D.1.6): a
// 16-byte UUID followed by any bytes.
const seiUserDataUnregistered = 5

// ParseUUID parses a UUID written as 32 hex digits, with or without dashes.
func ParseUUID(s string) ([16]byte, error) {
	var u [16]byte
	b, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	if err != nil || len(b) != 16 {
		return u, fmt.Errorf("h264: %q is not a UUID", s)
	}
	copy(u[:], b)
	return u, nil
}

// AppendUserDataSEI appends to dst, in Annex-B form (a four-byte start
// code), an SEI NAL unit holding one user-data-unregistered message with
// uuid and data, emulation prevention applied.
func AppendUserDataSEI(dst []byte, uuid [16]byte, data []byte) []byte {
	dst = append(dst, 0, 0, 0, 1, TypeSEI)
	var zeros int
	put := func(b byte) {
		if zeros >= 2 && b <= 3 {
			dst = append(dst, 3)
			zeros = 0
		}
		dst = append(dst, b)
		if b == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	put(seiUserDataUnregistered)
	n := len(uuid) + len(data)
	for ; n >= 255; n -= 255 {
		put(0xFF)
	}
	put(byte(n))
	for _, b := range uuid {
		put(b)
	}
	for _, b := range data {
		put(b)
	}
	// rbsp_trailing_bits: the stop bit and alignment.
	return append(dst, 0x80)
}

// UserDataSEISize is the size in bytes of the NAL unit AppendUserDataSEI
// writes for n bytes of data, start code included, before emulation
// prevention (which adds at most one byte per two zero bytes).
func UserDataSEISize(n int) int {
	return 4 + 1 + 1 + (n+16)/255 + 1 + 16 + n + 1
}

// Unescape removes emulation prevention bytes (00 00 03 → 00 00) from a
// NAL unit's payload, appending the result to dst.
func Unescape(dst, nal []byte) []byte {
	zeros := 0
	for _, b := range nal {
		if zeros >= 2 && b == 3 {
			zeros = 0
			continue
		}
		dst = append(dst, b)
		if b == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	return dst
}

// ErrBadSEI is returned for an SEI NAL unit that does not parse.
var ErrBadSEI = errors.New("h264: malformed SEI")

// UserData returns the payloads of the user-data-unregistered messages in
// the SEI NAL unit nal (without start code) whose UUID is uuid.
func UserData(nal []byte, uuid [16]byte) ([][]byte, error) {
	if Type(nal) != TypeSEI {
		return nil, fmt.Errorf("h264: NAL unit type %d is not SEI", Type(nal))
	}
	rbsp := Unescape(nil, nal[1:])
	var out [][]byte
	for len(rbsp) > 0 && !(len(rbsp) == 1 && rbsp[0] == 0x80) {
		var typ, size int
		var ok bool
		if typ, rbsp, ok = seiNumber(rbsp); !ok {
			return out, ErrBadSEI
		}
		if size, rbsp, ok = seiNumber(rbsp); !ok || size > len(rbsp) {
			return out, ErrBadSEI
		}
		payload := rbsp[:size]
		rbsp = rbsp[size:]
		if typ == seiUserDataUnregistered && size >= 16 && [16]byte(payload[:16]) == uuid {
			out = append(out, payload[16:])
		}
	}
	return out, nil
}

// seiNumber reads an SEI payload type or size: 0xFF bytes add 255 each,
// the first other byte ends it.
func seiNumber(b []byte) (int, []byte, bool) {
	n := 0
	for i, c := range b {
		n += int(c)
		if c != 0xFF {
			return n, b[i+1:], true
		}
	}
	return 0, nil, false
}

// FindUserData returns the payloads with uuid of every SEI in the
// Annex-B access unit au.
func FindUserData(au []byte, uuid [16]byte) [][]byte {
	var out [][]byte
	for rest := au; ; {
		nal, r, ok := NextNAL(rest)
		if !ok {
			return out
		}
		rest = r
		if Type(nal) == TypeSEI {
			d, _ := UserData(nal, uuid)
			out = append(out, d...)
		}
	}
}

// InsertBeforeVCL inserts nal (Annex-B, start code included) into the
// access unit au in place, before its first slice, where SEI belongs (after
// the delimiter and parameter sets); at the end when au has no slice. It
// reuses au's capacity, so it allocates only when au must grow.
func InsertBeforeVCL(au, nal []byte) []byte {
	at := len(au)
	for i := startCode(au, 0); i >= 0; i = startCode(au, i+3) {
		if t := Type(au[i+3:]); t >= TypeNonIDR && t <= TypeIDR {
			at = i
			if i > 0 && au[i-1] == 0 {
				at-- // a four-byte start code
			}
			break
		}
	}
	old := len(au)
	au = append(au, nal...)
	copy(au[at+len(nal):], au[at:old])
	copy(au[at:], nal)
	return au
}
