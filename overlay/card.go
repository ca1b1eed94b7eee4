package overlay

import (
	"image"
	"image/color"
	"image/draw"
	"sync"

	"github.com/pitchbox/pitchbox/display/text"
)

// Card and lower-third colours: near-black on white and white on
// near-black, contrast that survives H.264 at 1 Mbit/s (little chroma,
// large flat areas, hard edges the encoder keeps).
var (
	cardBG     = color.RGBA{255, 255, 255, 255}
	cardBorder = color.RGBA{40, 40, 40, 255}
	cardInk    = color.RGBA{17, 17, 17, 255}
	cardPrice  = color.RGBA{0, 0, 0, 255}
	cardOld    = color.RGBA{96, 96, 96, 255}
	darkBG     = color.RGBA{16, 16, 16, 255}
	lightInk   = color.RGBA{255, 255, 255, 255}
)

// shaper is the text renderer overlays share: go-text shaping over the
// same font fallback chain as the screen (any script, emoji,
// right-to-left). The renderer is not safe for concurrent use: mu guards it.
var shaper struct {
	once sync.Once
	mu   sync.Mutex
	r    *text.Renderer
}

// withText runs fn with the shared text renderer.
func withText(fn func(r *text.Renderer)) {
	shaper.once.Do(func() {
		fonts, _ := text.LoadFonts(text.SystemFonts...) // missing fonts: boxes for their scripts
		shaper.r = text.NewRenderer(fonts)
	})
	shaper.mu.Lock()
	defer shaper.mu.Unlock()
	fn(shaper.r)
}

// fitLine lays s out on one line of at most width pixels, starting at size
// pixels and shrinking (down to half) until it fits.
func fitLine(r *text.Renderer, s string, size, width int) *text.Paragraph {
	for sz := size; ; sz = sz * 9 / 10 {
		p := r.Layout(s, 0, sz, width)
		if len(p.Lines) <= 1 || sz <= size/2 {
			return p
		}
	}
}

// paraWidth is the widest line of p.
func paraWidth(p *text.Paragraph) int {
	w := 0
	for i := range p.Lines {
		w = max(w, p.LineWidth(i))
	}
	return w
}

// fill paints rect of img one colour.
func fill(img *image.RGBA, rect image.Rectangle, c color.RGBA) {
	draw.Draw(img, rect, &image.Uniform{C: c}, image.Point{}, draw.Src)
}

// cardLayout is where a card's parts go, in pixels from its top-left.
type cardLayout struct {
	w, h, pad          int
	photo, qr          image.Rectangle
	col                image.Rectangle // the text column
	title, price, old  *text.Paragraph
	titleY, priceY     int
	oldY, timerY, rowH int
}

// renderCard draws a product card h pixels high, at most maxW wide: photo
// on the left, title, large price, struck-through old price (and a row
// for the countdown) in the middle, a QR of the url on the right. It
// returns the card and, with a countdown, the rectangle kept for it.
func renderCard(spec Spec, h, maxW int) (*image.RGBA, image.Rectangle, error) {
	var photo image.Image
	var qr *image.Gray
	var err error
	l := cardLayout{h: h, pad: max(h/14, 4)}
	side := h - 2*l.pad
	if spec.URL != "" {
		if qr, err = RenderQR(spec.URL, side); err != nil {
			return nil, image.Rectangle{}, err
		}
	}
	if spec.Image != "" {
		if photo, err = LoadImage(spec.Image, side, side); err != nil {
			return nil, image.Rectangle{}, err
		}
	}
	withText(func(r *text.Renderer) { l.lay(r, spec, photo, qr, maxW) })
	img := image.NewRGBA(image.Rect(0, 0, l.w, l.h))
	fill(img, img.Bounds(), cardBorder)
	fill(img, img.Bounds().Inset(max(h/100, 2)), cardBG)
	if photo != nil {
		draw.Draw(img, l.photo, photo, photo.Bounds().Min, draw.Over)
	}
	if qr != nil {
		draw.Draw(img, l.qr, qr, qr.Bounds().Min, draw.Src)
	}
	withText(func(r *text.Renderer) { l.draw(r, img) })
	var timer image.Rectangle
	if spec.CountdownSeconds > 0 {
		timer = image.Rect(l.col.Min.X, l.timerY, l.col.Max.X, l.timerY+l.rowH)
	}
	return img, timer, nil
}

// lay sizes the card's parts.
func (l *cardLayout) lay(r *text.Renderer, spec Spec, photo image.Image, qr *image.Gray, maxW int) {
	h, pad := l.h, l.pad
	x := pad
	if photo != nil {
		b := photo.Bounds()
		l.photo = image.Rect(x, (h-b.Dy())/2, x+b.Dx(), (h-b.Dy())/2+b.Dy())
		x += b.Dx() + pad
	}
	qrW := 0
	if qr != nil {
		qrW = qr.Bounds().Dx() + pad
	}
	colMax := max(maxW-x-qrW-pad, h/2)
	ts, ps, os := h*14/100, h*30/100, h*14/100
	if spec.CountdownSeconds > 0 {
		ts, ps, os = h*12/100, h*24/100, h*12/100
		l.rowH = h * 20 / 100
	}
	l.title = fitLine(r, spec.Title, ts, colMax)
	l.price = fitLine(r, spec.Price, ps, colMax)
	if spec.OldPrice != "" {
		l.old = fitLine(r, spec.OldPrice, os, colMax)
	}
	colW := max(paraWidth(l.title), paraWidth(l.price), h/2)
	if l.old != nil {
		colW = max(colW, paraWidth(l.old))
	}
	colW = min(colW, colMax)
	if l.rowH > 0 {
		colW = max(colW, min(timerWidth(spec.CountdownSeconds, l.rowH), colMax))
	}
	used := l.title.Height() + l.price.Height() + l.rowH
	if l.old != nil {
		used += l.old.Height()
	}
	y := max((h-used)/2, pad)
	l.titleY, y = y, y+l.title.Height()
	l.priceY, y = y, y+l.price.Height()
	if l.old != nil {
		l.oldY, y = y, y+l.old.Height()
	}
	l.timerY = y &^ 1
	l.col = image.Rect(x, 0, x+colW, h)
	x += colW + pad
	if qr != nil {
		s := qr.Bounds().Dx()
		l.qr = image.Rect(x, (h-s)/2, x+s, (h-s)/2+s)
		x += s + pad
	}
	l.w = (x + 1) &^ 1
}

// draw writes the card's text; the old price gets a line through it.
func (l *cardLayout) draw(r *text.Renderer, img *image.RGBA) {
	clip := img.Bounds()
	for _, p := range []*text.Paragraph{l.title, l.price, l.old} {
		if p != nil {
			p.Width = l.col.Dx() // right-to-left lines align right
		}
	}
	r.Draw(img, clip, l.title, l.col.Min.X, l.titleY, cardInk, cardInk)
	r.Draw(img, clip, l.price, l.col.Min.X, l.priceY, cardPrice, cardPrice)
	if l.old == nil || len(l.old.Lines) == 0 {
		return
	}
	r.Draw(img, clip, l.old, l.col.Min.X, l.oldY, cardOld, cardOld)
	lw := min(l.old.LineWidth(0), l.col.Dx())
	x0 := l.col.Min.X
	if l.old.RTL {
		x0 = l.col.Max.X - lw
	}
	// Through the middle of the digits: the line height is 1.3 em and the
	// baseline 0.95 em down, digits about 0.7 em high.
	em := l.old.LineHeight * 10 / 13
	mid := l.oldY + em*95/100 - em*35/100
	t := max(em/10, 2)
	fill(img, image.Rect(x0, mid-t/2, x0+lw, mid-t/2+t), cardOld)
}

// renderText draws a lower third: s in white on a near-black bar h pixels
// high and at most maxW wide.
func renderText(s string, h, maxW int) *image.RGBA {
	pad := max(h/5, 4)
	var p *text.Paragraph
	withText(func(r *text.Renderer) { p = fitLine(r, s, h*55/100, maxW-2*pad) })
	w := (min(paraWidth(p)+2*pad, maxW) + 1) &^ 1
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	fill(img, img.Bounds(), darkBG)
	p.Width = w - 2*pad
	withText(func(r *text.Renderer) { r.Draw(img, img.Bounds(), p, pad, (h-p.Height())/2, lightInk, lightInk) })
	return img
}
