//go:build !cgo

package fastconv

import "github.com/pitchbox/pitchbox/frame"

// InC reports whether this build converts in C (cgo).
const InC = false

// SIMD reports whether the conversions use SIMD instructions.
var SIMD = false

// FromYUYV is frame.FromYUYV in builds without cgo.
func FromYUYV(dst *frame.Frame, src []byte, stride int) error {
	if err := checkYUYV(len(src), stride, dst.Width, dst.Height); err != nil {
		return err
	}
	return frame.FromYUYV(dst, src, stride)
}
