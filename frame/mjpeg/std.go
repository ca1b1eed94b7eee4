//go:build !cgo

package mjpeg

import (
	"fmt"

	"github.com/pitchbox/pitchbox/frame"
)

// Available reports whether this build decodes with libjpeg-turbo.
const Available = false

// Backend names the decoder in logs and benchmarks.
const Backend = "Go image/jpeg"

// Decoder decodes camera JPEGs with the standard library (this build has
// no cgo): about ten times slower than libjpeg-turbo, and it allocates.
type Decoder struct {
	std frame.MJPEGDecoder
}

// New makes a decoder.
func New() (*Decoder, error) { return &Decoder{}, nil }

// Close does nothing.
func (d *Decoder) Close() {}

// Decode decodes one JPEG into dst, limited range.
func (d *Decoder) Decode(dst *frame.Frame, data []byte) error {
	if err := d.std.Decode(dst, data); err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	ToLimited(dst)
	return nil
}
