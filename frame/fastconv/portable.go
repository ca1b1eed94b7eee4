//go:build !cgo

package fastconv

import "github.com/pitchbox/pitchbox/frame"

// SIMD reports whether this build converts with SIMD.
const SIMD = false

// FromYUYV is frame.FromYUYV in builds without cgo.
func FromYUYV(dst *frame.Frame, src []byte, stride int) error {
	if err := checkYUYV(len(src), stride, dst.Width, dst.Height); err != nil {
		return err
	}
	return frame.FromYUYV(dst, src, stride)
}
