// Package text shapes, wraps and draws chat text for the attached display
// in pure Go: github.com/go-text/typesetting segments a paragraph by
// direction, script and font, shapes each run, wraps the runs into lines
// and orders them for display (right-to-left runs in the right order);
// glyph outlines are rasterised with golang.org/x/image/vector and cached.
//
// Fonts form a fallback chain: the Go font (built in) for Latin, then the
// system's DejaVu Sans (Hebrew, Arabic, symbols), Noto Sans CJK and
// Symbola (monochrome emoji) where installed, so that no script falls to
// empty boxes when its font is there.
package text

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"os"
	"sync"
	"unicode"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// SystemFonts are the fallback fonts looked for, in order (Debian's
// fonts-dejavu-core, fonts-noto-cjk and fonts-symbola).
var SystemFonts = []string{
	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf",
}

// Fonts is a fallback chain of faces; it implements shaping.Fontmap.
// Faces past the built-in one are loaded when a character first needs
// them: Noto Sans CJK alone takes about 25 MiB of heap, which a box whose
// chat is all Latin never spends.
type Fonts struct {
	mu      sync.Mutex
	faces   []*font.Face
	names   []string
	pending []string // paths not loaded yet, in fallback order
	errs    []error
}

// LoadFonts returns the built-in Go font followed by the fonts at paths.
// Paths that do not exist are returned as errors now (the chain works
// without them, showing boxes for their scripts); the others load when
// first needed.
func LoadFonts(paths ...string) (*Fonts, []error) {
	f := &Fonts{}
	goFace, err := font.ParseTTF(bytes.NewReader(goregular.TTF))
	if err != nil {
		panic("text: the built-in Go font does not parse: " + err.Error())
	}
	f.faces, f.names = []*font.Face{goFace}, []string{"Go Regular"}
	var errs []error
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			errs = append(errs, fmt.Errorf("text: font %s: %w", p, err))
			continue
		}
		f.pending = append(f.pending, p)
	}
	return f, errs
}

// loadNext loads the next pending font; false when none is left.
func (f *Fonts) loadNext() bool {
	if len(f.pending) == 0 {
		return false
	}
	p := f.pending[0]
	f.pending = f.pending[1:]
	b, err := os.ReadFile(p)
	if err == nil {
		var faces []*font.Face
		if faces, err = font.ParseTTC(bytes.NewReader(b)); err == nil {
			// A collection's first face is its default (Noto Sans CJK:
			// the Japanese one, which covers the common Han, kana and
			// Hangul).
			f.faces = append(f.faces, faces[0])
			f.names = append(f.names, p)
			return true
		}
	}
	f.errs = append(f.errs, fmt.Errorf("text: font %s: %w", p, err))
	return true
}

// Errors lists fonts that failed to load when they were needed.
func (f *Fonts) Errors() []error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]error(nil), f.errs...)
}

// Names lists the faces loaded so far, in fallback order.
func (f *Fonts) Names() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.names...)
}

// find returns the first face that has r, loading fonts as needed.
func (f *Fonts) find(r rune) *font.Face {
	f.mu.Lock()
	defer f.mu.Unlock()
	for checked := 0; ; {
		for ; checked < len(f.faces); checked++ {
			if _, ok := f.faces[checked].NominalGlyph(r); ok {
				return f.faces[checked]
			}
		}
		if !f.loadNext() {
			return nil
		}
	}
}

// ResolveFace implements shaping.Fontmap: the first face that has r.
func (f *Fonts) ResolveFace(r rune) *font.Face {
	if face := f.find(r); face != nil {
		return face
	}
	return f.faces[0]
}

// Has reports whether some face has a glyph for r.
func (f *Fonts) Has(r rune) bool { return f.find(r) != nil }

// Paragraph is shaped text wrapped to a width, ready to draw.
type Paragraph struct {
	Lines      []shaping.Line
	RTL        bool
	LineHeight int
	Width      int
	size       int
	// Accent is how many leading runes are drawn in the accent colour
	// (the sender's name).
	Accent int
}

// Height is the paragraph's height in pixels.
func (p *Paragraph) Height() int { return len(p.Lines) * p.LineHeight }

// LineWidth is the width of line i in pixels.
func (p *Paragraph) LineWidth(i int) int {
	w := 0
	for _, run := range p.Lines[i] {
		w += run.Advance.Round()
	}
	return w
}

// Renderer lays out and draws text. It is not safe for concurrent use.
type Renderer struct {
	fonts   *Fonts
	shaper  shaping.HarfbuzzShaper
	seg     shaping.Segmenter
	wrapper shaping.LineWrapper
	glyphs  map[glyphKey]*glyphMask
	// Draw's own: the colours and a line's runs in visual order, kept so
	// that drawing a laid-out paragraph allocates nothing (the Uniforms
	// hold pointers to fg and ac: a color.RGBA put in an interface would
	// be copied to the heap on each Draw).
	fg, ac   color.RGBA
	fgU, acU image.Uniform
	order    []int
}

// NewRenderer returns a renderer over fonts.
func NewRenderer(fonts *Fonts) *Renderer {
	r := &Renderer{fonts: fonts, glyphs: map[glyphKey]*glyphMask{}}
	r.fgU.C, r.acU.C = &r.fg, &r.ac
	return r
}

// Has reports whether some font of the renderer has a glyph for c.
func (r *Renderer) Has(c rune) bool { return r.fonts.Has(c) }

// Direction is the paragraph direction of s by its first strong
// character (Unicode's rule P2): right-to-left for Hebrew, Arabic and
// their kin.
func Direction(s []rune) di.Direction {
	for _, r := range s {
		switch {
		case unicode.In(r, unicode.Hebrew, unicode.Arabic, unicode.Syriac, unicode.Thaana, unicode.Nko):
			return di.DirectionRTL
		case unicode.IsLetter(r):
			return di.DirectionLTR
		}
	}
	return di.DirectionLTR
}

// Layout shapes s at size pixels and wraps it to width pixels. The first
// accent runes are marked for the accent colour.
func (r *Renderer) Layout(s string, accent, size, width int) *Paragraph {
	runes := []rune(s)
	p := &Paragraph{LineHeight: size * 13 / 10, Width: width, size: size, Accent: accent}
	if len(runes) == 0 {
		return p
	}
	dir := Direction(runes)
	// A name in another script than the message should not decide it:
	// the message's own direction sets the paragraph's.
	if accent < len(runes) {
		dir = Direction(runes[accent:])
	}
	in := shaping.Input{Text: runes, RunStart: 0, RunEnd: len(runes), Direction: dir,
		Size: fixed.I(size), Script: language.Latin, Language: language.NewLanguage("en")}
	var outs []shaping.Output
	for _, part := range r.seg.Split(in, r.fonts) {
		if part.Face == nil {
			part.Face = r.fonts.ResolveFace(0)
		}
		outs = append(outs, r.shaper.Shape(part))
	}
	p.RTL = dir == di.DirectionRTL
	if len(outs) == 0 {
		return p
	}
	lines, _ := r.wrapper.WrapParagraph(shaping.WrapConfig{Direction: dir, BreakPolicy: shaping.WhenNecessary}, width, runes, shaping.NewSliceIterator(outs))
	// The wrapper reuses its buffers: keep our own copies.
	for _, l := range lines {
		p.Lines = append(p.Lines, append(shaping.Line(nil), l...))
	}
	return p
}

// Draw draws p with its top-left corner at (x, y), clipped to clip. Runes
// before p.Accent are drawn in accent, the rest in fg. Once its glyphs
// are cached it allocates nothing.
func (r *Renderer) Draw(dst *image.RGBA, clip image.Rectangle, p *Paragraph, x, y int, fg, accent color.RGBA) {
	r.fg, r.ac = fg, accent
	fgU, acU := &r.fgU, &r.acU
	ascent := p.size * 95 / 100
	for i, line := range p.Lines {
		top := y + i*p.LineHeight
		if top >= clip.Max.Y {
			return
		}
		if top+p.LineHeight <= clip.Min.Y {
			continue
		}
		dot := x
		if p.RTL {
			dot = x + p.Width - p.LineWidth(i)
		}
		baseline := top + ascent
		// Runs in visual order, left to right.
		order := r.runOrder(len(line))
		for j, run := range line {
			if int(run.VisualIndex) < len(order) {
				order[run.VisualIndex] = j
			}
		}
		pen := fixed.I(dot)
		for _, j := range order {
			run := line[j]
			for _, g := range run.Glyphs {
				col := fgU
				if g.TextIndex() < p.Accent {
					col = acU
				}
				gx := (pen + g.XOffset).Round()
				gy := baseline - g.YOffset.Round()
				r.drawGlyph(dst, clip, run.Face, g.GlyphID, p.size, gx, gy, col)
				pen += g.Advance
			}
		}
	}
}

// runOrder is r.order resized to n and zeroed.
func (r *Renderer) runOrder(n int) []int {
	if cap(r.order) < n {
		r.order = make([]int, n)
	}
	r.order = r.order[:n]
	clear(r.order)
	return r.order
}

// glyphKey names a rasterised glyph: its face, its glyph and its size.
type glyphKey struct {
	face *font.Face
	gid  font.GID
	size int
}

// glyphMask is a rasterised glyph's coverage.
type glyphMask struct {
	mask   *image.Alpha
	offset image.Point // from the dot on the baseline to the mask's top-left
}

// maxGlyphs bounds the glyph cache (a chat in many scripts).
const maxGlyphs = 4096

// drawGlyph draws a glyph with its dot at (x, y) in col, rasterising
// it on first use.
func (r *Renderer) drawGlyph(dst *image.RGBA, clip image.Rectangle, face *font.Face, gid font.GID, size, x, y int, col *image.Uniform) {
	k := glyphKey{face, gid, size}
	gm, ok := r.glyphs[k]
	if !ok {
		if len(r.glyphs) >= maxGlyphs {
			clear(r.glyphs)
		}
		gm = rasterize(face, gid, size)
		r.glyphs[k] = gm
	}
	if gm == nil {
		return
	}
	rect := gm.mask.Bounds().Sub(gm.mask.Bounds().Min).Add(image.Pt(x, y).Add(gm.offset)).Intersect(clip)
	if rect.Empty() {
		return
	}
	mp := gm.mask.Bounds().Min.Add(rect.Min.Sub(image.Pt(x, y).Add(gm.offset)))
	draw.DrawMask(dst, rect, col, image.Point{}, gm.mask, mp, draw.Over)
}

// rasterize renders a glyph outline at size pixels per em.
func rasterize(face *font.Face, gid font.GID, size int) *glyphMask {
	data, ok := face.GlyphData(gid).(font.GlyphOutline)
	if !ok || len(data.Segments) == 0 {
		return nil
	}
	scale := float32(size) / float32(face.Upem())
	minX, minY, maxX, maxY := float32(1e9), float32(1e9), float32(-1e9), float32(-1e9)
	for _, s := range data.Segments {
		for _, a := range s.ArgsSlice() {
			minX, maxX = min(minX, a.X), max(maxX, a.X)
			minY, maxY = min(minY, a.Y), max(maxY, a.Y)
		}
	}
	x0, y0 := int(minX*scale)-1, int(-maxY*scale)-1
	w, h := int(maxX*scale)-x0+2, int(-minY*scale)-y0+2
	if w <= 0 || h <= 0 || w > 4*size+8 || h > 4*size+8 {
		return nil
	}
	z := vector.NewRasterizer(w, h)
	px := func(p font.SegmentPoint) (float32, float32) {
		return p.X*scale - float32(x0), -p.Y*scale - float32(y0)
	}
	open := false
	for _, s := range data.Segments {
		switch s.Op {
		case ot.SegmentOpMoveTo:
			if open {
				z.ClosePath() // each contour is closed before the next
			}
			open = true
			z.MoveTo(px(s.Args[0]))
		case ot.SegmentOpLineTo:
			z.LineTo(px(s.Args[0]))
		case ot.SegmentOpQuadTo:
			ax, ay := px(s.Args[0])
			bx, by := px(s.Args[1])
			z.QuadTo(ax, ay, bx, by)
		case ot.SegmentOpCubeTo:
			ax, ay := px(s.Args[0])
			bx, by := px(s.Args[1])
			cx, cy := px(s.Args[2])
			z.CubeTo(ax, ay, bx, by, cx, cy)
		}
	}
	z.ClosePath()
	mask := image.NewAlpha(image.Rect(0, 0, w, h))
	z.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})
	return &glyphMask{mask: mask, offset: image.Pt(x0, y0)}
}
