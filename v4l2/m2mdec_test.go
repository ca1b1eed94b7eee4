package v4l2

import (
	"errors"
	"testing"

	"github.com/pitchbox/pitchbox/frame"
)

// decodedPicture lays out a w×h picture as a decoder would: luma stride
// and rows padded, chroma after stride×rows; each plane's samples are
// distinct so a misplaced copy shows.
func decodedPicture(f FourCC, w, h, stride, rows int) *Decoded {
	d := &Decoded{Format: f, Width: w, Height: h, Stride: stride, Rows: rows}
	d.Data = make([]byte, stride*rows*3/2)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			d.Data[y*stride+x] = byte(x + y)
		}
	}
	c := d.Data[stride*rows:]
	for y := 0; y < h/2; y++ {
		for x := 0; x < w/2; x++ {
			if f == FmtNV12 {
				c[y*stride+2*x], c[y*stride+2*x+1] = byte(100+x), byte(200+y)
				continue
			}
			c[y*stride/2+x], c[(stride/2)*(rows/2)+y*stride/2+x] = byte(100+x), byte(200+y)
		}
	}
	return d
}

func TestDecodedToI420(t *testing.T) {
	for _, f := range []FourCC{FmtYU12, FmtNV12} {
		d := decodedPicture(f, 32, 18, 64, 32)
		dst, _ := frame.New(32, 18)
		if err := d.To(dst); err != nil {
			t.Fatal(err)
		}
		for y := 0; y < 18; y++ {
			for x := 0; x < 32; x++ {
				if dst.Y[y*dst.YStride+x] != byte(x+y) {
					t.Fatalf("%v: luma (%d,%d) = %d", f, x, y, dst.Y[y*dst.YStride+x])
				}
			}
		}
		for y := 0; y < 9; y++ {
			for x := 0; x < 16; x++ {
				if u, v := dst.U[y*dst.CStride+x], dst.V[y*dst.CStride+x]; u != byte(100+x) || v != byte(200+y) {
					t.Fatalf("%v: chroma (%d,%d) = %d,%d", f, x, y, u, v)
				}
			}
		}
		if n := testing.AllocsPerRun(10, func() { _ = d.To(dst) }); n != 0 {
			t.Fatalf("%v: %v allocations per conversion", f, n)
		}
	}
}

func TestDecodedToRefusesOtherSizes(t *testing.T) {
	d := decodedPicture(FmtYU12, 32, 18, 32, 18)
	dst, _ := frame.New(16, 16)
	if err := d.To(dst); !errors.Is(err, ErrDecodeSize) {
		t.Fatalf("got %v, want ErrDecodeSize", err)
	}
	short := decodedPicture(FmtYU12, 32, 18, 32, 18)
	short.Data = short.Data[:100]
	dst, _ = frame.New(32, 18)
	if err := short.To(dst); err == nil {
		t.Fatal("a short buffer was accepted")
	}
}
