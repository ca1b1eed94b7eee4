package panel

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
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

// thumbKey names what a preset's thumbnail is made of: its QR text or
// card's words, and its image file as it is now on disk.
func thumbKey(p config.Preset) string {
	key := "qr\x00" + p.QR
	if !plainThumb(p) {
		key = fmt.Sprintf("scene\x00%q\x00%q\x00%q\x00%q\x00%q\x00%q\x00%d",
			p.QR, p.Text, p.Title, p.Price, p.OldPrice, p.URL, p.CountdownSeconds)
	} else if p.QR != "" {
		return key
	}
	if p.Image == "" {
		return key
	}
	st, err := os.Stat(p.Image)
	if err != nil {
		return key + "\x00image\x00" + p.Image
	}
	return fmt.Sprintf("%s\x00image\x00%s\x00%d\x00%d", key, p.Image, st.Size(), st.ModTime().UnixNano())
}

// plainThumb reports whether p's thumbnail is just its QR code or image:
// no card, lower third or countdown.
func plainThumb(p config.Preset) bool {
	return !p.IsCard() && p.Text == "" && p.CountdownSeconds == 0
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

// renderThumb draws p's QR code, image, card or lower third (with its
// countdown) at most thumbW×thumbH, as a PNG.
func renderThumb(p config.Preset) ([]byte, error) {
	var img image.Image
	var err error
	switch {
	case !plainThumb(p):
		img, err = sceneThumb(p)
	case p.QR != "":
		img, err = overlay.RenderQR(p.QR, thumbH)
	default:
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

// The frame a card, lower third or countdown is drawn on for its
// thumbnail (3:2, as the thumbnail), and the sizes drawn at: large
// enough for the words to shape as they do on the picture.
const (
	sceneFrameW = 720
	sceneFrameH = 480
	sceneSize   = 0.5 // a card, QR or image
	sceneText   = 0.2 // a lower third
)

// sceneThumb draws p as the box does (its countdown at its full time)
// into a picture of just what it covers, scaled to fit thumbW×thumbH.
func sceneThumb(p config.Preset) (image.Image, error) {
	size := sceneSize
	if p.Text != "" {
		size = sceneText
	}
	spec := overlay.Spec{Name: p.Name, QR: p.QR, Image: p.Image, Text: p.Text, Title: p.Title, Price: p.Price,
		OldPrice: p.OldPrice, URL: p.URL, CountdownSeconds: p.CountdownSeconds, CountdownHold: true,
		Position: overlay.XY, Size: size}
	sc, err := overlay.BuildScene(spec, sceneFrameW, sceneFrameH)
	if err != nil {
		return nil, err
	}
	ovs := sc.Overlays
	if sc.Timer != nil {
		ovs = append(ovs[:len(ovs):len(ovs)], sc.Timer.O)
	}
	var area image.Rectangle
	for _, o := range ovs {
		area = area.Union(o.Bounds())
	}
	canvas := image.NewNRGBA(area)
	for _, o := range ovs {
		draw.Draw(canvas, o.Bounds(), overlayImage(o), o.Bounds().Min, draw.Over)
	}
	return overlay.Scale(canvas, thumbW, thumbH), nil
}

// overlayImage turns an overlay's BT.601 limited-range YUV and alpha back
// into RGB, placed where the overlay is.
func overlayImage(o *overlay.Overlay) *image.NRGBA {
	img := image.NewNRGBA(o.Bounds())
	cw := o.W / 2
	for y := 0; y < o.H; y++ {
		for x := 0; x < o.W; x++ {
			ci := (y/2)*cw + x/2
			c := 1.164 * (float64(o.Yp[y*o.W+x]) - 16)
			u, v := float64(o.Up[ci])-128, float64(o.Vp[ci])-128
			a := o.A[y*o.W+x]
			if o.Opaque {
				a = 255
			}
			i := y*img.Stride + x*4
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = clamp8(c+1.596*v), clamp8(c-0.392*u-0.813*v), clamp8(c+2.017*u), a
		}
	}
	return img
}

func clamp8(v float64) uint8 { return uint8(min(max(v+0.5, 0), 255)) }

// getPresetThumb serves GET /api/presets/{name}/thumb: the preset's QR
// code, image, card or lower third, small, for its button.
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
