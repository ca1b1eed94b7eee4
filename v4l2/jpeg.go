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
		return cpuJPEG()
	case "", DecoderAuto, DecoderM2M:
		path := FindDecoder(FmtMJPEG)
		if path == "" && which == DecoderM2M {
			return nil, fmt.Errorf("camera.decoder = %q: this board has no memory-to-memory MJPEG decoder (use \"cpu\" or \"auto\")", which)
		}
		if path == "" {
			return cpuJPEG()
		}
		d, err := OpenM2MDecoder(M2MDecoderConfig{Path: path, Coded: FmtMJPEG, Width: w, Height: h, CodedSize: w * h})
		switch {
		case err == nil:
			return m2mJPEG{d}, nil
		case which == DecoderM2M:
			return nil, fmt.Errorf("camera.decoder: %s: %w", path, err)
		}
		return cpuJPEG() // auto: a decoder that will not open is no decoder
	}
	return nil, fmt.Errorf("camera.decoder = %q is not allowed (allowed: \"auto\", \"cpu\", \"m2m\")", which)
}

// cpuJPEG is the CPU decoder; a nil one is never returned as an
// interface holding nil.
func cpuJPEG() (jpegDecoder, error) {
	d, err := mjpeg.New()
	if err != nil {
		return nil, err
	}
	return d, nil
}

// m2mJPEG is the M2M decoder as a camera's jpegDecoder. JPEG samples are
// full range; they are made limited range as the CPU decoder does.
type m2mJPEG struct{ d *M2MDecoder }

// Decode decodes data into dst with the M2M decoder.
func (m m2mJPEG) Decode(dst *frame.Frame, data []byte) error {
	if err := m.d.Decode(dst, data); err != nil {
		return err
	}
	mjpeg.ToLimited(dst)
	return nil
}

func (m m2mJPEG) Close() { _ = m.d.Close() }
