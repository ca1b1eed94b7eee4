// Package v4l2 talks to Linux video devices through the kernel's V4L2 API
// in pure Go: cameras through the capture streaming API (MMAP buffers,
// driver-reported formats and timestamps), and stateful memory-to-memory
// codecs. Request numbers and struct layouts are plain Go (uapi.go), tested
// against the kernel headers for amd64, arm64 and arm; syscalls live in
// _linux.go files, and other systems get ErrUnsupported.
package v4l2

import (
	"errors"
	"unsafe"
)

// ErrUnsupported is returned on systems without V4L2.
var ErrUnsupported = errors.New("v4l2: not supported on this system")

// FourCC is a V4L2 pixel format code.
type FourCC uint32

// Pixel formats pitchbox reads, in order of preference: planar 4:2:0 needs
// no conversion, NV12 a cheap one, YUYV a cheap one at half the bandwidth
// efficiency, MJPEG a decode (but is what USB 2 cameras need for 1080p30).
const (
	FmtYU12  FourCC = 'Y' | 'U'<<8 | '1'<<16 | '2'<<24
	FmtNV12  FourCC = 'N' | 'V'<<8 | '1'<<16 | '2'<<24
	FmtYUYV  FourCC = 'Y' | 'U'<<8 | 'Y'<<16 | 'V'<<24
	FmtMJPEG FourCC = 'M' | 'J'<<8 | 'P'<<16 | 'G'<<24
	FmtJPEG  FourCC = 'J' | 'P'<<8 | 'E'<<16 | 'G'<<24
	FmtH264  FourCC = 'H' | '2'<<8 | '6'<<16 | '4'<<24
)

// Preferred lists capture formats from best to worst.
var Preferred = []FourCC{FmtYU12, FmtNV12, FmtYUYV, FmtMJPEG, FmtJPEG}

func (f FourCC) String() string {
	b := []byte{byte(f), byte(f >> 8), byte(f >> 16), byte(f >> 24)}
	for i, c := range b {
		if c < 0x20 || c > 0x7E {
			b[i] = '?'
		}
	}
	return string(b)
}

// ioctl request encoding (include/uapi/asm-generic/ioctl.h).
const (
	iocWrite = 1
	iocRead  = 2

	iocNRShift   = 0
	iocTypeShift = 8
	iocSizeShift = 16
	iocDirShift  = 30
)

func ioc(dir, typ, nr, size uintptr) uintptr {
	return dir<<iocDirShift | typ<<iocTypeShift | nr<<iocNRShift | size<<iocSizeShift
}

// PixFormat is struct v4l2_pix_format.
type PixFormat struct {
	Width        uint32
	Height       uint32
	PixelFormat  FourCC
	Field        uint32
	BytesPerLine uint32
	SizeImage    uint32
	Colorspace   uint32
	Priv         uint32
	Flags        uint32
	YCbCrEnc     uint32
	Quantization uint32
	XferFunc     uint32
}

// Format is struct v4l2_format: a buffer type and a 200-byte union whose
// alignment is that of a pointer (the union holds struct v4l2_window).
type Format struct {
	Type uint32
	_    [0]uintptr
	Fmt  [200]byte
}

// Pix returns the union as a v4l2_pix_format.
func (f *Format) Pix() *PixFormat { return (*PixFormat)(unsafe.Pointer(&f.Fmt[0])) }

// Buffer types.
const (
	BufTypeVideoCapture = 1
)

// Request numbers.
var (
	VIDIOC_G_FMT = ioc(iocRead|iocWrite, 'V', 4, unsafe.Sizeof(Format{}))
)

// FrameSize is one size a camera offers for a format; a stepwise range
// shows as Min…Max.
type FrameSize struct {
	Width, Height       uint32
	MaxWidth, MaxHeight uint32
	Rates               []float64
}

// FormatInfo is one pixel format of a device.
type FormatInfo struct {
	FourCC      FourCC      `json:"fourcc"`
	Description string      `json:"description"`
	Sizes       []FrameSize `json:"sizes"`
}

// DeviceInfo describes a capture device.
type DeviceInfo struct {
	Path    string       `json:"path"`
	Name    string       `json:"name"`
	Bus     string       `json:"bus"`
	Formats []FormatInfo `json:"formats"`
}

// CameraConfig says what to open and ask for.
type CameraConfig struct {
	Path          string
	Width, Height int
	FPS           int
	// Format forces a pixel format; zero picks the best offered.
	Format FourCC
	// Decoder decodes MJPEG: DecoderAuto, DecoderCPU or DecoderM2M.
	Decoder  string
	PoolSize int
}
