package uvcdev

import (
	"encoding/binary"
	"unicode/utf16"
)

// Format is a UVC video format.
type Format int

// The formats a C920-class webcam offers.
const (
	MJPEG Format = 1 + iota
	YUYV
)

func (f Format) String() string {
	if f == MJPEG {
		return "MJPEG"
	}
	return "YUYV"
}

// Mode is one frame size of a format with the rates offered for it,
// fastest first.
type Mode struct {
	Format        Format
	Width, Height int
	FPS           []int
}

// C920 is the mode table of a Logitech C920 over USB 2 (abridged): MJPEG
// reaches 30 fps at every size, raw YUYV only at 640x480.
var C920 = []Mode{
	{MJPEG, 1920, 1080, []int{30, 15}},
	{MJPEG, 1280, 720, []int{30, 15}},
	{MJPEG, 640, 480, []int{30, 15}},
	{YUYV, 1920, 1080, []int{5}},
	{YUYV, 1280, 720, []int{10, 5}},
	{YUYV, 640, 480, []int{30, 15}},
}

// streamEP is the bulk IN streaming endpoint's address.
const streamEP = 0x81

// maxPayload is dwMaxPayloadTransferSize: one uvcvideo bulk URB (32
// packets of 512 bytes) carries one payload.
const maxPayload = 16384

// Interface numbers and unit IDs.
const (
	ifControl   = 0
	ifStreaming = 1
	idCamera    = 1
	idProc      = 2
	idOutput    = 3
)

// desc appends little-endian descriptor fields: bytes, uint16, uint32
// and []byte values.
func desc(b []byte, fields ...any) []byte {
	for _, f := range fields {
		switch v := f.(type) {
		case int:
			b = append(b, byte(v))
		case uint16:
			b = binary.LittleEndian.AppendUint16(b, v)
		case uint32:
			b = binary.LittleEndian.AppendUint32(b, v)
		case []byte:
			b = append(b, v...)
		}
	}
	return b
}

// deviceDescriptor is the standard device descriptor: a composite
// device with an interface association (class EF/02/01).
func deviceDescriptor() []byte {
	return desc(nil, 18, 1, uint16(0x0200), 0xEF, 0x02, 0x01, 64,
		uint16(0x1209), uint16(0x0c92), uint16(0x0100), 1, 2, 3, 1)
}

// qualifierDescriptor answers GET_DESCRIPTOR(DEVICE_QUALIFIER) for a
// high-speed device.
func qualifierDescriptor() []byte {
	return desc(nil, 10, 6, uint16(0x0200), 0xEF, 0x02, 0x01, 64, 1, 0)
}

// strings are the string descriptors 1..3.
var strs = []string{"pitchbox", "HIL C920 Camera", "PB0001"}

// stringDescriptor returns string descriptor i (0: the language list).
func stringDescriptor(i int) []byte {
	if i == 0 {
		return []byte{4, 3, 0x09, 0x04}
	}
	if i > len(strs) {
		return nil
	}
	u := utf16.Encode([]rune(strs[i-1]))
	b := []byte{byte(2 + 2*len(u)), 3}
	for _, r := range u {
		b = binary.LittleEndian.AppendUint16(b, r)
	}
	return b
}

// yuy2GUID is the YUY2 format GUID (32595559-0000-0010-8000-00AA00389B71).
var yuy2GUID = []byte{'Y', 'U', 'Y', '2', 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71}

// interval converts frames per second into 100 ns units.
func interval(fps int) uint32 { return uint32(10_000_000 / fps) }

// configDescriptor builds the configuration: IAD, VideoControl with
// camera terminal → processing unit → output terminal, VideoStreaming
// with its formats and frames, and the bulk endpoint.
func configDescriptor(modes []Mode) []byte {
	vc := vcDescriptors()
	vs := vsDescriptors(modes)
	var b []byte
	b = desc(b, 8, 0x0B, ifControl, 2, 0x0E, 0x03, 0, 2) // IAD: video interface collection
	b = desc(b, 9, 4, ifControl, 0, 0, 0x0E, 0x01, 0, 2) // VC interface, no interrupt endpoint
	b = append(b, vc...)
	b = desc(b, 9, 4, ifStreaming, 0, 1, 0x0E, 0x02, 0, 0) // VS interface, one endpoint
	b = append(b, vs...)
	b = desc(b, 7, 5, streamEP, 0x02, uint16(512), 0) // bulk IN
	total := 9 + len(b)
	head := desc(nil, 9, 2, uint16(total), 2, 1, 0, 0x80, 250)
	return append(head, b...)
}

// vcDescriptors are the class-specific VideoControl descriptors (UVC 1.1).
func vcDescriptors() []byte {
	var units []byte
	// Camera terminal: no camera controls.
	units = desc(units, 18, 0x24, 0x02, idCamera, uint16(0x0201), 0, 0, uint16(0), uint16(0), uint16(0), 3, 0, 0, 0)
	// Processing unit: brightness and contrast (bmControls bits 0, 1);
	// UVC 1.1 ends with bmVideoStandards.
	units = desc(units, 12, 0x24, 0x05, idProc, idCamera, uint16(0), 2, 0x03, 0x00, 0, 0)
	// Output terminal: USB streaming.
	units = desc(units, 9, 0x24, 0x03, idOutput, uint16(0x0101), 0, idProc, 0)
	head := desc(nil, 13, 0x24, 0x01, uint16(0x0110), uint16(13+len(units)), uint32(48_000_000), 1, ifStreaming)
	return append(head, units...)
}

// vsDescriptors are the class-specific VideoStreaming descriptors: the
// input header, then each format with its frames.
func vsDescriptors(modes []Mode) []byte {
	var body []byte
	for fi, f := range []Format{MJPEG, YUYV} {
		var frames []byte
		n := 0
		for _, m := range modes {
			if m.Format != f {
				continue
			}
			n++
			frames = frameDescriptor(frames, m, n)
		}
		if f == MJPEG {
			body = desc(body, 11, 0x24, 0x06, fi+1, n, 1, 1, 0, 0, 0, 0)
		} else {
			body = desc(body, 27, 0x24, 0x04, fi+1, n, yuy2GUID, 16, 1, 0, 0, 0, 0)
		}
		body = append(body, frames...)
	}
	head := desc(nil, 15, 0x24, 0x01, 2, uint16(15+len(body)), streamEP, 0, idOutput, 0, 0, 0, 1, 0, 0)
	return append(head, body...)
}

// frameDescriptor appends one discrete frame descriptor (MJPEG or
// uncompressed: the same layout).
func frameDescriptor(b []byte, m Mode, index int) []byte {
	sub := 0x07
	if m.Format == YUYV {
		sub = 0x05
	}
	size := uint32(m.Width * m.Height * 2)
	b = desc(b, 26+4*len(m.FPS), 0x24, sub, index, 0, uint16(m.Width), uint16(m.Height),
		size*8*uint32(m.FPS[len(m.FPS)-1]), size*8*uint32(m.FPS[0]), size, interval(m.FPS[0]), len(m.FPS))
	for _, r := range m.FPS {
		b = desc(b, interval(r))
	}
	return b
}
