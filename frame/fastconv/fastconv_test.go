package fastconv

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/pitchbox/pitchbox/frame"
)

// TestFromYUYVMatchesGo: for random pictures of widths that do and do not
// fill whole SIMD blocks, and padded strides, the SIMD conversion gives
// exactly frame.FromYUYV's values.
func TestFromYUYVMatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, size := range [][2]int{{1920, 1080}, {1280, 720}, {640, 360}, {66, 20}, {2, 2}, {34, 6}} {
		w, h := size[0], size[1]
		for _, pad := range []int{0, 64} {
			stride := 2*w + pad
			src := make([]byte, stride*h)
			for i := range src {
				src[i] = byte(r.Uint32())
			}
			got, _ := frame.New(w, h)
			want, _ := frame.New(w, h)
			if err := FromYUYV(got, src, stride); err != nil {
				t.Fatal(err)
			}
			if err := frame.FromYUYV(want, src, stride); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Y, want.Y) || !bytes.Equal(got.U, want.U) || !bytes.Equal(got.V, want.V) {
				t.Fatalf("%dx%d stride %d: SIMD and Go differ", w, h, stride)
			}
		}
	}
	f, _ := frame.New(64, 64)
	if err := FromYUYV(f, make([]byte, 100), 128); err == nil {
		t.Fatal("a short buffer was accepted")
	}
}

// TestFromYUYVAllocatesNothing: the per-frame conversion allocates nothing.
func TestFromYUYVAllocatesNothing(t *testing.T) {
	f, _ := frame.New(1920, 1080)
	src := make([]byte, 1920*2*1080)
	if n := testing.AllocsPerRun(10, func() { _ = FromYUYV(f, src, 3840) }); n != 0 {
		t.Fatalf("%v allocations per frame", n)
	}
}

// BenchmarkFromYUYV1080p is the camera's YUYV to I420 at 1080p (target
// ≤ 1 ms on the CI machine); make bench prints it beside frame's Go one.
func BenchmarkFromYUYV1080p(b *testing.B) {
	f, _ := frame.New(1920, 1080)
	src := make([]byte, 1920*2*1080)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if err := FromYUYV(f, src, 1920*2); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/frame")
}
