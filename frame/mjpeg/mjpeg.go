// Package mjpeg decodes the MJPEG frames of USB cameras into I420 frames
// in the limited range that H.264 signals, so that an MJPEG camera and a
// raw (YUYV) camera of the same scene give the same stream. With cgo it
// uses libjpeg-turbo's TurboJPEG API (Debian libturbojpeg0-dev), decoding
// straight to planar YUV; without cgo, the standard library's decoder.
package mjpeg

import (
	"errors"
	"fmt"

	"github.com/pitchbox/pitchbox/frame"
)

// ErrCorrupt is returned (wrapped) for a JPEG that cannot be decoded:
// truncated or garbled by USB errors.
var ErrCorrupt = errors.New("mjpeg: corrupt or truncated JPEG")

// checkSize reports a picture whose size does not fit dst.
func checkSize(w, h int, dst *frame.Frame) error {
	if w&^1 != dst.Width || h&^1 != dst.Height {
		return fmt.Errorf("%w: the picture is %dx%d, the frame %dx%d", ErrCorrupt, w, h, dst.Width, dst.Height)
	}
	return nil
}

// Full-range to limited-range tables: luma 0..255 to 16..235, chroma to
// 16..240, rounded as the cgo decoder does.
var lumaLimited, chromaLimited = func() (l, c [256]byte) {
	for v := range 256 {
		l[v] = byte(16 + (v*219+127)/255)
		c[v] = byte(16 + (v*224+127)/255)
	}
	return
}()

// ToLimited converts a full-range (JPEG) frame to limited range in place.
func ToLimited(f *frame.Frame) {
	mapPlane(f.Y, f.YStride, f.Width, f.Height, &lumaLimited)
	mapPlane(f.U, f.CStride, f.Width/2, f.Height/2, &chromaLimited)
	mapPlane(f.V, f.CStride, f.Width/2, f.Height/2, &chromaLimited)
}

func mapPlane(p []byte, stride, w, h int, t *[256]byte) {
	for y := range h {
		row := p[y*stride : y*stride+w]
		for x, v := range row {
			row[x] = t[v]
		}
	}
}
