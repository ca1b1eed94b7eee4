package v4l2

import "time"

// M2MConfig describes a stateful encoder session (kernel doc dev-encoder).
type M2MConfig struct {
	Path          string
	Width, Height int
	FPS           int
	// Raw is the OUTPUT (picture) format, e.g. FmtYU12; Coded the CAPTURE
	// (bitstream) format, e.g. FmtH264 or FmtFWHT.
	Raw, Coded FourCC
	// BytesPerLine asks for an OUTPUT luma stride (0: the driver's choice);
	// bcm2835-codec wants a multiple of 64 for I420.
	BytesPerLine int
	// CodedSize asks for a CAPTURE buffer size (0: the driver's choice).
	CodedSize int
	// Buffers per queue (default 4).
	Buffers int
	// Controls are set after the formats and read back into Got.
	Controls []CtrlValue
}

// CtrlValue is a control to set, and the value the driver kept.
type CtrlValue struct {
	ID    uint32
	Value int32
	Got   int32
}

// Coded is one bitstream buffer the encoder produced. Data is valid only
// inside the callback that receives it.
type Coded struct {
	Data      []byte
	Timestamp time.Duration
	Flags     uint32
	Sequence  uint32
}

// Key reports whether the driver flagged the buffer as a keyframe.
func (c *Coded) Key() bool { return c.Flags&BufFlagKeyframe != 0 }

// Last reports whether this is the final buffer of a drain.
func (c *Coded) Last() bool { return c.Flags&BufFlagLast != 0 }

// FmtFWHT is vicodec's codec (Fast Walsh-Hadamard Transform).
const FmtFWHT FourCC = 'F' | 'W'<<8 | 'H'<<16 | 'T'<<24

// M2MInfo describes a memory-to-memory codec node: Coded is the format
// on its coded side (CAPTURE for an encoder, OUTPUT for a decoder).
type M2MInfo struct {
	Path   string `json:"path"`
	Card   string `json:"card"`
	Driver string `json:"driver"`
	Coded  FourCC `json:"coded"`
	MPlane bool   `json:"multiplanar"`
}

// EncoderInfo describes a memory-to-memory encoder node.
type EncoderInfo = M2MInfo

// DecoderInfo describes a memory-to-memory decoder node.
type DecoderInfo = M2MInfo
