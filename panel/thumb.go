package panel

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"os"
	"sync"

	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/overlay"
)

// Thumbnail size: the preset buttons show them at most this big.
const (
	thumbW = 240
	thumbH = 160
)

// thumbCache keeps the rendered thumbnails of the presets, keyed by what
// they are made of, and renders one at a time: an uploaded image may be
// up to 4096×4096, and a page asks for every preset's at once.
type thumbCache struct {
	render sync.Mutex // held while one thumbnail is made
	mu     sync.Mutex
	byKey  map[string][]byte
}

// maxThumbs bounds the cache; past it, it starts again empty.
const maxThumbs = 64

// thumbKey names what a preset's thumbnail is made of: its QR text, or
// its image file as it is now on disk.
func thumbKey(p config.Preset) string {
	if p.QR != "" {
		return "qr\x00" + p.QR
	}
	st, err := os.Stat(p.Image)
	if err != nil {
		return "image\x00" + p.Image
	}
	return fmt.Sprintf("image\x00%s\x00%d\x00%d", p.Image, st.Size(), st.ModTime().UnixNano())
}

// get returns p's thumbnail as a PNG, rendered unless it is cached.
func (c *thumbCache) get(p config.Preset) ([]byte, error) {
	key := thumbKey(p)
	c.mu.Lock()
	b, ok := c.byKey[key]
	c.mu.Unlock()
	if ok {
		return b, nil
	}
	c.render.Lock()
	defer c.render.Unlock()
	b, err := renderThumb(p)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.byKey == nil || len(c.byKey) >= maxThumbs {
		c.byKey = map[string][]byte{}
	}
	c.byKey[key] = b
	c.mu.Unlock()
	return b, nil
}

// renderThumb draws p's QR code or image at most thumbW×thumbH, as a PNG.
func renderThumb(p config.Preset) ([]byte, error) {
	var img image.Image
	var err error
	if p.QR != "" {
		img, err = overlay.RenderQR(p.QR, thumbH)
	} else {
		img, err = overlay.LoadImage(p.Image, thumbW, thumbH)
	}
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// getPresetThumb serves GET /api/presets/{name}/thumb: the preset's QR
// code or image, small, for its button.
func (s settingsAPI) getPresetThumb(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("name")
	ps := s.Config().Presets
	i := findPreset(ps, ref)
	if i < 0 {
		writeError(w, http.StatusNotFound, notFoundf("no preset named %q", ref))
		return
	}
	b, err := s.thumbs.get(ps[i])
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, no-cache")
	w.Write(b)
}
