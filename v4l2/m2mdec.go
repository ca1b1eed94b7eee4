package v4l2

import (
	"errors"
	"fmt"
	"time"

	"github.com/pitchbox/pitchbox/frame"
)

// M2MDecoderConfig describes a stateful decoder session (kernel doc
// dev-decoder).
type M2MDecoderConfig struct {
	Path string
	// Coded is the OUTPUT (bitstream) format: FmtMJPEG on a Raspberry
	// Pi's bcm2835-codec, FmtFWHT on vicodec.
	Coded FourCC
	// Width and Height are a hint for the OUTPUT format; the decoded size
	// comes from the stream (the source change event).
	Width, Height int
	// CodedSize asks for an OUTPUT buffer size (0: the driver's choice
	// for the hint, at least 512 KiB).
	CodedSize int
	// Buffers per queue (default 4).
	Buffers int
}

// Decoded is one picture the decoder produced, in its CAPTURE layout.
// Data is valid only inside the callback that receives it.
type Decoded struct {
	Data []byte
	// Format is FmtYU12 or FmtNV12; Width and Height the visible size;
	// Stride the luma bytes per line and Rows the luma rows in the
	// buffer (the chroma planes start after Stride×Rows).
	Format        FourCC
	Width, Height int
	Stride, Rows  int
	Timestamp     time.Duration
	Sequence      uint32
	Flags         uint32
}

// ErrDecodeSize is returned when a decoded picture is not the size of the
// frame it should fill.
var ErrDecodeSize = errors.New("v4l2: decoded picture and frame differ in size")

// To converts the picture into dst (I420 of the same size).
func (d *Decoded) To(dst *frame.Frame) error {
	w, h := d.Width, d.Height
	if dst.Width != w&^1 || dst.Height != h&^1 {
		return fmt.Errorf("%w: %dx%d into %dx%d", ErrDecodeSize, w, h, dst.Width, dst.Height)
	}
	w, h = dst.Width, dst.Height
	cs, ch := d.Stride/2, d.Rows/2
	need := d.Stride*d.Rows + 2*cs*ch
	if d.Format == FmtNV12 {
		need = d.Stride*d.Rows + d.Stride*ch
	}
	if d.Stride < w || d.Rows < h || len(d.Data) < need {
		return fmt.Errorf("v4l2: decoded %v buffer of %d bytes too small for %dx%d (stride %d, rows %d)", d.Format, len(d.Data), w, h, d.Stride, d.Rows)
	}
	for y := 0; y < h; y++ {
		copy(dst.Y[y*dst.YStride:y*dst.YStride+w], d.Data[y*d.Stride:])
	}
	c := d.Data[d.Stride*d.Rows:]
	switch d.Format {
	case FmtYU12:
		for y := 0; y < h/2; y++ {
			copy(dst.U[y*dst.CStride:y*dst.CStride+w/2], c[y*cs:])
			copy(dst.V[y*dst.CStride:y*dst.CStride+w/2], c[cs*ch+y*cs:])
		}
	case FmtNV12:
		for y := 0; y < h/2; y++ {
			row, u, v := c[y*d.Stride:], dst.U[y*dst.CStride:], dst.V[y*dst.CStride:]
			for x := 0; x < w/2; x++ {
				u[x], v[x] = row[2*x], row[2*x+1]
			}
		}
	default:
		return fmt.Errorf("v4l2: decoded format %v not supported (YU12, NV12)", d.Format)
	}
	return nil
}
