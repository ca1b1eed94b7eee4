// Command jpegbench prints what a camera frame costs the box at 1080p:
// MJPEG decode (pitchbox's decoder, limited range included) beside
// libjpeg-turbo's own tjbench decode-to-YUV of the same file, with the
// ratio, and YUYV to I420 (SIMD and portable Go). make bench runs it.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/pitchbox/pitchbox/frame"
	"github.com/pitchbox/pitchbox/frame/fastconv"
	"github.com/pitchbox/pitchbox/frame/mjpeg"
)

// corpus is where the camera-like JPEGs are (see frame/mjpeg/testdata).
const corpus = "frame/mjpeg/testdata"

func main() {
	failed := false
	for _, name := range []string{"1080p-422-nodht.jpg", "1080p-420-restart.jpg"} {
		if err := decode(filepath.Join(corpus, name)); err != nil {
			fmt.Fprintln(os.Stderr, "jpegbench:", err)
			failed = true
		}
	}
	yuyv()
	if failed {
		os.Exit(1)
	}
}

// decode prints ms/frame for path with pitchbox's decoder and tjbench's.
func decode(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	d, err := mjpeg.New()
	if err != nil {
		return err
	}
	defer d.Close()
	f, _ := frame.New(1920, 1080)
	r := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := d.Decode(f, data); err != nil {
				b.Fatal(err)
			}
		}
	})
	ours := float64(r.NsPerOp()) / 1e6
	tj, err := tjbench(path)
	if err != nil {
		return err
	}
	fmt.Printf("MJPEG 1080p %-24s pitchbox (%s) %6.2f ms/frame, %d allocs/op; tjbench decode to YUV %6.2f ms/frame; ratio %.2f (target ≤ 1.2)\n",
		filepath.Base(path), mjpeg.Backend, ours, r.AllocsPerOp(), tj, ours/tj)
	return nil
}

var tjRate = regexp.MustCompile(`Decomp to YUV --> Frame rate:\s+([0-9.]+) fps`)

// tjbench runs libjpeg-turbo's benchmark on path, decoding to YUV, and
// returns its ms per frame.
func tjbench(path string) (float64, error) {
	out, err := exec.Command("tjbench", path, "-yuv", "-nowrite", "-benchtime", "3", "-warmup", "1").CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("tjbench (Debian libjpeg-turbo-progs): %v: %s", err, out)
	}
	m := tjRate.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("tjbench printed no decode-to-YUV rate:\n%s", out)
	}
	fps, err := strconv.ParseFloat(string(m[1]), 64)
	return 1000 / fps, err
}

// yuyv prints YUYV to I420 at 1080p, SIMD and Go.
func yuyv() {
	f, _ := frame.New(1920, 1080)
	src := make([]byte, 1920*2*1080)
	for _, c := range []struct {
		name string
		conv func(*frame.Frame, []byte, int) error
	}{{map[bool]string{true: "SIMD (fastconv)", false: "C (fastconv)"}[fastconv.SIMD], fastconv.FromYUYV}, {"Go (frame)", frame.FromYUYV}} {
		r := testing.Benchmark(func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = c.conv(f, src, 3840)
			}
		})
		fmt.Printf("YUYV→I420 1080p %-16s %6.2f ms/frame, %d allocs/op (target ≤ 1 ms)\n", c.name, float64(r.NsPerOp())/1e6, r.AllocsPerOp())
	}
}
