// Command screencheck compares the QEMU rig's screendump (PPM) of bochs's
// framebuffer with the golden picture of the rig scene, outside the live
// preview area. hil/rig.sh runs it after the in-VM display test drew.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"

	"github.com/pitchbox/pitchbox/display"
	"github.com/pitchbox/pitchbox/display/displaytest"
)

func main() {
	golden := flag.String("golden", displaytest.RigGolden, "golden PNG")
	out := flag.String("out", "", "write the screendump as PNG here too")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: screencheck [-golden PNG] [-out PNG] SCREENDUMP.ppm")
		os.Exit(2)
	}
	if err := check(flag.Arg(0), *golden, *out); err != nil {
		fmt.Fprintln(os.Stderr, "screencheck: FAIL:", err)
		os.Exit(1)
	}
}

func check(dump, golden, out string) error {
	got, err := readPPM(dump)
	if err != nil {
		return err
	}
	f, err := os.Open(golden)
	if err != nil {
		return err
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		return fmt.Errorf("%s: %w", golden, err)
	}
	if out != "" {
		if o, err := os.Create(out); err == nil {
			png.Encode(o, got)
			o.Close()
		}
	}
	if got.Bounds() != want.Bounds() {
		return fmt.Errorf("screen is %v, golden %v", got.Bounds().Size(), want.Bounds().Size())
	}
	skip := display.NewLayout(got.Bounds().Dx(), got.Bounds().Dy()).Preview
	n, total := display.Differing(got, want, skip)
	fmt.Printf("screencheck: %d of %d pixels outside the preview %v differ from %s\n", n, total, skip, golden)
	if n > total/1000 {
		return fmt.Errorf("%d pixels differ (at most %d allowed)", n, total/1000)
	}
	return nil
}

// readPPM reads a binary PPM (P6, maxval 255) as QEMU's screendump writes.
func readPPM(path string) (*image.RGBA, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var magic string
	var w, h, maxv int
	if _, err := fmt.Fscan(r, &magic, &w, &h, &maxv); err != nil || magic != "P6" || maxv != 255 || w <= 0 || h <= 0 {
		return nil, errors.New(path + ": not a P6 PPM with maxval 255")
	}
	if _, err := r.ReadByte(); err != nil { // the single whitespace after maxval
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	px := make([]byte, 3*w)
	for y := 0; y < h; y++ {
		if _, err := io.ReadFull(r, px); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		for x := 0; x < w; x++ {
			o := img.PixOffset(x, y)
			img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = px[3*x], px[3*x+1], px[3*x+2], 255
		}
	}
	return img, nil
}
