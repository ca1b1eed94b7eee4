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

// newJPEGDecoder makes the MJPEG decoder [camera] decoder asks for:
// "cpu" (libjpeg-turbo, or Go without cgo), "m2m" (the board's hardware
// decoder), "auto" (the hardware one when the board has it).
func newJPEGDecoder(which string) (jpegDecoder, error) {
	switch which {
	case "", DecoderAuto, DecoderCPU:
		return mjpeg.New()
	case DecoderM2M:
		return nil, fmt.Errorf("camera.decoder = %q: this board has no memory-to-memory MJPEG decoder (use \"cpu\" or \"auto\")", which)
	}
	return nil, fmt.Errorf("camera.decoder = %q is not allowed (allowed: \"auto\", \"cpu\", \"m2m\")", which)
}
