package panel

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // uploads may be JPEG
	_ "image/png"  // or PNG
	"net/http"
	"time"
)

// MaxDecodeBytes bounds the memory one image decode may take: width ×
// height × bytes per pixel as the decoder holds them (a 16-bit PNG takes 8
// bytes a pixel, a progressive JPEG keeps its coefficients besides the
// picture). 64 MiB is a 4096×4096 8-bit RGBA picture; a 512 MB Zero 2 W
// keeps room for the stream.
const MaxDecodeBytes = 64 << 20

// decodeSlot lets one upload decode at a time; the others wait for it.
var decodeSlot = make(chan struct{}, 1)

// decodeWait is how long an upload waits for the decoder before it is
// told to try again (503 with Retry-After).
var decodeWait = 20 * time.Second

// checkImage checks that data is a PNG or JPEG whose pixel count and
// decode memory stay within the limits, then decodes it (one decode at a
// time) to make sure it is whole.
func checkImage(data []byte) (image.Config, string, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || (format != "png" && format != "jpeg") {
		return cfg, format, &UploadError{http.StatusUnsupportedMediaType, "the file is not a PNG or JPEG image (allowed: PNG, JPEG)"}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > 8192 || cfg.Height > 8192 || cfg.Width*cfg.Height > MaxUploadPixels {
		return cfg, format, &UploadError{http.StatusRequestEntityTooLarge, fmt.Sprintf("the image is %d×%d pixels (allowed: at most %d pixels, e.g. 4096×4096)", cfg.Width, cfg.Height, MaxUploadPixels)}
	}
	if need := decodeBytes(cfg, format, data); need > MaxDecodeBytes {
		return cfg, format, &UploadError{http.StatusRequestEntityTooLarge, fmt.Sprintf(
			"the image is %d×%d pixels at %d bytes a pixel, %d MiB to decode (allowed: at most %d MiB; save it smaller or with 8 bits per channel)",
			cfg.Width, cfg.Height, bytesPerPixel(cfg, format, data), need>>20, MaxDecodeBytes>>20)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), decodeWait)
	defer cancel()
	select {
	case decodeSlot <- struct{}{}:
	case <-ctx.Done():
		return cfg, format, &UploadError{http.StatusServiceUnavailable, "the box is busy with another image; try again in a few seconds"}
	}
	_, _, err = image.Decode(bytes.NewReader(data))
	<-decodeSlot
	if err != nil {
		return cfg, format, &UploadError{http.StatusUnsupportedMediaType, "the image is damaged: " + err.Error()}
	}
	return cfg, format, nil
}

// decodeBytes is what decoding takes, by the header.
func decodeBytes(cfg image.Config, format string, data []byte) int64 {
	return int64(cfg.Width) * int64(cfg.Height) * int64(bytesPerPixel(cfg, format, data))
}

// bytesPerPixel is the decoder's memory per pixel for the image's colour
// model: the picture, plus the coefficients a progressive JPEG keeps.
func bytesPerPixel(cfg image.Config, format string, data []byte) int {
	switch cfg.ColorModel {
	case color.Gray16Model:
		return 2
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	case color.GrayModel:
		if format == "jpeg" && progressive(data) {
			return 1 + 2
		}
		return 1
	case color.YCbCrModel, color.CMYKModel:
		if progressive(data) {
			return 4 + 4*2 // picture plus int16 coefficients for each component
		}
		return 4
	case color.RGBAModel, color.NRGBAModel:
		return 4
	}
	return 1 // paletted
}

// progressive reports whether a JPEG has a progressive frame header
// (SOF2), which makes the decoder keep every coefficient.
func progressive(data []byte) bool {
	for i := 2; i+3 < len(data); {
		if data[i] != 0xFF {
			return false
		}
		marker := data[i+1]
		if marker == 0xC2 {
			return true
		}
		if marker == 0xC0 || marker == 0xC1 || marker == 0xDA {
			return false
		}
		i += 2 + (int(data[i+2])<<8 | int(data[i+3]))
	}
	return false
}
