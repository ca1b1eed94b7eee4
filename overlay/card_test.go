package overlay

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/frame"
)

var cardSpec = Spec{Name: "café", Title: "Café crème", Price: "19,90 €", OldPrice: "24,90 €",
	URL: "https://shop.example/cafe", Position: BottomRight, Size: 0.35}

func TestBuildCard(t *testing.T) {
	for _, spec := range []Spec{
		cardSpec,
		{Name: "rtl", Title: "קפה הפוך", Price: "₪ 12", Position: TopLeft, Size: 0.3},
		{Name: "cjk emoji", Title: "抹茶ラテ 🍵", Price: "¥480", URL: "https://shop.example/m", Position: Center, Size: 0.3},
		{Name: "long", Title: strings.Repeat("Very long product title ", 20), Price: "1 €", URL: "https://x.example", Size: 0.3},
		{Name: "lower third", Text: "Free shipping today", Position: BottomLeft, Size: 0.1},
	} {
		o, err := Build(spec, 1280, 720)
		if err != nil {
			t.Fatalf("%s: %v", spec.Name, err)
		}
		if o.H != int(spec.Size*720)&^1 || o.X < 0 || o.Y < 0 || o.X+o.W > 1280 || o.Y+o.H > 720 || !o.Opaque {
			t.Fatalf("%s: %dx%d at %d,%d (opaque %v)", spec.Name, o.W, o.H, o.X, o.Y, o.Opaque)
		}
	}
	// The card has white paper and black ink: the price's contrast.
	o, _ := Build(cardSpec, 1280, 720)
	var lo, hi int
	for _, y := range o.Yp {
		switch {
		case y < 40:
			lo++
		case y > 220:
			hi++
		}
	}
	if lo < len(o.Yp)/20 || hi < len(o.Yp)/3 {
		t.Fatalf("%d dark and %d light samples of %d", lo, hi, len(o.Yp))
	}
}

func TestBuildKindsExclusive(t *testing.T) {
	for _, spec := range []Spec{
		{Name: "a", QR: "x", Text: "y", Size: 0.3},
		{Name: "b", Title: "x", Price: "1", Text: "y", Size: 0.3},
		{Name: "c", Text: "y", Image: "/nonexistent.png", Size: 0.3},
		{Name: "d", Size: 0.3},
	} {
		if _, err := Build(spec, 1280, 720); err == nil || !strings.Contains(err.Error(), spec.Name) {
			t.Fatalf("%+v: %v", spec, err)
		}
	}
}

// clock is a settable clock for countdown tests.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func countdownScene(t testing.TB, spec Spec) (*Scene, *Compositor, *clock) {
	t.Helper()
	s, err := BuildScene(spec, 1280, 720)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	c := &Compositor{Now: clk.now}
	return s, c, clk
}

func TestCountdownTicksAndClears(t *testing.T) {
	spec := cardSpec
	spec.CountdownSeconds = 3
	s, c, clk := countdownScene(t, spec)
	show, clear := &frame.Meta{SEI: []byte("show"), Repeat: true}, &frame.Meta{SEI: []byte("clear")}
	var cueAt time.Time
	s.Cue = func(at time.Time) (*frame.Meta, *frame.Meta) { cueAt = at; return show, clear }
	c.Set(s)
	if !cueAt.Equal(clk.t) {
		t.Fatalf("cue at %v, want %v", cueAt, clk.t)
	}
	f, _ := frame.New(1280, 720)
	var pics [][]byte
	for i := 0; i < 3; i++ {
		if c.Apply(f) != s || f.Meta != show {
			t.Fatalf("second %d: scene not drawn or meta %v", i, f.Meta)
		}
		pics = append(pics, bytes.Clone(s.Timer.O.Yp))
		clk.t = clk.t.Add(500 * time.Millisecond)
		c.Apply(f)
		if !bytes.Equal(s.Timer.O.Yp, pics[i]) {
			t.Fatalf("second %d: the timer changed within the second", i)
		}
		clk.t = clk.t.Add(500 * time.Millisecond)
	}
	if bytes.Equal(pics[0], pics[1]) || bytes.Equal(pics[1], pics[2]) {
		t.Fatal("the timer did not tick")
	}
	f.Fill(16, 128, 128)
	if c.Apply(f) != nil || f.Meta != clear {
		t.Fatalf("at zero: still drawn, or meta %v", f.Meta)
	}
	for _, y := range f.Y {
		if y != 16 {
			t.Fatal("something drawn after the countdown cleared")
		}
	}
}

func TestCountdownHoldShowsEnded(t *testing.T) {
	spec := Spec{Name: "flash", Text: "Flash sale", CountdownSeconds: 2, CountdownHold: true, Position: BottomLeft, Size: 0.1}
	s, c, clk := countdownScene(t, spec)
	c.Set(s)
	f, _ := frame.New(1280, 720)
	c.Apply(f)
	running := bytes.Clone(s.Timer.O.Yp)
	clk.t = clk.t.Add(10 * time.Second)
	if c.Apply(f) != s {
		t.Fatal("a holding countdown came off at zero")
	}
	ended := bytes.Clone(s.Timer.O.Yp)
	s.Timer.Draw(0)
	if bytes.Equal(running, ended) || !bytes.Equal(ended, s.Timer.O.Yp) {
		t.Fatal("at zero the timer does not show ended")
	}
	// Shown again: it starts over.
	c.Set(s)
	c.Apply(f)
	if !bytes.Equal(s.Timer.O.Yp, running) {
		t.Fatal("shown again, the countdown did not restart")
	}
}

func TestClearCarriesTheClearMeta(t *testing.T) {
	s, c, _ := countdownScene(t, cardSpec)
	show, clear := &frame.Meta{SEI: []byte("show")}, &frame.Meta{SEI: []byte("clear")}
	s.Cue = func(time.Time) (*frame.Meta, *frame.Meta) { return show, clear }
	f, _ := frame.New(1280, 720)
	c.Apply(f)
	if f.Meta != nil {
		t.Fatal("meta before anything was shown")
	}
	c.Set(s)
	c.Apply(f)
	if f.Meta != show {
		t.Fatal("no show meta")
	}
	c.Set(nil)
	c.Apply(f)
	if f.Meta != clear {
		t.Fatal("no clear meta")
	}
	c.Set(nil)
	c.Apply(f)
	if f.Meta != nil {
		t.Fatal("a second clear repeated the clear meta")
	}
}

func TestClockText(t *testing.T) {
	for s, want := range map[int]string{0: "0:00", 5: "0:05", 75: "1:15", 600: "10:00", MaxCountdown: "99:59", -3: "0:00"} {
		if got := string(clockText(nil, s)); got != want {
			t.Fatalf("%d: %q, want %q", s, got, want)
		}
	}
}

// stepClock advances the clock by a frame at 30 fps, so that runs of
// Apply cross second boundaries and redraw the countdown.
func stepClock(c *Compositor, clk *clock, f *frame.Frame) {
	clk.t = clk.t.Add(time.Second / 30)
	c.Apply(f)
}

func TestCountdownComposeAllocatesNothing(t *testing.T) {
	spec := cardSpec
	spec.CountdownSeconds = 600
	s, c, clk := countdownScene(t, spec)
	c.Set(s)
	f, _ := frame.New(1280, 720)
	if n := testing.AllocsPerRun(300, func() { stepClock(c, clk, f) }); n != 0 {
		t.Fatalf("compositing a countdown allocates %v times per frame", n)
	}
	// Ten seconds passed: the timer was redrawn ten times in there.
	if c.left != 600-10 && c.left != 600-11 {
		t.Fatalf("the timer shows %d s left", c.left)
	}
}

func BenchmarkComposite720pCountdownCard(b *testing.B) {
	spec := cardSpec
	spec.CountdownSeconds = MaxCountdown
	s, c, clk := countdownScene(b, spec)
	c.Set(s)
	f, _ := frame.New(1280, 720)
	b.ReportAllocs()
	for b.Loop() {
		stepClock(c, clk, f)
	}
}
