package uvcdev

import (
	"encoding/binary"
	"sync"
)

// Standard requests (USB 2.0 chapter 9).
const (
	reqGetStatus     = 0
	reqClearFeature  = 1
	reqSetFeature    = 3
	reqGetDescriptor = 6
	reqGetConfig     = 8
	reqSetConfig     = 9
	reqGetInterface  = 10
	reqSetInterface  = 11
)

// UVC class requests and selectors.
const (
	setCur  = 0x01
	getCur  = 0x81
	getMin  = 0x82
	getMax  = 0x83
	getRes  = 0x84
	getLen  = 0x85
	getInfo = 0x86
	getDef  = 0x87

	vsProbe       = 1
	vsCommit      = 2
	vcErrorCode   = 2
	puBrightness  = 2
	puContrast    = 3
	probeLen      = 34 // UVC 1.1 streaming control
	clockFreq     = 48_000_000
	framingEOFFID = 3
)

// Camera is the emulated webcam. Its methods are safe for concurrent use.
type Camera struct {
	modes []Mode
	mu    sync.Mutex
	probe [probeLen]byte
	ctrls map[uint8]int16 // processing unit controls by selector
	// conn is the live connection, nil while unplugged.
	conn *conn
	st   streamer
}

// New makes a camera offering modes (C920 if nil).
func New(modes []Mode) *Camera {
	if modes == nil {
		modes = C920
	}
	c := &Camera{modes: modes, ctrls: map[uint8]int16{puBrightness: 0, puContrast: 32}}
	c.st.init(c)
	c.probe = c.normalize(c.defaults())
	return c
}

// setup is a control transfer's setup packet.
type setup struct {
	reqType, req         uint8
	value, index, length uint16
}

func parseSetup(b [8]byte) setup {
	le := binary.LittleEndian
	return setup{b[0], b[1], le.Uint16(b[2:]), le.Uint16(b[4:]), le.Uint16(b[6:])}
}

// control answers a control transfer on endpoint 0: a status (0 or a
// negative errno; EPIPE stalls) and the data of an IN transfer.
func (c *Camera) control(raw [8]byte, out []byte) (int32, []byte) {
	s := parseSetup(raw)
	switch s.reqType & 0x60 {
	case 0x00:
		return c.standard(s)
	case 0x20:
		return c.class(s, out)
	}
	return errPipe, nil
}

// standard answers the chapter 9 requests the kernel sends.
func (c *Camera) standard(s setup) (int32, []byte) {
	switch s.req {
	case reqGetDescriptor:
		var d []byte
		switch s.value >> 8 {
		case 1:
			d = deviceDescriptor()
		case 2:
			d = configDescriptor(c.modes)
		case 3:
			d = stringDescriptor(int(s.value & 0xff))
		case 6:
			d = qualifierDescriptor()
		}
		if d == nil {
			return errPipe, nil
		}
		return 0, d
	case reqGetStatus:
		return 0, []byte{0, 0}
	case reqGetConfig:
		return 0, []byte{1}
	case reqGetInterface:
		return 0, []byte{0}
	case reqSetConfig, reqSetFeature:
		return 0, nil
	case reqSetInterface:
		if s.index == ifStreaming {
			c.st.stop()
		}
		return 0, nil
	case reqClearFeature:
		// CLEAR_FEATURE(ENDPOINT_HALT) on the streaming endpoint is how
		// uvcvideo says a bulk stream stopped.
		if s.reqType&0x1f == 2 && s.index&0xff == streamEP {
			c.st.stop()
		}
		return 0, nil
	}
	return errPipe, nil
}

// class answers UVC requests: the processing unit's controls and the
// streaming interface's probe and commit.
func (c *Camera) class(s setup, out []byte) (int32, []byte) {
	iface, entity, sel := s.index&0xff, uint8(s.index>>8), uint8(s.value>>8)
	switch {
	case iface == ifStreaming && (sel == vsProbe || sel == vsCommit):
		return c.streamControl(s.req, sel, out)
	case iface == ifControl && entity == idProc && (sel == puBrightness || sel == puContrast):
		return c.procControl(s.req, sel, out)
	case iface == ifControl && entity == 0 && sel == vcErrorCode:
		if s.req == getCur {
			return 0, []byte{0}
		}
		if s.req == getInfo {
			return 0, []byte{1}
		}
	}
	return errPipe, nil
}

// procControl serves brightness (-64..64, default 0) and contrast
// (0..95, default 32), two bytes each.
func (c *Camera) procControl(req, sel uint8, out []byte) (int32, []byte) {
	lo, hi, def := int16(-64), int16(64), int16(0)
	if sel == puContrast {
		lo, hi, def = 0, 95, 32
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	v := int16(0)
	switch req {
	case setCur:
		if len(out) < 2 {
			return errPipe, nil
		}
		c.ctrls[sel] = min(max(int16(binary.LittleEndian.Uint16(out)), lo), hi)
		return 0, nil
	case getInfo:
		return 0, []byte{0x03} // GET and SET supported
	case getLen:
		return 0, []byte{2, 0}
	case getCur:
		v = c.ctrls[sel]
	case getMin:
		v = lo
	case getMax:
		v = hi
	case getRes:
		v = 1
	case getDef:
		v = def
	default:
		return errPipe, nil
	}
	return 0, binary.LittleEndian.AppendUint16(nil, uint16(v))
}

// streamControl serves VS_PROBE_CONTROL and VS_COMMIT_CONTROL. A commit
// starts streaming in the committed mode.
func (c *Camera) streamControl(req, sel uint8, out []byte) (int32, []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch req {
	case setCur:
		var p [probeLen]byte
		copy(p[:], out)
		p = c.normalize(p)
		c.probe = p
		if sel == vsCommit {
			m, fps := c.modeOf(p)
			c.st.start(m, fps)
		}
		return 0, nil
	case getCur, getMin, getMax, getDef:
		p := c.probe
		if req != getCur {
			p = c.normalize(c.defaults())
		}
		q := binary.LittleEndian.Uint16(p[12:])
		switch req {
		case getMin:
			q = 0
		case getMax:
			q = 10000
		}
		binary.LittleEndian.PutUint16(p[12:], q)
		return 0, p[:]
	case getLen:
		return 0, []byte{probeLen, 0}
	case getInfo:
		return 0, []byte{0x03}
	}
	return errPipe, nil
}

// defaults is the probe control's default: the first format's first frame
// at its fastest rate.
func (c *Camera) defaults() [probeLen]byte {
	var p [probeLen]byte
	p[2], p[3] = 1, 1
	return p
}

// modeIndex finds the mode with a format (1-based) and frame index
// (1-based within the format), or -1.
func (c *Camera) modeIndex(format, frame int) int {
	n := 0
	for i, m := range c.modes {
		if int(m.Format) == format {
			n++
			if n == frame {
				return i
			}
		}
	}
	return -1
}

// modeOf returns the mode and rate a probe control names.
func (c *Camera) modeOf(p [probeLen]byte) (Mode, int) {
	m := c.modes[c.modeIndex(int(p[2]), int(p[3]))]
	iv := binary.LittleEndian.Uint32(p[4:])
	return m, int((10_000_000 + iv/2) / iv)
}

// normalize makes a probe control the device can do: a format and frame
// that exist, the nearest offered interval, and the sizes it needs.
func (c *Camera) normalize(p [probeLen]byte) [probeLen]byte {
	if c.modeIndex(int(p[2]), 1) < 0 {
		p[2] = 1
	}
	if c.modeIndex(int(p[2]), int(p[3])) < 0 {
		p[3] = 1
	}
	m := c.modes[c.modeIndex(int(p[2]), int(p[3]))]
	le := binary.LittleEndian
	want := le.Uint32(p[4:])
	best := interval(m.FPS[0])
	for _, r := range m.FPS {
		if iv := interval(r); want != 0 && absDiff(iv, want) < absDiff(best, want) {
			best = iv
		}
	}
	le.PutUint32(p[4:], best)
	le.PutUint32(p[18:], uint32(m.Width*m.Height*2)) // dwMaxVideoFrameSize
	le.PutUint32(p[22:], maxPayload)                 // dwMaxPayloadTransferSize
	le.PutUint32(p[26:], clockFreq)
	p[30], p[31], p[32], p[33] = framingEOFFID, 1, 1, 1
	return p
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}
