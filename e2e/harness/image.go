package harness

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
)

// WriteProductImage writes an opaque w×h PNG with smooth gradients and a
// soft disc: a stand-in for a product photo.
func WriteProductImage(path string, w, h int) error {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	cx, cy, r := float64(w)*0.6, float64(h)*0.45, float64(h)*0.3
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			d := math.Hypot(float64(x)-cx, float64(y)-cy)
			disc := 1 / (1 + math.Exp((d-r)/6))
			R := 40 + 180*float64(x)/float64(w)
			G := 200 - 150*float64(y)/float64(h)
			B := 60 + 60*float64(x+y)/float64(w+h)
			R = R*(1-disc) + 250*disc
			G = G*(1-disc) + 210*disc
			B = B*(1-disc) + 40*disc
			img.SetNRGBA(x, y, color.NRGBA{uint8(R), uint8(G), uint8(B), 255})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return png.Encode(f, img)
}

// ReadPNG decodes a PNG file.
func ReadPNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return png.Decode(f)
}

// PSNR compares the RGB of got inside r with want (whose bounds start at
// 0,0 and are r's size), in dB.
func PSNR(got image.Image, r image.Rectangle, want image.Image) (float64, error) {
	if want.Bounds().Dx() != r.Dx() || want.Bounds().Dy() != r.Dy() {
		return 0, fmt.Errorf("harness: PSNR: region %v vs reference %v", r, want.Bounds())
	}
	if !r.In(got.Bounds()) {
		return 0, fmt.Errorf("harness: PSNR: region %v outside picture %v", r, got.Bounds())
	}
	var sum float64
	var n int
	for y := 0; y < r.Dy(); y++ {
		for x := 0; x < r.Dx(); x++ {
			r1, g1, b1, _ := got.At(r.Min.X+x, r.Min.Y+y).RGBA()
			r2, g2, b2, _ := want.At(want.Bounds().Min.X+x, want.Bounds().Min.Y+y).RGBA()
			for _, d := range []float64{float64(r1>>8) - float64(r2>>8), float64(g1>>8) - float64(g2>>8), float64(b1>>8) - float64(b2>>8)} {
				sum += d * d
				n++
			}
		}
	}
	mse := sum / float64(n)
	if mse == 0 {
		return math.Inf(1), nil
	}
	return 10 * math.Log10(255*255/mse), nil
}
