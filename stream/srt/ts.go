package srt

import (
	"errors"
	"time"
)

// MPEG-TS layout: one program, PMT on pmtPID, H.264 on videoPID (which
// carries the PCR), AAC in ADTS on audioPID.
const (
	tsSize   = 188
	pmtPID   = 0x1000
	videoPID = 0x100
	audioPID = 0x101
	// chunkSize is one SRT live payload: seven TS packets.
	chunkSize = 7 * tsSize
	// tsOffset is added to every timestamp so that the PCR, which runs
	// pcrLead ahead of the first DTS, never goes below zero.
	tsOffset = 90000
	pcrLead  = 9000 // 100 ms in 90 kHz ticks
	tsMask   = 1<<33 - 1
)

// muxer packs H.264 access units and AAC frames into MPEG-TS and hands
// the result to send in chunks of at most seven TS packets. Once its
// buffer has been allocated it allocates nothing.
type muxer struct {
	send  func([]byte) error
	out   []byte // TS packets not yet sent: at most chunkSize
	adts  [7]byte
	pes   [32]byte // PES header, then an AUD or the ADTS header
	pat   [tsSize]byte
	pmt   [tsSize]byte
	ccPAT byte
	ccPMT byte
	ccV   byte
	ccA   byte
}

// aud is the access unit delimiter put in front of every access unit
// that has none (players and IVS expect one in MPEG-TS).
var aud = []byte{0, 0, 0, 1, 9, 0xF0}

// newMuxer makes a muxer for AAC described by asc (AudioSpecificConfig).
func newMuxer(asc []byte, send func([]byte) error) (*muxer, error) {
	m := &muxer{send: send, out: make([]byte, 0, chunkSize)}
	if err := m.setADTS(asc); err != nil {
		return nil, err
	}
	m.pat = psiPacket(0, []byte{0x00, 0xB0, 0, 0x00, 0x01, 0xC1, 0, 0, 0x00, 0x01, 0xE0 | pmtPID>>8, pmtPID & 0xFF})
	m.pmt = psiPacket(pmtPID, []byte{0x02, 0xB0, 0, 0x00, 0x01, 0xC1, 0, 0,
		0xE0 | videoPID>>8, videoPID & 0xFF, 0xF0, 0,
		0x1B, 0xE0 | videoPID>>8, videoPID & 0xFF, 0xF0, 0,
		0x0F, 0xE0 | audioPID>>8, audioPID & 0xFF, 0xF0, 0})
	return m, nil
}

// setADTS prepares the ADTS header of the AAC configuration asc.
func (m *muxer) setADTS(asc []byte) error {
	if len(asc) < 2 {
		return errors.New("srt: no AAC AudioSpecificConfig")
	}
	obj := asc[0] >> 3
	freq := (asc[0]&7)<<1 | asc[1]>>7
	ch := (asc[1] >> 3) & 0xF
	if obj < 1 || obj > 4 || freq > 12 || ch == 0 || ch > 7 {
		return errors.New("srt: AAC configuration not expressible in ADTS")
	}
	m.adts = [7]byte{0xFF, 0xF1, (obj-1)<<6 | freq<<2 | ch>>2, (ch & 3) << 6, 0, 0x1F, 0xFC}
	return nil
}

// psiPacket makes the TS packet of a PSI section (without its length and
// CRC, which it fills in).
func psiPacket(pid uint16, sec []byte) [tsSize]byte {
	var p [tsSize]byte
	n := len(sec) + 4 - 3 // after the length field, CRC included
	sec[1] |= byte(n >> 8)
	sec[2] = byte(n)
	p[0], p[1], p[2], p[3] = 0x47, 0x40|byte(pid>>8), byte(pid), 0x10
	p[4] = 0 // pointer field
	copy(p[5:], sec)
	c := crc32MPEG(sec)
	i := 5 + len(sec)
	p[i], p[i+1], p[i+2], p[i+3] = byte(c>>24), byte(c>>16), byte(c>>8), byte(c)
	for j := i + 4; j < tsSize; j++ {
		p[j] = 0xFF
	}
	return p
}

// crc32MPEG is the CRC of MPEG-2 PSI sections (polynomial 0x04C11DB7, not
// reflected, no final xor).
func crc32MPEG(b []byte) uint32 {
	c := uint32(0xFFFFFFFF)
	for _, x := range b {
		c ^= uint32(x) << 24
		for range 8 {
			if c&0x80000000 != 0 {
				c = c<<1 ^ 0x04C11DB7
			} else {
				c <<= 1
			}
		}
	}
	return c
}

// ticks converts d to the 90 kHz clock, offset and wrapped to 33 bits.
func ticks(d time.Duration) int64 {
	return ((int64(d)*9+50000)/100000 + tsOffset) & tsMask
}

// writeVideo sends one Annex B access unit. Keyframes are preceded by the
// PAT and PMT, so a receiver can start at any of them.
func (m *muxer) writeVideo(au []byte, dts, pts time.Duration, key bool) error {
	if key {
		if err := m.writeTables(); err != nil {
			return err
		}
	}
	d, p := ticks(dts), ticks(pts)
	h := m.pes[:14]
	copy(h, []byte{0, 0, 1, 0xE0, 0, 0, 0x80, 0x80, 5})
	putTS(h[9:], 2, p)
	if d != p {
		h = m.pes[:19]
		h[7], h[8] = 0xC0, 10
		putTS(h[9:], 3, p)
		putTS(h[14:], 1, d)
	}
	prefix := h
	if !startsWithAUD(au) {
		prefix = append(h, aud...) // within m.pes: no allocation
	}
	return m.writePES(videoPID, &m.ccV, prefix, au, (d-pcrLead)&tsMask, key)
}

// writeAudio sends one raw AAC frame with its ADTS header.
func (m *muxer) writeAudio(frame []byte, pts time.Duration) error {
	n := len(frame) + 7
	if n > 0x1FFF {
		return errors.New("srt: AAC frame too large for ADTS")
	}
	a := &m.adts
	a[3] = a[3]&0xFC | byte(n>>11)
	a[4] = byte(n >> 3)
	a[5] = byte(n)<<5 | 0x1F
	h := m.pes[:14]
	pesLen := 3 + 5 + n
	copy(h, []byte{0, 0, 1, 0xC0, byte(pesLen >> 8), byte(pesLen), 0x80, 0x80, 5})
	putTS(h[9:], 2, ticks(pts))
	h = append(h, a[:]...)
	return m.writePES(audioPID, &m.ccA, h, frame, -1, false)
}

// startsWithAUD reports whether au opens with an access unit delimiter.
func startsWithAUD(au []byte) bool {
	for i := 0; i+3 < len(au) && i < 4; i++ {
		if au[i] == 0 && au[i+1] == 0 && au[i+2] == 1 {
			return au[i+3]&0x1F == 9
		}
	}
	return false
}

// putTS writes a PES timestamp with its 4-bit prefix.
func putTS(b []byte, prefix byte, ts int64) {
	b[0] = prefix<<4 | byte(ts>>29)&0x0E | 1
	b[1] = byte(ts >> 22)
	b[2] = byte(ts>>14)&0xFE | 1
	b[3] = byte(ts >> 7)
	b[4] = byte(ts<<1)&0xFE | 1
}

// writeTables sends the PAT and PMT.
func (m *muxer) writeTables() error {
	m.pat[3] = 0x10 | m.ccPAT
	m.ccPAT = (m.ccPAT + 1) & 0xF
	m.pmt[3] = 0x10 | m.ccPMT
	m.ccPMT = (m.ccPMT + 1) & 0xF
	if err := m.put(m.pat[:]); err != nil {
		return err
	}
	return m.put(m.pmt[:])
}

// put queues one TS packet, sending when seven are queued.
func (m *muxer) put(p []byte) error {
	m.out = append(m.out, p...)
	if len(m.out) < chunkSize {
		return nil
	}
	return m.flush()
}

// flush sends what is queued.
func (m *muxer) flush() error {
	if len(m.out) == 0 {
		return nil
	}
	err := m.send(m.out)
	m.out = m.out[:0]
	return err
}

// writePES splits the PES made of head and body into TS packets on pid;
// the first carries pcr (when ≥ 0) and, for a keyframe, the random access
// flag. The last is padded with adaptation-field stuffing, and what is
// queued is sent, so nothing waits for the next frame.
func (m *muxer) writePES(pid uint16, cc *byte, head, body []byte, pcr int64, rai bool) error {
	first := true
	for len(head)+len(body) > 0 {
		n := len(m.out)
		m.out = m.out[:n+tsSize]
		p := m.out[n:]
		payload := packetHeader(p, pid, *cc, first, pcr, rai, len(head)+len(body))
		*cc = (*cc + 1) & 0xF
		k := copy(payload, head)
		head = head[k:]
		body = body[copy(payload[k:], body):]
		first = false
		if len(m.out) == chunkSize {
			if err := m.flush(); err != nil {
				return err
			}
		}
	}
	return m.flush()
}

// packetHeader writes the TS header and adaptation field of packet p and
// returns its payload, sized to carry left bytes or as many as fit.
func packetHeader(p []byte, pid uint16, cc byte, first bool, pcr int64, rai bool, left int) []byte {
	p[0], p[1], p[2] = 0x47, byte(pid>>8)&0x1F, byte(pid)
	if first {
		p[1] |= 0x40
	}
	af := 0 // adaptation field bytes, its length byte included
	var flags byte
	if first && rai {
		flags |= 0x40
		af = 2
	}
	if first && pcr >= 0 {
		flags |= 0x10
		af = 8
	}
	if left < tsSize-4-af {
		af = tsSize - 4 - left
	}
	p[3] = 0x10 | cc
	if af == 0 {
		return p[4:]
	}
	p[3] |= 0x20
	p[4] = byte(af - 1)
	if af > 1 {
		p[5] = flags
		i := 6
		if flags&0x10 != 0 {
			p[6], p[7], p[8], p[9] = byte(pcr>>25), byte(pcr>>17), byte(pcr>>9), byte(pcr>>1)
			p[10], p[11] = byte(pcr&1)<<7|0x7E, 0
			i = 12
		}
		for ; i < 4+af; i++ {
			p[i] = 0xFF
		}
	}
	return p[4+af:]
}
