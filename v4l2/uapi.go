package v4l2

import (
	"encoding/binary"
	"unsafe"
)

// This file mirrors include/uapi/linux/videodev2.h for the requests pitchbox
// makes. Field types are chosen so Go lays the structs out as C does on
// 64-bit (amd64, arm64) and 32-bit (arm) targets: C's long and pointers are
// Go's int and uintptr. uapi_test.go checks every size and request number
// against values computed from the kernel headers for each architecture.

// Buffer types.
const (
	BufTypeVideoOutput        = 2
	BufTypeVideoCaptureMPlane = 9
	BufTypeVideoOutputMPlane  = 10
)

// Memory types.
const MemoryMMAP = 1

// Fields.
const (
	FieldAny  = 0
	FieldNone = 1
)

// Capabilities (struct v4l2_capability).
const (
	CapVideoCapture       = 0x00000001
	CapVideoOutput        = 0x00000002
	CapVideoCaptureMPlane = 0x00001000
	CapVideoOutputMPlane  = 0x00002000
	CapVideoM2MMPlane     = 0x00004000
	CapVideoM2M           = 0x00008000
	CapStreaming          = 0x04000000
	CapDeviceCaps         = 0x80000000
)

// Buffer flags.
const (
	BufFlagKeyframe           = 0x00000008
	BufFlagPFrame             = 0x00000010
	BufFlagBFrame             = 0x00000020
	BufFlagError              = 0x00000040
	BufFlagTimestampMonotonic = 0x00002000
	BufFlagLast               = 0x00100000
)

// Encoder commands.
const (
	EncCmdStart = 0
	EncCmdStop  = 1
)

// Frame size and interval enumeration types.
const (
	FrmSizeDiscrete   = 1
	FrmSizeContinuous = 2
	FrmSizeStepwise   = 3
)

// CapTimePerFrame is set in Captureparm.Capability when S_PARM works.
const CapTimePerFrame = 0x1000

// Codec controls (V4L2_CID_CODEC_BASE = 0x00990900).
const (
	cidCodecBase              = 0x00990900
	CIDGOPSize                = cidCodecBase + 203
	CIDBitrateMode            = cidCodecBase + 206
	CIDBitrate                = cidCodecBase + 207
	CIDRepeatSeqHeader        = cidCodecBase + 226
	CIDForceKeyFrame          = cidCodecBase + 229
	CIDH264IPeriod            = cidCodecBase + 358
	CIDH264Level              = cidCodecBase + 359
	CIDH264Profile            = cidCodecBase + 363
	CIDFWHTIFrameQP           = cidCodecBase + 290
	CIDFWHTPFrameQP           = cidCodecBase + 291
	CtrlClassCodec            = 0x00990000
	BitrateModeVBR            = 0
	BitrateModeCBR            = 1
	H264ProfileConstrainedBas = 1
	H264ProfileMain           = 2
	H264ProfileHigh           = 4
	H264Level31               = 9
	H264Level40               = 11
	H264Level41               = 12
)

// Capability is struct v4l2_capability.
type Capability struct {
	Driver       [16]byte
	Card         [32]byte
	BusInfo      [32]byte
	Version      uint32
	Capabilities uint32
	DeviceCaps   uint32
	Reserved     [3]uint32
}

// Caps returns the device's own capabilities (DeviceCaps when present).
func (c *Capability) Caps() uint32 {
	if c.Capabilities&CapDeviceCaps != 0 {
		return c.DeviceCaps
	}
	return c.Capabilities
}

// CString returns a NUL-terminated byte array as a string.
func CString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// FmtDesc is struct v4l2_fmtdesc.
type FmtDesc struct {
	Index       uint32
	Type        uint32
	Flags       uint32
	Description [32]byte
	PixelFormat FourCC
	MbusCode    uint32
	Reserved    [3]uint32
}

// PlanePixFormat is struct v4l2_plane_pix_format.
type PlanePixFormat struct {
	SizeImage    uint32
	BytesPerLine uint32
	Reserved     [6]uint16
}

// PixFormatMPlane is struct v4l2_pix_format_mplane.
type PixFormatMPlane struct {
	Width        uint32
	Height       uint32
	PixelFormat  FourCC
	Field        uint32
	Colorspace   uint32
	PlaneFmt     [8]PlanePixFormat
	NumPlanes    uint8
	Flags        uint8
	YCbCrEnc     uint8
	Quantization uint8
	XferFunc     uint8
	Reserved     [7]uint8
}

// PixMP returns the union as a v4l2_pix_format_mplane.
func (f *Format) PixMP() *PixFormatMPlane { return (*PixFormatMPlane)(unsafe.Pointer(&f.Fmt[0])) }

// RequestBuffers is struct v4l2_requestbuffers.
type RequestBuffers struct {
	Count        uint32
	Type         uint32
	Memory       uint32
	Capabilities uint32
	Flags        uint8
	Reserved     [3]uint8
}

// Timeval is struct timeval as the kernel headers see it.
type Timeval struct {
	Sec  int
	Usec int
}

// Timecode is struct v4l2_timecode.
type Timecode struct {
	Type     uint32
	Flags    uint32
	Frames   uint8
	Seconds  uint8
	Minutes  uint8
	Hours    uint8
	Userbits [4]uint8
}

// Buffer is struct v4l2_buffer. M is the union: the MMAP offset (low 32
// bits, little-endian), or for multi-planar buffers a pointer to the
// Plane array, which the caller keeps alive across the ioctl.
type Buffer struct {
	Index     uint32
	Type      uint32
	BytesUsed uint32
	Flags     uint32
	Field     uint32
	Timestamp Timeval
	Timecode  Timecode
	Sequence  uint32
	Memory    uint32
	M         uintptr
	Length    uint32
	Reserved2 uint32
	RequestFD int32
}

// Plane is struct v4l2_plane. M holds mem_offset in its low 32 bits.
type Plane struct {
	BytesUsed  uint32
	Length     uint32
	M          uintptr
	DataOffset uint32
	Reserved   [11]uint32
}

// Fract is struct v4l2_fract.
type Fract struct {
	Numerator   uint32
	Denominator uint32
}

// StreamParm is struct v4l2_streamparm; the union holds a
// v4l2_captureparm or v4l2_outputparm, which share a layout.
type StreamParm struct {
	Type uint32
	Parm [200]byte
}

// CaptureParm is struct v4l2_captureparm (and v4l2_outputparm).
type CaptureParm struct {
	Capability   uint32
	CaptureMode  uint32
	TimePerFrame Fract
	ExtendedMode uint32
	ReadBuffers  uint32
	Reserved     [4]uint32
}

// Capture returns the union as a v4l2_captureparm.
func (s *StreamParm) Capture() *CaptureParm { return (*CaptureParm)(unsafe.Pointer(&s.Parm[0])) }

// Control is struct v4l2_control.
type Control struct {
	ID    uint32
	Value int32
}

// ExtControl is struct v4l2_ext_control, which the kernel packs: the
// 8-byte value union sits at offset 12.
type ExtControl struct {
	ID        uint32
	Size      uint32
	Reserved2 uint32
	Value     [8]byte
}

// Int returns the control's 32-bit value.
func (c *ExtControl) Int() int32 { return int32(binary.LittleEndian.Uint32(c.Value[:4])) }

// SetInt sets the control's 32-bit value.
func (c *ExtControl) SetInt(v int32) {
	binary.LittleEndian.PutUint64(c.Value[:], uint64(int64(v)))
}

// ExtControls is struct v4l2_ext_controls; Controls points at an
// ExtControl array the caller keeps alive across the ioctl.
type ExtControls struct {
	Which     uint32
	Count     uint32
	ErrorIdx  uint32
	RequestFD int32
	Reserved  uint32
	Controls  uintptr
}

// EncoderCmd is struct v4l2_encoder_cmd.
type EncoderCmd struct {
	Cmd   uint32
	Flags uint32
	Data  [8]uint32
}

// FrmSizeEnum is struct v4l2_frmsizeenum; for discrete sizes only the
// first two union words (width, height) are set.
type FrmSizeEnum struct {
	Index       uint32
	PixelFormat FourCC
	Type        uint32
	// Union: discrete {width, height} or stepwise {min_width, max_width,
	// step_width, min_height, max_height, step_height}.
	U        [6]uint32
	Reserved [2]uint32
}

// FrmIvalEnum is struct v4l2_frmivalenum.
type FrmIvalEnum struct {
	Index       uint32
	PixelFormat FourCC
	Width       uint32
	Height      uint32
	Type        uint32
	// Union: discrete fract, or stepwise {min, max, step} fracts.
	U        [6]uint32
	Reserved [2]uint32
}

// QueryCtrl is struct v4l2_queryctrl.
type QueryCtrl struct {
	ID           uint32
	Type         uint32
	Name         [32]byte
	Minimum      int32
	Maximum      int32
	Step         int32
	DefaultValue int32
	Flags        uint32
	Reserved     [2]uint32
}

// Rect is struct v4l2_rect.
type Rect struct {
	Left, Top     int32
	Width, Height uint32
}

// Selection is struct v4l2_selection.
type Selection struct {
	Type     uint32
	Target   uint32
	Flags    uint32
	R        Rect
	Reserved [9]uint32
}

// SelTgtCrop is V4L2_SEL_TGT_CROP: on an encoder's OUTPUT queue, the
// visible part of the picture.
const SelTgtCrop = 0

// SelTgtCompose is V4L2_SEL_TGT_COMPOSE: on a decoder's CAPTURE queue,
// the visible part of the decoded picture.
const SelTgtCompose = 0x100

// Decoder commands.
const (
	DecCmdStart = 0
	DecCmdStop  = 1
)

// Events (VIDIOC_SUBSCRIBE_EVENT, VIDIOC_DQEVENT).
const (
	EventEOS             = 2
	EventSourceChange    = 5
	EventSrcChResolution = 1
)

// DecoderCmd is struct v4l2_decoder_cmd; Data is the union (stop.pts,
// start.speed and format, raw.data).
type DecoderCmd struct {
	Cmd   uint32
	Flags uint32
	Data  [16]uint32
}

// EventSubscription is struct v4l2_event_subscription.
type EventSubscription struct {
	Type     uint32
	ID       uint32
	Flags    uint32
	Reserved [5]uint32
}

// Timespec is struct timespec as the kernel headers see it.
type Timespec struct {
	Sec  int
	Nsec int
}

// Event is struct v4l2_event. The union holds a 64-bit member, so C
// aligns it (and the struct) to 8 bytes; Pad makes that explicit for
// Go, and eventTail pads the end where C does (32-bit arm).
type Event struct {
	Type      uint32
	Pad       uint32
	U         [64]byte
	Pending   uint32
	Sequence  uint32
	Timestamp Timespec
	ID        uint32
	Reserved  [8]uint32
	_         [eventTail]byte
}

// eventTail is the padding C puts at the end of v4l2_event where Go
// would not: on 32-bit arm the struct's 124 bytes round up to 128 (EABI
// aligns 64-bit members to 8, Go to 4). On 64-bit targets it is 0.
const eventTail = 8 - unsafe.Sizeof(uintptr(0))

// SrcChanges returns the union as a source change's changes field.
func (e *Event) SrcChanges() uint32 { return binary.LittleEndian.Uint32(e.U[:4]) }

// Request numbers (_IOR/_IOW/_IOWR('V', nr, type)).
var (
	VIDIOC_QUERYCAP            = ioc(iocRead, 'V', 0, unsafe.Sizeof(Capability{}))
	VIDIOC_ENUM_FMT            = ioc(iocRead|iocWrite, 'V', 2, unsafe.Sizeof(FmtDesc{}))
	VIDIOC_S_FMT               = ioc(iocRead|iocWrite, 'V', 5, unsafe.Sizeof(Format{}))
	VIDIOC_REQBUFS             = ioc(iocRead|iocWrite, 'V', 8, unsafe.Sizeof(RequestBuffers{}))
	VIDIOC_QUERYBUF            = ioc(iocRead|iocWrite, 'V', 9, unsafe.Sizeof(Buffer{}))
	VIDIOC_QBUF                = ioc(iocRead|iocWrite, 'V', 15, unsafe.Sizeof(Buffer{}))
	VIDIOC_DQBUF               = ioc(iocRead|iocWrite, 'V', 17, unsafe.Sizeof(Buffer{}))
	VIDIOC_STREAMON            = ioc(iocWrite, 'V', 18, unsafe.Sizeof(int32(0)))
	VIDIOC_STREAMOFF           = ioc(iocWrite, 'V', 19, unsafe.Sizeof(int32(0)))
	VIDIOC_G_PARM              = ioc(iocRead|iocWrite, 'V', 21, unsafe.Sizeof(StreamParm{}))
	VIDIOC_S_PARM              = ioc(iocRead|iocWrite, 'V', 22, unsafe.Sizeof(StreamParm{}))
	VIDIOC_G_CTRL              = ioc(iocRead|iocWrite, 'V', 27, unsafe.Sizeof(Control{}))
	VIDIOC_S_CTRL              = ioc(iocRead|iocWrite, 'V', 28, unsafe.Sizeof(Control{}))
	VIDIOC_QUERYCTRL           = ioc(iocRead|iocWrite, 'V', 36, unsafe.Sizeof(QueryCtrl{}))
	VIDIOC_QUERYMENU           = ioc(iocRead|iocWrite, 'V', 37, unsafe.Sizeof(QueryMenu{}))
	VIDIOC_G_EXT_CTRLS         = ioc(iocRead|iocWrite, 'V', 71, unsafe.Sizeof(ExtControls{}))
	VIDIOC_S_EXT_CTRLS         = ioc(iocRead|iocWrite, 'V', 72, unsafe.Sizeof(ExtControls{}))
	VIDIOC_ENUM_FRAMESIZES     = ioc(iocRead|iocWrite, 'V', 74, unsafe.Sizeof(FrmSizeEnum{}))
	VIDIOC_ENUM_FRAMEINTERVALS = ioc(iocRead|iocWrite, 'V', 75, unsafe.Sizeof(FrmIvalEnum{}))
	VIDIOC_ENCODER_CMD         = ioc(iocRead|iocWrite, 'V', 77, unsafe.Sizeof(EncoderCmd{}))
	VIDIOC_S_SELECTION         = ioc(iocRead|iocWrite, 'V', 95, unsafe.Sizeof(Selection{}))
	VIDIOC_G_SELECTION         = ioc(iocRead|iocWrite, 'V', 94, unsafe.Sizeof(Selection{}))
	VIDIOC_DQEVENT             = ioc(iocRead, 'V', 89, unsafe.Sizeof(Event{}))
	VIDIOC_SUBSCRIBE_EVENT     = ioc(iocWrite, 'V', 90, unsafe.Sizeof(EventSubscription{}))
	VIDIOC_DECODER_CMD         = ioc(iocRead|iocWrite, 'V', 96, unsafe.Sizeof(DecoderCmd{}))
)
