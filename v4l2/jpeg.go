package v4l2

import (
	"fmt"

	"github.com/pitchbox/pitchbox/frame"
	"github.com/pitchbox/pitchbox/frame/mjpeg"
)

// jpegDecoder turns a camera's MJPEG frames into I420 frames.
type jpegDecoder interface {
	Decode(dst *frame.Frame, data []byte) error
	Close()
}

// Decoders for [camera] decoder.
const (
	DecoderAuto = "auto"
	DecoderCPU  = "cpu"
	DecoderM2M  = "m2m"
)

// newJPEGDecoder makes the MJPEG decoder [camera] decoder asks for, for
// w×h pictures: "cpu" (libjpeg-turbo, or Go without cgo), "m2m" (the
// board's memory-to-memory decoder, such as a Pi's bcm2835-codec),
// "auto" (that one when the board has it, else the CPU).
func newJPEGDecoder(which string, w, h int) (jpegDecoder, error) {
	switch which {
	case DecoderCPU:
		return mjpeg.New()
	case "", DecoderAuto, DecoderM2M:
		path := FindDecoder(FmtMJPEG)
		if path == "" && which == DecoderM2M {
			return nil, fmt.Errorf("camera.decoder = %q: this board has no memory-to-memory MJPEG decoder (use \"cpu\" or \"auto\")", which)
		}
		if path == "" {
			return mjpeg.New()
		}
		d, err := OpenM2MDecoder(M2MDecoderConfig{Path: path, Coded: FmtMJPEG, Width: w, Height: h, CodedSize: w * h})
		if err != nil {
			return nil, fmt.Errorf("camera.decoder: %s: %w", path, err)
		}
		return m2mJPEG{d}, nil
	}
	return nil, fmt.Errorf("camera.decoder = %q is not allowed (allowed: \"auto\", \"cpu\", \"m2m\")", which)
}

// m2mJPEG is the M2M decoder as a camera's jpegDecoder. JPEG samples are
// full range; they are made limited range as the CPU decoder does.
type m2mJPEG struct{ d *M2MDecoder }

func (m m2mJPEG) Decode(dst *frame.Frame, data []byte) error {
	if err := m.d.Decode(dst, data); err != nil {
		return err
	}
	mjpeg.ToLimited(dst)
	return nil
}

func (m m2mJPEG) Close() { _ = m.d.Close() }
