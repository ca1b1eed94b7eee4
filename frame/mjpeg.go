package frame

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"sync"
)

// MJPEGDecoder turns camera JPEG frames into I420. It uses the standard
// library's decoder, which allocates per frame and suits sizes up to 720p;
// a hardware or libjpeg-turbo decoder can replace it behind the same method.
type MJPEGDecoder struct {
	buf bytes.Buffer
	rd  bytes.Reader
}

// Decode decodes one JPEG into dst. JPEGs from UVC cameras often omit the
// Huffman tables (they rely on the standard ones); those are put back.
func (d *MJPEGDecoder) Decode(dst *Frame, data []byte) error {
	data = d.WithHuffman(data)
	d.rd.Reset(data)
	img, err := jpeg.Decode(&d.rd)
	if err != nil {
		return fmt.Errorf("frame: MJPEG: %w", err)
	}
	ycc, ok := img.(*image.YCbCr)
	if !ok {
		if g, ok := img.(*image.Gray); ok && g.Rect.Dx()&^1 == dst.Width && g.Rect.Dy()&^1 == dst.Height {
			copyPlane(dst.Y, dst.YStride, g.Pix, g.Stride, dst.Width, dst.Height)
			fillPlane(dst.U, dst.CStride, dst.Width/2, dst.Height/2, 128)
			fillPlane(dst.V, dst.CStride, dst.Width/2, dst.Height/2, 128)
			return nil
		}
		return fmt.Errorf("frame: MJPEG: unsupported colour model %T", img)
	}
	return FromYCbCr(dst, ycc)
}

// FromYCbCr converts any subsampling of image.YCbCr into dst, whose size
// is the picture's rounded down to even (an odd last row or column is
// left out).
func FromYCbCr(dst *Frame, src *image.YCbCr) error {
	w, h := dst.Width, dst.Height
	if src.Rect.Dx()&^1 != w || src.Rect.Dy()&^1 != h {
		return fmt.Errorf("frame: picture is %dx%d, want %dx%d", src.Rect.Dx(), src.Rect.Dy(), w, h)
	}
	copyPlane(dst.Y, dst.YStride, src.Y[src.YOffset(src.Rect.Min.X, src.Rect.Min.Y):], src.YStride, w, h)
	switch src.SubsampleRatio {
	case image.YCbCrSubsampleRatio420:
		off := src.COffset(src.Rect.Min.X, src.Rect.Min.Y)
		copyPlane(dst.U, dst.CStride, src.Cb[off:], src.CStride, w/2, h/2)
		copyPlane(dst.V, dst.CStride, src.Cr[off:], src.CStride, w/2, h/2)
	default:
		// Generic path: sample chroma at each 2×2 block's top-left.
		for y := 0; y < h/2; y++ {
			for x := 0; x < w/2; x++ {
				off := src.COffset(src.Rect.Min.X+2*x, src.Rect.Min.Y+2*y)
				dst.U[y*dst.CStride+x] = src.Cb[off]
				dst.V[y*dst.CStride+x] = src.Cr[off]
			}
		}
	}
	return nil
}

var (
	stdDHTOnce sync.Once
	stdDHT     []byte
)

// standardDHT returns the DHT segments of the JPEG standard's tables (ITU
// T.81 Annex K.3), taken from a JPEG that the standard library's encoder
// writes, as it always uses exactly those tables.
func standardDHT() []byte {
	stdDHTOnce.Do(func() {
		var b bytes.Buffer
		_ = jpeg.Encode(&b, image.NewYCbCr(image.Rect(0, 0, 16, 16), image.YCbCrSubsampleRatio420), nil)
		p := b.Bytes()
		for i := 2; i+4 <= len(p); {
			if p[i] != 0xFF {
				break
			}
			marker := p[i+1]
			n := int(p[i+2])<<8 | int(p[i+3])
			if marker == 0xC4 {
				stdDHT = append(stdDHT, p[i:i+2+n]...)
			}
			if marker == 0xDA {
				break
			}
			i += 2 + n
		}
	})
	return stdDHT
}

// WithHuffman returns data with the standard Huffman tables inserted after
// SOI when the JPEG has none before its scan.
func (d *MJPEGDecoder) WithHuffman(data []byte) []byte {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return data
	}
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xFF {
			return data
		}
		marker := data[i+1]
		if marker == 0xC4 {
			return data
		}
		if marker == 0xDA {
			break
		}
		i += 2 + (int(data[i+2])<<8 | int(data[i+3]))
	}
	d.buf.Reset()
	d.buf.Write(data[:2])
	d.buf.Write(standardDHT())
	d.buf.Write(data[2:])
	return d.buf.Bytes()
}
