package frame

import (
	"bytes"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"testing"
)

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

func TestFromYUYV(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name      string
		w, h, pad int
	}{{"tight", 64, 48, 0}, {"padded", 62, 36, 10}, {"tiny", 2, 2, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			stride := 2*tc.w + tc.pad
			src := randBytes(r, stride*tc.h)
			f, _ := New(tc.w, tc.h)
			if err := FromYUYV(f, src, stride); err != nil {
				t.Fatal(err)
			}
			for y := 0; y < tc.h; y++ {
				for x := 0; x < tc.w; x++ {
					if got, want := f.Y[y*f.YStride+x], src[y*stride+2*x]; got != want {
						t.Fatalf("Y(%d,%d) = %d, want %d", x, y, got, want)
					}
				}
			}
			for y := 0; y < tc.h/2; y++ {
				for x := 0; x < tc.w/2; x++ {
					a, b := src[2*y*stride+4*x+1], src[(2*y+1)*stride+4*x+1]
					if got, want := f.U[y*f.CStride+x], byte((int(a)+int(b)+1)/2); got != want {
						t.Fatalf("U(%d,%d) = %d, want %d", x, y, got, want)
					}
					a, b = src[2*y*stride+4*x+3], src[(2*y+1)*stride+4*x+3]
					if got, want := f.V[y*f.CStride+x], byte((int(a)+int(b)+1)/2); got != want {
						t.Fatalf("V(%d,%d) = %d, want %d", x, y, got, want)
					}
				}
			}
		})
	}
}

func TestFromYUYVShortBuffer(t *testing.T) {
	f, _ := New(64, 48)
	if err := FromYUYV(f, make([]byte, 100), 128); err == nil {
		t.Fatal("a short buffer was accepted")
	}
}

func TestFromNV12AndI420(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	w, h, stride := 32, 16, 40
	nv := randBytes(r, stride*h*3/2)
	f, _ := New(w, h)
	if err := FromNV12(f, nv, stride); err != nil {
		t.Fatal(err)
	}
	for y := 0; y < h/2; y++ {
		for x := 0; x < w/2; x++ {
			uv := nv[stride*h+y*stride+2*x:]
			if f.U[y*f.CStride+x] != uv[0] || f.V[y*f.CStride+x] != uv[1] {
				t.Fatalf("NV12 chroma at (%d,%d) wrong", x, y)
			}
		}
	}
	i420 := randBytes(r, stride*h+2*(stride/2)*(h/2))
	if err := FromI420(f, i420, stride); err != nil {
		t.Fatal(err)
	}
	if f.Y[f.YStride*3+5] != i420[stride*3+5] || f.V[f.CStride*2+3] != i420[stride*h+(stride/2)*(h/2)+(stride/2)*2+3] {
		t.Fatal("I420 copy wrong")
	}
}

// stripDHT removes every DHT segment, as UVC cameras send MJPEG.
func stripDHT(jpg []byte) []byte {
	out := append([]byte(nil), jpg[:2]...)
	i := 2
	for i+4 <= len(jpg) && jpg[i] == 0xFF {
		n := int(jpg[i+2])<<8 | int(jpg[i+3])
		if jpg[i+1] == 0xDA {
			break
		}
		if jpg[i+1] != 0xC4 {
			out = append(out, jpg[i:i+2+n]...)
		}
		i += 2 + n
	}
	return append(out, jpg[i:]...)
}

func TestMJPEGWithoutHuffmanTables(t *testing.T) {
	src := image.NewYCbCr(image.Rect(0, 0, 64, 32), image.YCbCrSubsampleRatio422)
	for i := range src.Y {
		src.Y[i] = byte(i * 7)
	}
	for i := range src.Cb {
		src.Cb[i], src.Cr[i] = byte(i*3), byte(255-i)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, src, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	full := b.Bytes()
	bare := stripDHT(full)
	if bytes.Contains(bare[:200], []byte{0xFF, 0xC4}) || len(bare) >= len(full) {
		t.Fatal("test setup: DHT not stripped")
	}
	if _, err := jpeg.Decode(bytes.NewReader(bare)); err == nil {
		t.Fatal("test setup: the standard decoder read a JPEG without Huffman tables")
	}
	var d MJPEGDecoder
	want, _ := New(64, 32)
	got, _ := New(64, 32)
	if err := d.Decode(want, full); err != nil {
		t.Fatal(err)
	}
	if err := d.Decode(got, bare); err != nil {
		t.Fatalf("decode without DHT: %v", err)
	}
	if !bytes.Equal(want.Y, got.Y) || !bytes.Equal(want.U, got.U) || !bytes.Equal(want.V, got.V) {
		t.Fatal("picture differs when the standard tables are put back")
	}
	if err := d.Decode(got, []byte("not a jpeg")); err == nil {
		t.Fatal("garbage decoded")
	}
}

func TestPoolBounded(t *testing.T) {
	p, err := NewPool(16, 16, 2)
	if err != nil {
		t.Fatal(err)
	}
	a, b := p.Get(), p.Get()
	if a == nil || b == nil {
		t.Fatal("pool gave nil under its limit")
	}
	if p.Get() != nil {
		t.Fatal("pool grew past its limit")
	}
	a.Release()
	if c := p.Get(); c != a {
		t.Fatal("released frame not reused")
	}
	if p.InUse() != 2 {
		t.Fatalf("InUse = %d, want 2", p.InUse())
	}
	if _, err := NewPool(15, 16, 2); err == nil {
		t.Fatal("odd width accepted")
	}
}

func BenchmarkFromYUYV1080p(b *testing.B) {
	f, _ := New(1920, 1080)
	src := make([]byte, 1920*2*1080)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if err := FromYUYV(f, src, 1920*2); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPoolGetRelease(b *testing.B) {
	p, _ := NewPool(1920, 1080, 4)
	b.ReportAllocs()
	for b.Loop() {
		p.Get().Release()
	}
}

func TestConversionsAllocateNothing(t *testing.T) {
	f, _ := New(1920, 1080)
	yuyv := make([]byte, 1920*2*1080)
	nv12 := make([]byte, 1920*1080*3/2)
	p, _ := NewPool(1920, 1080, 2)
	if n := testing.AllocsPerRun(5, func() {
		FromYUYV(f, yuyv, 3840)
		FromNV12(f, nv12, 1920)
		p.Get().Release()
	}); n != 0 {
		t.Fatalf("per-frame conversions allocate %v times", n)
	}
}
