package display

import (
	"image"
	"image/color"
	"math"
	"strconv"

	"github.com/pitchbox/pitchbox/display/text"
)

// RateSeconds is how far back the data-rate graph goes: one sample a
// second.
const RateSeconds = 60

// Rates is the sent bitrate of the last RateSeconds seconds, one sample a
// second, in a fixed ring: a plain value, copied whole, that never
// allocates.
type Rates struct {
	kbps  [RateSeconds]float32
	total int
}

// Push adds the newest sample, dropping the oldest when the ring is full.
func (r *Rates) Push(kbps float64) {
	r.kbps[r.total%RateSeconds] = float32(kbps)
	r.total++
}

// Len is how many samples there are, at most RateSeconds.
func (r *Rates) Len() int { return min(r.total, RateSeconds) }

// At is sample i, 0 the oldest and Len()-1 the newest.
func (r *Rates) At(i int) float64 {
	return float64(r.kbps[(r.total-r.Len()+i)%RateSeconds])
}

// Total counts the samples pushed so far: it changes with each one.
func (r *Rates) Total() int { return r.total }

// The meter's scale in dBFS: its left end, and where amber and red begin.
const (
	meterFloor = -60.0
	meterAmber = -18.0
	meterRed   = -6.0
)

// Colours of the gauges: the meter's zones lit and unlit, the graph's
// fill, its edge and the target line.
var (
	meterGreen    = color.RGBA{40, 200, 80, 255}
	meterGreenDim = color.RGBA{22, 58, 32, 255}
	meterAmber1   = color.RGBA{235, 160, 0, 255}
	meterAmberDim = color.RGBA{70, 50, 12, 255}
	meterRed1     = color.RGBA{240, 45, 35, 255}
	meterRedDim   = color.RGBA{76, 24, 22, 255}
	plotBG        = color.RGBA{20, 20, 26, 255}
	rateFill      = color.RGBA{36, 84, 128, 255}
	rateEdge      = nameColour
	targetLine    = color.RGBA{210, 210, 215, 255}
	healthy       = color.RGBA{60, 210, 100, 255}
)

// placeGauges puts the meter's row at y and the graph under it, down to
// the bottom of the side area; either is left out when there is no room.
func (s *Screen) placeGauges(y int) {
	side := s.L.Side
	rowH := s.small.lineHeight + s.small.lineHeight/4
	gap := max(3, s.L.SmallFont/3)
	s.meter, s.graph = image.Rectangle{}, image.Rectangle{}
	if y+rowH > side.Max.Y {
		return
	}
	s.meter = image.Rect(side.Min.X, y, side.Max.X, y+rowH)
	y += rowH + gap
	if side.Max.Y-y >= 2*s.small.lineHeight { // the header, and a plot about a line high
		s.graph = image.Rect(side.Min.X, y, side.Max.X, side.Max.Y)
	}
}

// Gauges are where the meter and the graph are (as DrawStatus last
// placed them; empty when they did not fit).
func (s *Screen) Gauges() (meter, graph image.Rectangle) { return s.meter, s.graph }

// DrawMeter draws the microphone's level meter, and returns the area
// drawn: "MIC", then a bar from -60 to 0 dBFS in 3 dB segments, green,
// amber from -18 and red from -6, lit up to the RMS level, with the peak
// as a bright mark; or why there is no sound. It allocates nothing.
func (s *Screen) DrawMeter(st *State) image.Rectangle {
	m := s.meter
	if m.Empty() {
		return m
	}
	fill(s.img, m, background)
	f := &s.small
	ty := m.Min.Y + (m.Dy()-f.lineHeight)/2
	x := drawASCII(f, s.img, m, "MIC", m.Min.X, ty, grey) + f.size/2
	if st.MicSilent != "" {
		drawASCII(f, s.img, m, st.MicSilent, x, ty, amber)
		return m
	}
	bh := max(4, m.Dy()*55/100)
	bar := image.Rect(x, m.Min.Y+(m.Dy()-bh)/2, m.Max.X, m.Min.Y+(m.Dy()-bh)/2+bh)
	lit := dbX(bar, st.RMSDBFS)
	for db := meterFloor; db < 0; db += 3 {
		seg := image.Rect(dbX(bar, db), bar.Min.Y, dbX(bar, db+3)-1, bar.Max.Y)
		on, off := zone(db)
		fill(s.img, seg, off)
		if lit > seg.Min.X {
			fill(s.img, image.Rect(seg.Min.X, seg.Min.Y, min(seg.Max.X, lit), seg.Max.Y), on)
		}
	}
	if st.PeakDBFS > meterFloor {
		px := min(dbX(bar, st.PeakDBFS), bar.Max.X-2)
		on, _ := zone(min(st.PeakDBFS, -0.01))
		fill(s.img, image.Rect(px-1, bar.Min.Y-bh/5, px+2, bar.Max.Y+bh/5), on)
	}
	return m
}

// dbX is where db falls on the meter's bar.
func dbX(bar image.Rectangle, db float64) int {
	db = min(max(db, meterFloor), 0)
	return bar.Min.X + int(math.Round((db-meterFloor)/-meterFloor*float64(bar.Dx())))
}

// zone is the meter's colour lit and unlit at db.
func zone(db float64) (on, off color.RGBA) {
	switch {
	case db >= meterRed:
		return meterRed1, meterRedDim
	case db >= meterAmber:
		return meterAmber1, meterAmberDim
	}
	return meterGreen, meterGreenDim
}

// DrawGraph draws the data-rate graph, and returns the area drawn: the
// current rate and the target over the last RateSeconds of samples,
// filled, newest at the right, with the target as a dashed line, and
// IVS's health of the stream when it is known. It allocates nothing.
func (s *Screen) DrawGraph(st *State) image.Rectangle {
	g := s.graph
	if g.Empty() {
		return g
	}
	fill(s.img, g, panelBG)
	f := &s.small
	pad := max(3, f.size/3)
	x, y := g.Min.X+pad, g.Min.Y+pad/2
	s.num = append(strconv.AppendInt(s.num[:0], int64(math.Round(st.BitrateKbps)), 10), " kbps"...)
	x = drawASCII(f, s.img, g, s.num, x, y, white)
	if st.TargetKbps > 0 {
		s.num = append(strconv.AppendInt(append(s.num[:0], "   target "...), int64(st.TargetKbps), 10), " kbps"...)
		drawASCII(f, s.img, g, s.num, x, y, grey)
	}
	if v := st.Viewers; v != nil && v.Health != "" {
		col := amber
		switch v.Health {
		case "HEALTHY":
			col = healthy
		case "UNKNOWN":
			col = grey
		}
		hx := g.Max.X - pad - widthASCII(f, v.Health)
		drawASCII(f, s.img, g, v.Health, hx, y, col)
		drawASCII(f, s.img, g, "IVS ", hx-widthASCII(f, "IVS "), y, grey)
	}
	plot := image.Rect(g.Min.X+pad, y+f.lineHeight, g.Max.X-pad, g.Max.Y-pad)
	if plot.Dx() >= 8 && plot.Dy() >= 8 {
		s.plotRates(plot, st)
	}
	return g
}

// plotRates fills p with the rates, scaled so that the target sits at
// four fifths of the height unless a sample is higher.
func (s *Screen) plotRates(p image.Rectangle, st *State) {
	fill(s.img, p, plotBG)
	r := &st.Rates
	n := r.Len()
	top := max(float64(st.TargetKbps)*1.25, 100)
	for i := 0; i < n; i++ {
		top = max(top, r.At(i)*1.1)
	}
	yOf := func(kbps float64) int { return p.Max.Y - int(math.Round(kbps/top*float64(p.Dy()))) }
	prev := -1
	for x := 0; x < p.Dx(); x++ {
		// Column x is at t on a 0…RateSeconds-1 axis; sample i sits at
		// RateSeconds-n+i, so the newest is at the right edge.
		t := float64(x)*float64(RateSeconds-1)/float64(p.Dx()-1) - float64(RateSeconds-n)
		if t < 0 {
			continue
		}
		i := min(int(t), n-1)
		v := r.At(i)
		if i+1 < n {
			v += (r.At(i+1) - v) * (t - float64(i))
		}
		y := min(max(yOf(v), p.Min.Y), p.Max.Y-1)
		col := image.Rect(p.Min.X+x, 0, p.Min.X+x+1, 0)
		fill(s.img, image.Rect(col.Min.X, y, col.Max.X, p.Max.Y), rateFill)
		lo, hi := y, y
		if prev >= 0 {
			lo, hi = min(y, prev), max(y, prev)
		}
		fill(s.img, image.Rect(col.Min.X, max(lo-1, p.Min.Y), col.Max.X, min(hi+1, p.Max.Y)), rateEdge)
		prev = y
	}
	if st.TargetKbps > 0 {
		ty := yOf(float64(st.TargetKbps))
		for x := p.Min.X; x < p.Max.X; x += 9 {
			fill(s.img, image.Rect(x, ty, min(x+5, p.Max.X), ty+2), targetLine)
		}
	}
}

// asciiFont draws short ASCII labels and numbers with one paragraph laid
// out per character, once: the gauges' numbers change every second and
// cost no allocation. It draws no kerning, which digits do not need.
type asciiFont struct {
	r          *text.Renderer
	size       int
	lineHeight int
	chars      [95]*text.Paragraph // ' ' to '~'
	adv        [95]int
}

// newASCIIFont lays out the printable ASCII characters at size pixels.
func newASCIIFont(r *text.Renderer, size int) asciiFont {
	f := asciiFont{r: r, size: size, lineHeight: size * 13 / 10}
	for c := ' '; c <= '~'; c++ {
		p := r.Layout(string(c), 0, size, 1<<16)
		f.chars[c-' '] = p
		if len(p.Lines) > 0 {
			f.adv[c-' '] = p.LineWidth(0)
		}
	}
	if f.adv[0] == 0 {
		f.adv[0] = size * 3 / 10
	}
	return f
}

// drawASCII draws t with its top-left corner at (x, y), clipped to clip,
// and returns where it ends. Bytes outside printable ASCII show as '?'.
func drawASCII[T string | []byte](f *asciiFont, dst *image.RGBA, clip image.Rectangle, t T, x, y int, col color.RGBA) int {
	for i := 0; i < len(t); i++ {
		c := asciiIndex(t[i])
		if p := f.chars[c]; len(p.Lines) > 0 {
			f.r.Draw(dst, clip, p, x, y, col, col)
		}
		x += f.adv[c]
	}
	return x
}

// widthASCII is how wide drawASCII draws t.
func widthASCII[T string | []byte](f *asciiFont, t T) int {
	w := 0
	for i := 0; i < len(t); i++ {
		w += f.adv[asciiIndex(t[i])]
	}
	return w
}

// asciiIndex is c's place in an asciiFont ('?' for anything else).
func asciiIndex(c byte) int {
	if c < ' ' || c > '~' {
		c = '?'
	}
	return int(c - ' ')
}
