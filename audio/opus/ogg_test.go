//go:build cgo

package opus

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// oggCRCTable is CRC-32 with polynomial 0x04c11db7, most significant bit
// first, no reflection, initial value and final XOR zero (RFC 3533 §6).
var oggCRCTable = func() (t [256]uint32) {
	for i := range t {
		r := uint32(i) << 24
		for range 8 {
			if r&0x80000000 != 0 {
				r = r<<1 ^ 0x04c11db7
			} else {
				r <<= 1
			}
		}
		t[i] = r
	}
	return t
}()

func oggCRC(b []byte) uint32 {
	var c uint32
	for _, x := range b {
		c = c<<8 ^ oggCRCTable[byte(c>>24)^x]
	}
	return c
}

// Page header flags (RFC 3533 §6).
const (
	oggBOS = 0x02
	oggEOS = 0x04
)

// oggWriter writes one packet per page, which is all an Opus file needs.
type oggWriter struct {
	buf    bytes.Buffer
	serial uint32
	seq    uint32
}

func (o *oggWriter) page(packet []byte, granule int64, flags byte) {
	// Lacing: 255 for each full segment, then the rest (0 if none).
	var lacing []byte
	n := len(packet)
	for ; n >= 255; n -= 255 {
		lacing = append(lacing, 255)
	}
	lacing = append(lacing, byte(n))
	h := make([]byte, 27, 27+len(lacing)+len(packet))
	copy(h, "OggS") // version 0 at h[4]
	h[5] = flags
	binary.LittleEndian.PutUint64(h[6:], uint64(granule))
	binary.LittleEndian.PutUint32(h[14:], o.serial)
	binary.LittleEndian.PutUint32(h[18:], o.seq)
	h[26] = byte(len(lacing))
	p := append(append(h, lacing...), packet...)
	binary.LittleEndian.PutUint32(p[22:], oggCRC(p)) // computed with the CRC field zero
	o.buf.Write(p)
	o.seq++
}

// writeOggOpus writes packets of frame samples each as an Ogg Opus file
// (RFC 7845) and returns its path. The last granule position marks the end
// of the sound, so a decoder yields len(packets)*frame - preSkip samples.
func writeOggOpus(t *testing.T, packets [][]byte, channels, preSkip, frame int) string {
	t.Helper()
	o := &oggWriter{serial: 0x70697463}
	head := []byte("OpusHead")
	head = append(head, 1, byte(channels))
	head = binary.LittleEndian.AppendUint16(head, uint16(preSkip))
	head = binary.LittleEndian.AppendUint32(head, Rate)
	head = append(head, 0, 0, 0) // output gain 0, mapping family 0
	o.page(head, 0, oggBOS)
	tags := []byte("OpusTags")
	tags = binary.LittleEndian.AppendUint32(tags, 8)
	tags = append(tags, "pitchbox"...)
	tags = binary.LittleEndian.AppendUint32(tags, 0) // no comments
	o.page(tags, 0, 0)
	for i, p := range packets {
		var flags byte
		if i == len(packets)-1 {
			flags = oggEOS
		}
		o.page(p, int64(i+1)*int64(frame), flags)
	}
	path := filepath.Join(t.TempDir(), "out.opus.ogg")
	if err := os.WriteFile(path, o.buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// slowOggCRC is the CRC of RFC 3533 §6 bit by bit, as the RFC defines it.
func slowOggCRC(b []byte) uint32 {
	var c uint32
	for _, x := range b {
		c ^= uint32(x) << 24
		for range 8 {
			if c&0x80000000 != 0 {
				c = c<<1 ^ 0x04c11db7
			} else {
				c <<= 1
			}
		}
	}
	return c
}

// The table-driven CRC agrees with the bitwise one (and ffmpeg, which
// checks every page's CRC, reads the files of the other tests).
func TestOggCRC(t *testing.T) {
	inputs := [][]byte{nil, {0}, []byte("123456789"), []byte("OggS\x00\x02"), bytes.Repeat([]byte{0xa5, 0x3c, 0xff}, 300)}
	for _, b := range inputs {
		if got, want := oggCRC(b), slowOggCRC(b); got != want {
			t.Fatalf("CRC of % x: %#08x, want %#08x", b, got, want)
		}
	}
	if c := oggCRC([]byte("123456789")); c != 0x89a1897f {
		t.Fatalf("CRC of 123456789: %#08x, want 0x89a1897f", c)
	}
}
