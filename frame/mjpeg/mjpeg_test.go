package mjpeg

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pitchbox/pitchbox/frame"
)

// reference decodes data the slow way: the standard library's decoder
// (with the standard Huffman tables put back when they are missing),
// chroma box-averaged to 4:2:0 in floating point, then made limited
// range by formula.
func reference(t *testing.T, data []byte) *frame.Frame {
	t.Helper()
	var std frame.MJPEGDecoder
	img, err := jpeg.Decode(bytes.NewReader(std.WithHuffman(data)))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	f, err := frame.New(b.Dx()&^1, b.Dy()&^1)
	if err != nil {
		t.Fatal(err)
	}
	limit := func(v, scale float64) byte { return byte(math.Round(16 + v*scale/255)) }
	for y := range f.Height {
		for x := range f.Width {
			var luma float64
			switch m := img.(type) {
			case *image.YCbCr:
				luma = float64(m.Y[m.YOffset(x, y)])
			case *image.Gray:
				luma = float64(m.Pix[m.PixOffset(x, y)])
			}
			f.Y[y*f.YStride+x] = limit(luma, 219)
		}
	}
	for y := range f.Height / 2 {
		for x := range f.Width / 2 {
			cb, cr := 128.0, 128.0
			if m, ok := img.(*image.YCbCr); ok {
				cb, cr = 0, 0
				for _, d := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
					o := m.COffset(2*x+d[0], 2*y+d[1])
					cb += float64(m.Cb[o]) / 4
					cr += float64(m.Cr[o]) / 4
				}
			}
			f.U[y*f.CStride+x], f.V[y*f.CStride+x] = limit(cb, 224), limit(cr, 224)
		}
	}
	return f
}

// psnr of plane a against b (w×h, the same stride), in dB.
func psnr(a, b []byte, stride, w, h int) float64 {
	var se float64
	for y := range h {
		for x := range w {
			d := float64(a[y*stride+x]) - float64(b[y*stride+x])
			se += d * d
		}
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(se/float64(w*h)))
}

// corpus reads the camera-like JPEGs in testdata (see testdata/make.sh).
func corpus(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCorpus decodes each picture and compares it, plane by plane, with
// the slow reference: 4:2:2 without Huffman tables at 1080p, 4:2:0 with
// restart markers, sizes that are not a multiple of the MCU (1366x768,
// 640x360) or not even (321x241, whose planes TurboJPEG pads), 4:4:4,
// 4:1:1 and grayscale.
func TestCorpus(t *testing.T) {
	d, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, name := range []string{"1080p-422-nodht.jpg", "1080p-420-restart.jpg", "1366x768-422.jpg",
		"640x360-420.jpg", "640x360-444.jpg", "640x360-gray.jpg", "321x241-420.jpg", "321x241-422.jpg", "322x240-411.jpg"} {
		t.Run(name, func(t *testing.T) {
			data := corpus(t, name)
			want := reference(t, data)
			got, _ := frame.New(want.Width, want.Height)
			if err := d.Decode(got, data); err != nil {
				t.Fatal(err)
			}
			py := psnr(got.Y, want.Y, got.YStride, got.Width, got.Height)
			pu := psnr(got.U, want.U, got.CStride, got.Width/2, got.Height/2)
			pv := psnr(got.V, want.V, got.CStride, got.Width/2, got.Height/2)
			t.Logf("%s (%s): PSNR Y %.1f U %.1f V %.1f dB", name, Backend, py, pu, pv)
			if py < 40 || pu < 40 || pv < 40 {
				t.Errorf("PSNR Y %.1f U %.1f V %.1f dB; want at least 40", py, pu, pv)
			}
		})
	}
}

// TestBadJPEGs: truncated, garbled, empty and wrongly sized pictures are
// errors (ErrCorrupt), never a panic, and the decoder works on after.
func TestBadJPEGs(t *testing.T) {
	d, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	good := corpus(t, "640x360-420.jpg")
	// USB errors garble a run of bytes, or lose a packet from the middle
	// (the end marker still arrives).
	garbled := append([]byte(nil), good...)
	for i := len(good) / 2; i < len(good)/2+2048; i++ {
		garbled[i] ^= 0x5A
	}
	holed := append(append([]byte(nil), good[:len(good)/2]...), good[len(good)/2+3072:]...)
	f1080, _ := frame.New(1920, 1080)
	f360, _ := frame.New(640, 360)
	for _, c := range []struct {
		name string
		dst  *frame.Frame
		data []byte
	}{
		{"truncated 1080p", f1080, corpus(t, "1080p-truncated.jpg")},
		{"header only", f360, good[:400]},
		{"empty", f360, nil},
		{"not a JPEG", f360, []byte("GIF89a this is not a jpeg at all")},
		{"wrong size", f1080, good},
		{"2 KB garbled mid-scan", f360, garbled},
		{"3 KB lost mid-scan", f360, holed},
	} {
		err := d.Decode(c.dst, c.data)
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err = %v, want ErrCorrupt", c.name, err)
		}
	}
	if err := d.Decode(f360, good); err != nil {
		t.Fatalf("a good picture after bad ones: %v", err)
	}
}

// TestSameSceneAsYUYV: a full-range JPEG of a scene and a YUYV camera's
// limited-range picture of the same scene give the same I420 values.
func TestSameSceneAsYUYV(t *testing.T) {
	const w, h = 64, 32
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio422)
	yuyv := make([]byte, 2*w*h)
	for y := range h {
		for x := range w {
			img.Y[img.YOffset(x, y)] = byte(x * 255 / (w - 1))
			yuyv[y*2*w+2*x] = lumaLimited[byte(x*255/(w-1))]
		}
		for x := range w / 2 {
			cb, cr := byte(x*8), byte(255-x*8)
			img.Cb[img.COffset(2*x, y)], img.Cr[img.COffset(2*x, y)] = cb, cr
			yuyv[y*2*w+4*x+1], yuyv[y*2*w+4*x+3] = chromaLimited[cb], chromaLimited[cr]
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	d, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	fromJPEG, _ := frame.New(w, h)
	fromYUYV, _ := frame.New(w, h)
	if err := d.Decode(fromJPEG, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := frame.FromYUYV(fromYUYV, yuyv, 2*w); err != nil {
		t.Fatal(err)
	}
	for _, p := range [][2][]byte{{fromJPEG.Y, fromYUYV.Y}, {fromJPEG.U, fromYUYV.U}, {fromJPEG.V, fromYUYV.V}} {
		var worst int
		for i := range p[0] {
			worst = max(worst, absDiff(p[0][i], p[1][i]))
		}
		if worst > 3 {
			t.Errorf("MJPEG and YUYV of the same scene differ by up to %d", worst)
		}
	}
	if fromJPEG.Y[0] != 16 || fromJPEG.Y[w-1] < 234 {
		t.Errorf("black %d and white %d; want 16 and 235", fromJPEG.Y[0], fromJPEG.Y[w-1])
	}
}

func absDiff(a, b byte) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// TestDecodeAllocatesNothing decodes a 1080p camera frame on the real
// path, with libjpeg-turbo: no allocation per frame.
func TestDecodeAllocatesNothing(t *testing.T) {
	if !Available {
		t.Skip("the cgo-free decoder is the standard library's, which allocates")
	}
	d, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	data := corpus(t, "1080p-422-nodht.jpg")
	f, _ := frame.New(1920, 1080)
	if n := testing.AllocsPerRun(5, func() {
		if err := d.Decode(f, data); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("%v allocations per 1080p frame", n)
	}
}

// BenchmarkDecode1080p decodes the 1080p camera frames; make bench
// prints it beside tjbench's decode-to-YUV of the same file.
func BenchmarkDecode1080p(b *testing.B) {
	for _, name := range []string{"1080p-422-nodht.jpg", "1080p-420-restart.jpg"} {
		b.Run(strings.TrimSuffix(name, ".jpg"), func(b *testing.B) {
			d, err := New()
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			data := corpus(b, name)
			f, _ := frame.New(1920, 1080)
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if err := d.Decode(f, data); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/frame")
		})
	}
}
