package display_test

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/pitchbox/pitchbox/chat"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/display"
	"github.com/pitchbox/pitchbox/display/displaytest"
	"github.com/pitchbox/pitchbox/display/text"
	"github.com/pitchbox/pitchbox/frame"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs in testdata/golden")

// systemFonts loads the fallback fonts; the golden pictures need them all.
func systemFonts(t testing.TB) *text.Fonts {
	t.Helper()
	f, errs := text.LoadFonts(text.SystemFonts...)
	if len(errs) > 0 {
		t.Fatalf("fonts missing (the README's test command installs fonts-dejavu-core, fonts-noto-cjk and fonts-symbola): %v", errs)
	}
	return f
}

// testFrame is a colour gradient with a white box, standing in for the
// outgoing picture.
func testFrame(t testing.TB) *frame.Frame {
	f, err := frame.New(320, 180)
	if err != nil {
		t.Fatal(err)
	}
	for y := 0; y < f.Height; y++ {
		for x := 0; x < f.Width; x++ {
			v := byte(16 + (x+y)*200/(f.Width+f.Height))
			if x > 120 && x < 200 && y > 60 && y < 120 {
				v = 235
			}
			f.Y[y*f.YStride+x] = v
		}
	}
	for y := 0; y < f.Height/2; y++ {
		for x := 0; x < f.Width/2; x++ {
			f.U[y*f.CStride+x] = byte(64 + x)
			f.V[y*f.CStride+x] = byte(200 - y)
		}
	}
	return f
}

var long500 = func() string {
	var b strings.Builder
	words := []string{"Is", "the", "blue", "one", "still", "available", "in", "size", "M", "and", "do", "you", "ship", "to", "Lisbon?"}
	for i := 0; b.Len() < 500; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[i%len(words)])
	}
	return b.String()[:500]
}()

// scenarios are the golden pictures: a mixed chat (emoji, CJK, Hebrew,
// Arabic) while live, and a burst of 200 messages ending in a
// 500-code-point one on a first run.
func scenarios() map[string]*display.State {
	mixed := &display.State{Stream: control.Live, OnAir: 83*time.Minute + 7*time.Second, BitrateKbps: 2488, Preset: "buy",
		TargetKbps: 2500, PeakDBFS: -14, RMSDBFS: -24,
		PanelURL: "http://192.168.1.20:8080/", Messages: []display.Message{
			{"1", "anna", "Hello from Porto! 👋 Is the blue one in stock?"},
			{"2", "李明", "这个多少钱？ 日本語も大丈夫です"},
			{"3", "דוד", "שלום! כמה זה עולה?"},
			{"4", "ليلى", "مرحبا، هل يوجد مقاس كبير؟"},
			{"5", "jo", "😀🎉❤ love it"},
			{"6", "민수", "배송 얼마나 걸려요?"},
		}}
	burst := &display.State{Stream: control.Reconnecting, BitrateKbps: 0, Pairing: "K7QF-3XPM", PanelURL: "https://192.168.1.20:8080/",
		Fingerprint: "AB:CD:EF:01:23:45:67:89", Problem: "Cannot reach the streaming server: check the address in the panel",
		RetryAt: screenTime.Add(95 * time.Second), TargetKbps: 2500, MicSilent: "muted"}
	for i := 0; i < 200; i++ {
		burst.Messages = append(burst.Messages, display.Message{fmt.Sprint("b", i), fmt.Sprintf("buyer%03d", i), fmt.Sprintf("message number %d of the burst", i)})
	}
	burst.Messages = append(burst.Messages, display.Message{"long", "verbose", long500})
	return map[string]*display.State{"mixed": mixed, "burst": burst,
		"reconnecting": reconnecting(), "levels": levels(), "graph": graph()}
}

// screenTime is the screens' clock in the golden pictures.
var screenTime = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// rates is a minute of samples from kbps(second).
func rates(kbps func(i int) float64) display.Rates {
	var r display.Rates
	for i := 0; i < display.RateSeconds; i++ {
		r.Push(kbps(i))
	}
	return r
}

// reconnecting: the connection dropped 8 s ago (the graph falls to
// zero), the next attempt is 3.2 s away ("retrying in 4 s").
func reconnecting() *display.State {
	return &display.State{Stream: control.Reconnecting, Problem: "Internet connection lost",
		RetryAt: screenTime.Add(3200 * time.Millisecond), TargetKbps: 2500, Preset: "buy",
		Rates: rates(func(i int) float64 {
			if i >= 52 {
				return 0
			}
			return 2500 + 180*math.Sin(float64(i)/3) - float64(i%7)*25
		}),
		PeakDBFS: -9, RMSDBFS: -21, PanelURL: "http://192.168.1.20:8080/", Messages: []display.Message{
			{"1", "anna", "Is it still on? The picture froze"},
			{"2", "jo", "frozen here too"},
		}}
}

// levels: live, a loud voice: the RMS in the amber zone, the peak in the
// red; twelve watching, a healthy stream.
func levels() *display.State {
	return &display.State{Stream: control.Live, OnAir: 12*time.Minute + 34*time.Second, BitrateKbps: 2512, TargetKbps: 2500,
		Rates:    rates(func(i int) float64 { return 2500 + 60*math.Sin(float64(i)/2) }),
		PeakDBFS: -3.5, RMSDBFS: -11, Viewers: &control.Viewers{Count: 12, Health: "HEALTHY"},
		PanelURL: "http://192.168.1.20:8080/", Messages: []display.Message{{"1", "anna", "We can hear you well!"}}}
}

// graph: live through a congested minute (the rate dips under the
// target twice), IVS says the stream is starving, and no microphone.
func graph() *display.State {
	return &display.State{Stream: control.Live, OnAir: 2*time.Hour + 5*time.Minute, BitrateKbps: 1480, TargetKbps: 3500,
		Rates: rates(func(i int) float64 {
			v := 3500 + 150*math.Sin(float64(i)*0.9)
			switch {
			case i >= 14 && i < 22:
				v -= 1800 * math.Sin(float64(i-14)*math.Pi/8)
			case i >= 44:
				v = 1400 + 120*math.Cos(float64(i))
			}
			return v
		}),
		MicSilent: "no microphone", Problem: "No microphone: the stream has no sound", Preset: "sale",
		Viewers:  &control.Viewers{Count: 1234, Health: "STARVING"},
		PanelURL: "http://192.168.1.20:8080/", Messages: []display.Message{{"1", "bob", "The picture is stuttering"}}}
}

// TestLong500: a message of the longest length IVS chat allows is wrapped
// to the chat's width, drawn whole (on as many lines as its width needs,
// the last at the bottom) when it fits, and never outside the chat panel,
// not even on a portrait screen where it is taller than the chat.
func TestLong500(t *testing.T) {
	if n := len([]rune(long500)); n != chat.MaxContent {
		t.Fatalf("the long message has %d code points, want chat's maximum %d", n, chat.MaxContent)
	}
	fonts, _ := text.LoadFonts() // the built-in Go font covers it
	const sender = "verbose"
	st := &display.State{Messages: []display.Message{{ID: "long", Sender: sender, Text: long500}}}
	for _, sz := range [][2]int{{1920, 1080}, {1280, 720}, {800, 480}, {480, 800}} {
		s := display.NewScreen(sz[0], sz[1], fonts)
		l := s.L
		before := slices.Clone(s.Image().Pix)
		if r := s.DrawChat(st); r != l.Chat {
			t.Errorf("%v: DrawChat reports %v drawn, want the chat area %v", sz, r, l.Chat)
		}
		img := s.Image()
		// Nothing outside the chat panel changed.
		for y := 0; y < sz[1]; y++ {
			for x := 0; x < sz[0]; x++ {
				if image.Pt(x, y).In(l.Chat) {
					continue
				}
				if o := img.PixOffset(x, y); !bytes.Equal(img.Pix[o:o+4], before[o:o+4]) {
					t.Fatalf("%v: pixel (%d,%d) outside the chat %v was drawn over", sz, x, y, l.Chat)
				}
			}
		}
		// Ink (anything not the panel's colour) in text lines: bands of
		// rows with ink, apart from the rows between lines.
		inner := l.Chat.Inset(l.ChatFont / 3)
		bg := img.RGBAAt(l.Chat.Min.X, l.Chat.Min.Y)
		var bands [][2]int // first and last row of each line of ink
		for y := l.Chat.Min.Y; y < l.Chat.Max.Y; y++ {
			ink := false
			for x := l.Chat.Min.X; x < l.Chat.Max.X; x++ {
				if img.RGBAAt(x, y) != bg {
					if !image.Pt(x, y).In(inner) {
						t.Fatalf("%v: ink at (%d,%d) in the chat's margin (text area %v)", sz, x, y, inner)
					}
					ink = true
				}
			}
			switch {
			case ink && len(bands) > 0 && bands[len(bands)-1][1] == y-1:
				bands[len(bands)-1][1] = y
			case ink:
				bands = append(bands, [2]int{y, y})
			}
		}
		// How many lines the text needs at least: its width unwrapped over
		// the width there is. Wrapping at spaces may take a few more.
		one := text.NewRenderer(fonts).Layout(sender+": "+long500, 0, l.ChatFont, 1<<20)
		width := 0
		for _, run := range one.Lines[0] {
			width += run.Advance.Round()
		}
		need := (width + inner.Dx() - 1) / inner.Dx()
		lineH := l.ChatFont * 13 / 10
		fits := need*lineH < inner.Dy()*9/10
		t.Logf("%v: %d lines of ink, at least %d needed (%d px of text in %d px), fits %v", sz, len(bands), need, width, inner.Dx(), fits)
		if len(bands) == 0 {
			t.Fatalf("%v: nothing drawn", sz)
		}
		if bottom := bands[len(bands)-1][1]; bottom < inner.Max.Y-lineH {
			t.Errorf("%v: the message ends at row %d, want its last line at the bottom of %v", sz, bottom, inner)
		}
		if !fits {
			// Taller than the chat: its end shows, the top is cut off.
			if len(bands) < inner.Dy()/lineH-1 {
				t.Errorf("%v: %d lines of ink in a chat %d lines tall, want it full", sz, len(bands), inner.Dy()/lineH)
			}
			continue
		}
		if len(bands) < need || len(bands) > need*3/2+1 {
			t.Errorf("%v: the message is on %d lines, want %d to %d: not wrapped to the chat's width, or not all of it drawn", sz, len(bands), need, need*3/2+1)
		}
		if top := bands[0][0]; top <= inner.Min.Y {
			t.Errorf("%v: the message reaches the top of the chat (row %d), want all of it shown", sz, top)
		}
	}
}

// TestNoMissingGlyphs: every character of the scenarios has a glyph in
// the fallback chain (no empty boxes).
func TestNoMissingGlyphs(t *testing.T) {
	f := systemFonts(t)
	for name, st := range scenarios() {
		for _, m := range st.Messages {
			for _, r := range m.Sender + m.Text {
				if unicode.IsSpace(r) || r == 0xFE0F || r == 0x200D {
					continue
				}
				if !f.Has(r) {
					t.Errorf("%s: no font has %q (U+%04X)", name, r, r)
				}
			}
		}
	}
}

func render(t testing.TB, fonts *text.Fonts, w, h int, st *display.State) *display.Screen {
	s := display.NewScreen(w, h, fonts)
	s.Clock = func() time.Time { return screenTime }
	s.DrawPreview(testFrame(t))
	s.DrawStatus(st)
	s.DrawChat(st)
	return s
}

// TestGolden renders each scenario at two screen sizes, pushes it through
// each framebuffer format, and compares with the golden PNG.
func TestGolden(t *testing.T) {
	fonts := systemFonts(t)
	for name, st := range scenarios() {
		for _, size := range [][2]int{{1280, 720}, {800, 480}} {
			s := render(t, fonts, size[0], size[1], st)
			for _, ft := range []display.Format{display.RGB565(size[0], size[1]), display.XRGB8888(size[0], size[1])} {
				fb := make([]byte, ft.LineLength*ft.Height)
				ft.Draw(fb, s.Image(), s.Image().Bounds())
				got := ft.Read(fb)
				kind := "xrgb8888"
				if ft.BitsPerPixel == 16 {
					kind = "rgb565"
				}
				compareGolden(t, fmt.Sprintf("%s-%dx%d-%s.png", name, size[0], size[1], kind), got, image.Rectangle{})
			}
		}
	}
}

// compareGolden compares got with testdata/golden/name outside skip. A
// few pixels may differ (anti-aliasing rounding on another CPU); more
// fail the test, and the picture made is written next to the test's
// temporary files for a look.
func compareGolden(t *testing.T, name string, got *image.RGBA, skip image.Rectangle) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		var b bytes.Buffer
		png.Encode(&b, got)
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := readPNG(path)
	if err != nil {
		t.Fatalf("%v (run go test ./display -update to make it)", err)
	}
	if n, total := display.Differing(got, want, skip); n > total/1000 {
		out := filepath.Join(t.TempDir(), name)
		var b bytes.Buffer
		png.Encode(&b, got)
		os.WriteFile(out, b.Bytes(), 0o644)
		t.Errorf("%s: %d of %d pixels differ from the golden picture (got: %s)", name, n, total, out)
	}
}

func readPNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return png.Decode(f)
}

// TestLayouts checks the areas for the common screens: inside the
// screen, not overlapping, the picture 16:9.
func TestLayouts(t *testing.T) {
	for _, sz := range [][2]int{{1920, 1080}, {1280, 720}, {800, 480}, {1280, 800}, {480, 800}} {
		l := display.NewLayout(sz[0], sz[1])
		screen := image.Rect(0, 0, sz[0], sz[1])
		for name, r := range map[string]image.Rectangle{"status": l.Status, "preview": l.Preview, "chat": l.Chat, "side": l.Side} {
			if r.Empty() || !r.In(screen) {
				t.Errorf("%v: %s %v is empty or off screen", sz, name, r)
			}
		}
		if l.Preview.Overlaps(l.Chat) || l.Status.Overlaps(l.Chat) || l.Status.Overlaps(l.Preview) || l.Side.Overlaps(l.Chat) {
			t.Errorf("%v: areas overlap: %+v", sz, l)
		}
		if d := l.Preview.Dx()*9 - l.Preview.Dy()*16; d < -32 || d > 32 {
			t.Errorf("%v: preview %v is not 16:9", sz, l.Preview)
		}
		if l.ChatFont < 14 {
			t.Errorf("%v: chat font %d px is too small to read across a table", sz, l.ChatFont)
		}
	}
}

// TestGoldenRig is the picture the QEMU rig must show on bochs's screen
// (hil/screencheck compares the rig's screendump with it).
func TestGoldenRig(t *testing.T) {
	fonts, errs := text.LoadFonts(displaytest.RigFonts...)
	if len(errs) > 0 {
		t.Fatalf("fonts missing (the README's test command installs fonts-dejavu-core): %v", errs)
	}
	s := displaytest.Render(fonts)
	ft := display.XRGB8888(displaytest.RigW, displaytest.RigH)
	fb := make([]byte, ft.LineLength*ft.Height)
	ft.Draw(fb, s.Image(), s.Image().Bounds())
	compareGolden(t, filepath.Base(displaytest.RigGolden), ft.Read(fb), image.Rectangle{})
}

// BenchmarkDrawPreview is the screen's picture update (five times a
// second), 1280x720 frames onto a 1280x720 screen.
func BenchmarkDrawPreview(b *testing.B) {
	fonts, _ := text.LoadFonts()
	s := display.NewScreen(1280, 720, fonts)
	f, _ := frame.New(1280, 720)
	s.DrawPreview(f)
	b.ReportAllocs()
	for b.Loop() {
		s.DrawPreview(f)
	}
}

// BenchmarkDrawChatBurst redraws the chat after a new message arrives in
// a busy room (200 messages, one new each time, the rest laid out once).
func BenchmarkDrawChatBurst(b *testing.B) {
	fonts := systemFonts(b)
	s := display.NewScreen(1280, 720, fonts)
	st := scenarios()["burst"]
	s.DrawChat(st)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		st.Messages = append(st.Messages[1:], display.Message{ID: fmt.Sprint("n", i), Sender: "new", Text: "just arrived 😀"})
		s.DrawChat(st)
	}
}
