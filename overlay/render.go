package overlay

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // image presets may be JPEG
	_ "image/png"  // image presets may be PNG (with alpha)
	"io"
	"os"

	"github.com/skip2/go-qrcode"
	xdraw "golang.org/x/image/draw"
)

// MaxImagePixels bounds the pixel count of an image preset's source, so a
// decompression bomb is refused before it is decoded.
const MaxImagePixels = 40_000_000

// Spec describes a preset to render.
type Spec struct {
	Name string
	// QR text, or Image (a PNG or JPEG file path), or Text (a lower
	// third), or a product card: Title and Price, with optional OldPrice
	// (struck through), URL (a QR on the card) and Image (its photo).
	QR       string
	Image    string
	Text     string
	Title    string
	Price    string
	OldPrice string
	URL      string
	// CountdownSeconds > 0 adds a countdown (M:SS) that starts when the
	// preset is shown; CountdownHold keeps the preset on at zero, showing
	// "ended", where it otherwise comes off the picture.
	CountdownSeconds int
	CountdownHold    bool
	// Position; with XY, X and Y are fractions of the frame size.
	Position Position
	X, Y     float64
	// Size is the overlay's height as a fraction of the frame height.
	Size float64
}

// Build renders spec for a frameW×frameH frame (without its countdown:
// see BuildScene).
func Build(spec Spec, frameW, frameH int) (*Overlay, error) {
	o, _, err := build(spec, frameW, frameH)
	return o, err
}

// BuildScene renders spec for a frameW×frameH frame into a scene: the
// overlay and, with CountdownSeconds, its timer (on a card, in the card's
// own row; otherwise just below the overlay, or above it at the bottom).
func BuildScene(spec Spec, frameW, frameH int) (*Scene, error) {
	o, timerAt, err := build(spec, frameW, frameH)
	if err != nil {
		return nil, err
	}
	s := &Scene{Name: spec.Name, Overlays: []*Overlay{o}}
	if spec.CountdownSeconds <= 0 {
		return s, nil
	}
	var x, y, w, h int
	if timerAt.Empty() {
		h = max(frameH*7/100, 16) &^ 1
		w = min(timerWidth(spec.CountdownSeconds, h), frameW) &^ 1
		x, y = o.X, o.Y+o.H+h/4
		if y+h > frameH {
			y = o.Y - h - h/4
		}
		x, y = min(max(x, 0), frameW-w)&^1, min(max(y, 0), frameH-h)&^1
	} else {
		x, y = (o.X+timerAt.Min.X+1)&^1, (o.Y+timerAt.Min.Y)&^1
		w, h = (timerAt.Dx()-1)&^1, timerAt.Dy()&^1
	}
	s.Timer = newTimer(spec.CountdownSeconds, spec.CountdownHold, x, y, w, h)
	return s, nil
}

// build renders the preset's picture and places it; for a card with a
// countdown it also returns the timer's rectangle on the card.
func build(spec Spec, frameW, frameH int) (*Overlay, image.Rectangle, error) {
	var timerAt image.Rectangle
	target := int(spec.Size * float64(frameH))
	if target < 8 {
		return nil, timerAt, fmt.Errorf("overlay: preset %q: size %.3g of a %d-line frame is under 8 pixels", spec.Name, spec.Size, frameH)
	}
	var img image.Image
	var err error
	maxW := frameW - 2*Margin(frameH)
	kinds := 0
	for _, k := range []string{spec.QR, spec.Text, spec.Title} {
		if k != "" {
			kinds++
		}
	}
	switch {
	case kinds > 1 || kinds == 1 && spec.Image != "" && spec.Title == "":
		return nil, timerAt, fmt.Errorf("overlay: preset %q: set one of qr, image, text or title (a card, whose photo is image)", spec.Name)
	case spec.Title != "":
		img, timerAt, err = renderCard(spec, target, maxW)
	case spec.Text != "":
		img = renderText(spec.Text, target, maxW)
	case spec.QR != "":
		img, err = RenderQR(spec.QR, min(target, frameW))
	case spec.Image != "":
		img, err = LoadImage(spec.Image, maxW, target)
	default:
		return nil, timerAt, fmt.Errorf("overlay: preset %q: needs qr (text), image (a file path), text or title", spec.Name)
	}
	if err != nil {
		return nil, timerAt, fmt.Errorf("overlay: preset %q: %w", spec.Name, err)
	}
	b := img.Bounds()
	x, y := Place(spec.Position, spec.X, spec.Y, b.Dx()&^1, b.Dy()&^1, frameW, frameH)
	return FromImage(spec.Name, img, x, y), timerAt, nil
}

// QRModules returns the QR symbol for text, quiet zone included, as rows
// of dark (true) and light modules. It fails when the text does not fit any
// QR version at medium error correction.
func QRModules(text string) ([][]bool, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("QR text of %d bytes does not fit any QR version (at most 2331 bytes): %w", len(text), err)
	}
	return q.Bitmap(), nil
}

// RenderQR draws text as a QR code of about side×side pixels: every module
// is the same whole number of pixels (crisp edges), black on white, with
// the quiet zone. The result is at most side pixels square and even.
func RenderQR(text string, side int) (*image.Gray, error) {
	mods, err := QRModules(text)
	if err != nil {
		return nil, err
	}
	n := len(mods)
	px := side / n
	if px < 1 {
		return nil, fmt.Errorf("QR code needs %d modules but only %d pixels are available", n, side)
	}
	size := (n*px + 1) &^ 1
	img := image.NewGray(image.Rect(0, 0, size, size))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	for r, row := range mods {
		for c, dark := range row {
			if !dark {
				continue
			}
			for y := r * px; y < (r+1)*px; y++ {
				line := img.Pix[y*img.Stride+c*px : y*img.Stride+(c+1)*px]
				for i := range line {
					line[i] = 0
				}
			}
		}
	}
	return img, nil
}

// CheckImage reads only the header of a PNG or JPEG file and checks that it
// decodes and is within MaxImagePixels.
func CheckImage(path string) (image.Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return image.Config{}, err
	}
	defer f.Close()
	return checkConfig(f)
}

// CheckImageData is CheckImage for bytes already read (an upload).
func CheckImageData(b []byte) (image.Config, string, error) {
	cfg, err := checkConfig(bytes.NewReader(b))
	if err != nil {
		return cfg, "", err
	}
	_, format, _ := image.DecodeConfig(bytes.NewReader(b))
	return cfg, format, nil
}

func checkConfig(r io.Reader) (image.Config, error) {
	cfg, format, err := image.DecodeConfig(r)
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return cfg, errors.New("not a PNG or JPEG image")
		}
		return cfg, fmt.Errorf("not a readable PNG or JPEG image: %w", err)
	}
	if format != "png" && format != "jpeg" {
		return cfg, fmt.Errorf("%s images are not supported (allowed: PNG, JPEG)", format)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
		return cfg, fmt.Errorf("image is %dx%d pixels; at most %d pixels are allowed", cfg.Width, cfg.Height, MaxImagePixels)
	}
	return cfg, nil
}

// LoadImage decodes a PNG or JPEG and scales it once, with Catmull-Rom, to
// targetH pixels high keeping its aspect ratio (narrowed to maxW if wider).
func LoadImage(path string, maxW, targetH int) (*image.NRGBA, error) {
	if _, err := CheckImage(path); err != nil {
		return nil, fmt.Errorf("image %s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", path, err)
	}
	defer f.Close()
	src, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", path, err)
	}
	return Scale(src, maxW, targetH), nil
}

// Scale resizes src to targetH high keeping the aspect ratio, narrowed to
// maxW if wider, with Catmull-Rom filtering, into straight-alpha NRGBA.
func Scale(src image.Image, maxW, targetH int) *image.NRGBA {
	sb := src.Bounds()
	w := int(float64(targetH)*float64(sb.Dx())/float64(sb.Dy()) + 0.5)
	h := targetH
	if w > maxW {
		w = maxW
		h = int(float64(maxW)*float64(sb.Dy())/float64(sb.Dx()) + 0.5)
	}
	w, h = max(w&^1, 2), max(h&^1, 2)
	// Scale in premultiplied RGBA (the filter is correct there), then
	// convert to straight alpha for the YUV conversion.
	tmp := image.NewRGBA(image.Rect(0, 0, w, h))
	xdraw.CatmullRom.Scale(tmp, tmp.Bounds(), src, sb, xdraw.Src, nil)
	out := image.NewNRGBA(tmp.Bounds())
	for i := 0; i < len(tmp.Pix); i += 4 {
		c := color.NRGBAModel.Convert(color.RGBA{tmp.Pix[i], tmp.Pix[i+1], tmp.Pix[i+2], tmp.Pix[i+3]}).(color.NRGBA)
		out.Pix[i], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return out
}
