package display

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/display/text"
	"github.com/pitchbox/pitchbox/frame"
)

// TestRatesRing: the ring keeps the last RateSeconds samples, oldest
// first, and counts every one.
func TestRatesRing(t *testing.T) {
	var r Rates
	if r.Len() != 0 || r.Total() != 0 {
		t.Fatalf("empty ring: len %d, total %d", r.Len(), r.Total())
	}
	for i := 0; i < 7; i++ {
		r.Push(float64(i))
	}
	if r.Len() != 7 || r.At(0) != 0 || r.At(6) != 6 {
		t.Fatalf("7 samples: len %d, first %v, last %v", r.Len(), r.At(0), r.At(6))
	}
	for i := 7; i < RateSeconds+10; i++ {
		r.Push(float64(i))
	}
	if r.Len() != RateSeconds || r.Total() != RateSeconds+10 || r.At(0) != 10 || r.At(RateSeconds-1) != RateSeconds+9 {
		t.Fatalf("full ring: len %d, total %d, first %v, last %v", r.Len(), r.Total(), r.At(0), r.At(RateSeconds-1))
	}
}

// gaugeScreen is an 800x480 screen with its gauges placed.
func gaugeScreen(t testing.TB, st *State) *Screen {
	t.Helper()
	fonts, _ := text.LoadFonts()
	s := NewScreen(800, 480, fonts)
	s.DrawStatus(st)
	if m, g := s.Gauges(); m.Empty() || g.Empty() || m.Overlaps(g) || !m.In(s.L.Side) || !g.In(s.L.Side) {
		t.Fatalf("gauges meter %v, graph %v in the side %v", m, g, s.L.Side)
	}
	return s
}

// rowColours counts the colours on the meter's middle row.
func rowColours(s *Screen) map[color.RGBA]int {
	m, _ := s.Gauges()
	seen := map[color.RGBA]int{}
	for x := m.Min.X; x < m.Max.X; x++ {
		seen[s.img.RGBAAt(x, m.Min.Y+m.Dy()/2)]++
	}
	return seen
}

// TestMeterZones: the bar is lit up to the RMS level in its zone's
// colour (green, then amber from -18 dBFS), unlit above it (dim amber,
// dim red), with the peak as a red mark past -6 dBFS; a silent track
// shows words and no bar.
func TestMeterZones(t *testing.T) {
	st := &State{PeakDBFS: -2, RMSDBFS: -12}
	s := gaugeScreen(t, st)
	seen := rowColours(s)
	for name, c := range map[string]color.RGBA{"lit green": meterGreen, "lit amber": meterAmber1, "unlit amber": meterAmberDim,
		"unlit red": meterRedDim, "red peak": meterRed1} {
		if seen[c] == 0 {
			t.Errorf("no %s on the meter at RMS -12, peak -2 dBFS (colours %v)", name, seen)
		}
	}
	if seen[meterGreenDim] != 0 {
		t.Errorf("unlit green below an RMS of -12 dBFS")
	}
	// The lit part is as long as the level says: -12 dBFS is 4/5 of the bar.
	if lit, bar := seen[meterGreen]+seen[meterAmber1], seen[meterGreen]+seen[meterAmber1]+seen[meterAmberDim]+seen[meterRedDim]+seen[meterRed1]; math.Abs(float64(lit)/float64(bar)-0.8) > 0.05 {
		t.Errorf("%d of %d bar pixels lit at -12 dBFS, want 4/5", lit, bar)
	}
	st = &State{PeakDBFS: -120, RMSDBFS: -120}
	s.DrawMeter(st)
	if seen := rowColours(s); seen[meterGreen]+seen[meterAmber1]+seen[meterRed1] != 0 || seen[meterGreenDim] == 0 {
		t.Errorf("silence lights the meter: %v", seen)
	}
	s.DrawMeter(&State{MicSilent: "no microphone", PeakDBFS: -3, RMSDBFS: -3})
	if seen := rowColours(s); seen[meterGreenDim]+seen[meterGreen]+seen[meterRedDim] != 0 {
		t.Errorf("a silent track still shows a bar: %v", seen)
	}
}

// TestGraphFillsFromTheRight: half a minute of samples at the target
// fill the right half of the plot to four fifths of its height (the
// target line), and leave the left half empty.
func TestGraphFillsFromTheRight(t *testing.T) {
	st := &State{TargetKbps: 2000}
	for i := 0; i < RateSeconds/2; i++ {
		st.Rates.Push(2000)
	}
	s := gaugeScreen(t, st)
	_, g := s.Gauges()
	filled := func(x int) int {
		n := 0
		for y := g.Min.Y; y < g.Max.Y; y++ {
			if c := s.img.RGBAAt(x, y); c == rateFill || c == rateEdge {
				n++
			}
		}
		return n
	}
	left, right := filled(g.Min.X+g.Dx()/4), filled(g.Max.X-g.Dx()/4)
	if left != 0 {
		t.Errorf("%d filled pixels in the empty first half", left)
	}
	plotH := g.Dy() - s.small.lineHeight - s.small.size/3*3/2
	if want := plotH * 4 / 5; right < want-3 || right > want+3 {
		t.Errorf("a rate at the target fills %d pixels of a %d-pixel plot, want about %d", right, plotH, want)
	}
}

// TestRetryCountdown: while reconnecting, the status bar counts down to
// the next attempt on the screen's clock, redrawn once a second and not
// between.
func TestRetryCountdown(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		after time.Duration
		want  string
	}{{0, "retrying in 5 s"}, {800 * time.Millisecond, "retrying in 4 s"}, {1200 * time.Millisecond, "retrying in 3 s"},
		{4100 * time.Millisecond, "retrying in 1 s"}, {5 * time.Second, "retrying now"}, {9 * time.Second, "retrying now"}} {
		if got := retryText(now.Add(4200*time.Millisecond), now.Add(c.after)); got != c.want {
			t.Errorf("%v after: %q, want %q", c.after, got, c.want)
		}
	}
	if got := retryText(time.Time{}, now); got != "" {
		t.Errorf("no attempt scheduled: %q", got)
	}
	fonts, _ := text.LoadFonts()
	s := NewScreen(800, 480, fonts)
	clock := now
	s.Clock = func() time.Time { return clock }
	r := &Runner{Screen: s, Out: &nullOut{}}
	st := State{Stream: control.Reconnecting, Problem: "Internet connection lost", RetryAt: now.Add(4200 * time.Millisecond)}
	var bars []*image.RGBA
	for i := 0; i < 10; i++ { // 0 to 4.5 s in half seconds
		clock = now.Add(time.Duration(i) * 500 * time.Millisecond)
		r.update(&st)
		bars = append(bars, cloneRGBA(s.img.SubImage(s.L.Status).(*image.RGBA)))
	}
	// Redrawn at 0, 0.5 (4.2 → 3.7: "4 s"), 1.5, 2.5, 3.5 and 4.5 s ("now").
	if n := r.StatusDraws.Load(); n != 6 {
		t.Errorf("status drawn %d times in 4.5 s of countdown, want 6 (once a second)", n)
	}
	if d, _ := Differing(bars[0], bars[2], image.Rectangle{}); d == 0 {
		t.Error("the countdown did not change on the status bar")
	}
}

// cloneRGBA copies m.
func cloneRGBA(m *image.RGBA) *image.RGBA {
	c := image.NewRGBA(m.Bounds())
	draw.Draw(c, c.Rect, m, m.Rect.Min, draw.Src)
	return c
}

// nullOut is a framebuffer in memory that the tests look at through the
// screen's picture.
type nullOut struct {
	mu sync.Mutex
	f  Format
	fb []byte
	n  int
}

// Draw implements Output.
func (o *nullOut) Draw(img *image.RGBA, r image.Rectangle) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fb == nil {
		o.f = XRGB8888(img.Rect.Dx(), img.Rect.Dy())
		o.fb = make([]byte, o.f.LineLength*o.f.Height)
	}
	o.f.Draw(o.fb, img, r)
	o.n++
}

// TestTickAllocatesNothing: once the screen is drawn, a state tick that
// changes the microphone's level and adds a data-rate sample (the meter
// and the graph redrawn and sent to the framebuffer) and a picture
// update allocate nothing.
func TestTickAllocatesNothing(t *testing.T) {
	fonts, _ := text.LoadFonts()
	s := NewScreen(800, 480, fonts)
	out := &nullOut{}
	r := &Runner{Screen: s, Out: out}
	st := State{Stream: control.Live, OnAir: time.Minute, TargetKbps: 2500, Viewers: &control.Viewers{Count: 3, Health: "HEALTHY"},
		PanelURL: "http://10.0.0.2/", Messages: []Message{{ID: "1", Sender: "a", Text: "hi"}}}
	f, _ := frame.New(320, 180)
	r.update(&st)
	s.DrawPreview(f)
	i := 0
	step := func() {
		i++
		st.PeakDBFS, st.RMSDBFS = -float64(i%40), -float64(i%40)-9
		st.BitrateKbps = float64(2000 + i*7%900)
		st.Rates.Push(st.BitrateKbps)
		r.update(&st)
		out.Draw(s.Image(), s.DrawPreview(f))
	}
	for range 100 { // every digit's and every level's glyphs drawn once
		step()
	}
	meters, graphs := r.MeterDraws.Load(), r.GraphDraws.Load()
	if n := testing.AllocsPerRun(50, step); n != 0 {
		t.Errorf("%v allocations per tick", n)
	}
	if r.MeterDraws.Load()-meters < 50 || r.GraphDraws.Load()-graphs < 50 || r.StatusDraws.Load() != 1 {
		t.Errorf("draws: meter %d, graph %d, status %d: the tick did not redraw the gauges alone",
			r.MeterDraws.Load()-meters, r.GraphDraws.Load()-graphs, r.StatusDraws.Load())
	}
}

// BenchmarkGauges redraws the meter and the graph (ten and one times a
// second at most), 1280x720.
func BenchmarkGauges(b *testing.B) {
	fonts, _ := text.LoadFonts()
	s := NewScreen(1280, 720, fonts)
	st := State{TargetKbps: 2500}
	for i := 0; i < RateSeconds; i++ {
		st.Rates.Push(float64(2000 + i*13))
	}
	s.DrawStatus(&st)
	b.ReportAllocs()
	for b.Loop() {
		st.PeakDBFS = -st.PeakDBFS - 1
		s.DrawMeter(&st)
		s.DrawGraph(&st)
	}
}
