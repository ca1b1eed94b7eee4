package display

import (
	"fmt"
	"image"
	"image/color"
	"strings"
	"time"

	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/display/text"
	"github.com/pitchbox/pitchbox/frame"
)

// Message is one chat line on the screen.
type Message struct {
	ID, Sender, Text string
}

// State is everything the screen shows besides the picture.
type State struct {
	// Stream is the stream state.
	Stream control.State
	// Problem says in plain words what keeps the box from doing what the
	// seller asked, or what buyers miss ("Internet connection lost"),
	// without the retry time; "" when nothing does. RetryAt is when the
	// next attempt to connect is due (zero: none is scheduled): the
	// screen counts down to it on its own clock.
	Problem string
	RetryAt time.Time
	OnAir   time.Duration
	// BitrateKbps is what is sent (0 when nothing is), TargetKbps the
	// encoder's set bitrate, Rates the last minute of BitrateKbps.
	BitrateKbps float64
	TargetKbps  int
	Rates       Rates
	// PeakDBFS and RMSDBFS are the microphone's level; MicSilent says in
	// a word or two why the stream has no sound ("no microphone",
	// "muted"), "" when it has.
	PeakDBFS, RMSDBFS float64
	MicSilent         string
	// Viewers is what IVS says of the live stream (count, health), nil
	// when the box has no AWS account or is not live.
	Viewers *control.Viewers
	Preset  string
	// Pairing is the first-run pairing code, PanelURL where to enter it,
	// Fingerprint the panel's HTTPS certificate (SHA-256) when it has one.
	Pairing, PanelURL, Fingerprint string
	// ChatNote says why there is no chat ("chat off", "chat: connecting").
	ChatNote string
	Messages []Message
}

// Layout is where things go on a screen of one size: the status bar on
// top, the outgoing picture under it on the left (on top when the screen
// is portrait), the chat in the rest, newest at the bottom. Side, under
// the picture, holds the problem and the panel's address, then the
// microphone's meter and the data-rate graph in what is left.
type Layout struct {
	W, H                  int
	Status, Preview, Side image.Rectangle
	Chat                  image.Rectangle
	StatusFont, ChatFont  int
	// SmallFont is for the side's lines and the gauges' labels.
	SmallFont int
}

// NewLayout lays out a w×h screen (1920×1080, 1280×720, 800×480 DSI and
// anything between).
func NewLayout(w, h int) Layout {
	l := Layout{W: w, H: h}
	sb := max(28, h/14)
	m := max(4, h/90)
	l.Status = image.Rect(0, 0, w, sb)
	l.StatusFont = sb * 55 / 100
	l.ChatFont = max(14, h/22)
	l.SmallFont = l.ChatFont * 7 / 10
	body := image.Rect(m, sb+m, w-m, h-m)
	if w >= h {
		pw := (w / 2) &^ 1
		ph := (pw * 9 / 16) &^ 1
		l.Preview = image.Rect(body.Min.X, body.Min.Y, body.Min.X+pw, body.Min.Y+ph)
		l.Side = image.Rect(body.Min.X, l.Preview.Max.Y+m, l.Preview.Max.X, body.Max.Y)
		l.Chat = image.Rect(l.Preview.Max.X+2*m, body.Min.Y, body.Max.X, body.Max.Y)
	} else {
		pw := body.Dx() &^ 1
		ph := (pw * 9 / 16) &^ 1
		l.Preview = image.Rect(body.Min.X, body.Min.Y, body.Min.X+pw, body.Min.Y+ph)
		l.Side = image.Rect(body.Min.X, l.Preview.Max.Y+m, body.Max.X, l.Preview.Max.Y+m+l.ChatFont*5)
		l.Chat = image.Rect(body.Min.X, l.Side.Max.Y+m, body.Max.X, body.Max.Y)
	}
	return l
}

// Colours of the screen.
var (
	background = color.RGBA{16, 16, 20, 255}
	panelBG    = color.RGBA{28, 28, 34, 255}
	white      = color.RGBA{240, 240, 240, 255}
	grey       = color.RGBA{150, 150, 160, 255}
	nameColour = color.RGBA{110, 190, 255, 255}
	liveRed    = color.RGBA{220, 30, 30, 255}
	amber      = color.RGBA{230, 150, 0, 255}
	offGrey    = color.RGBA{70, 70, 80, 255}
)

// Screen draws the layout into a picture the size of the screen. It is
// not safe for concurrent use.
type Screen struct {
	L Layout
	// Clock is the screen's time, for the retry countdown; nil is
	// time.Now.
	Clock func() time.Time
	img   *image.RGBA
	r     *text.Renderer
	paras map[string]*text.Paragraph
	// previewMap holds, per preview column and row, the source column and
	// row, made once per frame size.
	mapW, mapH int
	xs, ys     []int
	// The gauges: where DrawStatus put them (empty when there was no
	// room), their labels' glyphs, and a buffer for their numbers.
	meter, graph image.Rectangle
	small        asciiFont
	num          []byte
}

// NewScreen makes a w×h screen drawing text with fonts.
func NewScreen(w, h int, fonts *text.Fonts) *Screen {
	s := &Screen{L: NewLayout(w, h), img: image.NewRGBA(image.Rect(0, 0, w, h)), r: text.NewRenderer(fonts), paras: map[string]*text.Paragraph{}}
	s.small = newASCIIFont(s.r, s.L.SmallFont)
	s.num = make([]byte, 0, 64)
	fill(s.img, s.img.Bounds(), background)
	return s
}

// Image is the screen's picture.
func (s *Screen) Image() *image.RGBA { return s.img }

// now is the screen's clock.
func (s *Screen) now() time.Time {
	if s.Clock != nil {
		return s.Clock()
	}
	return time.Now()
}

// fill paints r (clipped to dst) in c: one pixel, doubled by copies
// across the first row, then that row copied down. Unlike draw.Draw with
// a Uniform, it allocates nothing.
func fill(dst *image.RGBA, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(dst.Rect)
	if r.Empty() {
		return
	}
	o := dst.PixOffset(r.Min.X, r.Min.Y)
	row := dst.Pix[o : o+4*r.Dx()]
	row[0], row[1], row[2], row[3] = c.R, c.G, c.B, c.A
	for n := 4; n < len(row); n *= 2 {
		copy(row[n:], row[:n])
	}
	for y := r.Min.Y + 1; y < r.Max.Y; y++ {
		o := dst.PixOffset(r.Min.X, y)
		copy(dst.Pix[o:o+len(row)], row)
	}
}

// DrawStatus draws the status bar, and under the picture the problem,
// the panel's address and the gauges, and returns the area drawn.
func (s *Screen) DrawStatus(st *State) image.Rectangle {
	s.drawBar(st)
	s.drawSide(st)
	return s.L.Status.Union(s.L.Side)
}

// stateLabel is the banner's words for a state and their background.
func stateLabel(s control.State) (string, color.RGBA) {
	switch s {
	case control.Live:
		return "● LIVE", liveRed
	case control.Connecting:
		return "CONNECTING", amber
	case control.Reconnecting:
		return "RECONNECTING", amber
	case control.Refused:
		return "REFUSED", amber
	case control.Recording:
		return "RECORDING ONLY", amber
	}
	return "OFF", offGrey
}

// drawBar draws the status bar: the state, what it means now (the time
// on air, or the countdown to the next attempt), the preset on the
// picture, and at the right end how many are watching.
func (s *Screen) drawBar(st *State) {
	l := s.L
	bar := l.Status
	fill(s.img, bar, offGrey)
	label, bg := stateLabel(st.Stream)
	pad := bar.Dy() / 4
	tag := s.r.Layout(label, 0, l.StatusFont, l.W/3)
	tw := tag.LineWidth(0)
	fill(s.img, image.Rect(0, 0, tw+2*pad, bar.Dy()), bg)
	top := (bar.Dy() - tag.LineHeight) / 2
	s.r.Draw(s.img, bar, tag, pad, top, white, white)
	right := l.W - pad
	if v, col := s.viewersText(st.Viewers); v != "" {
		p := s.r.Layout(v, 0, l.StatusFont, l.W/3)
		right -= p.LineWidth(0)
		s.r.Draw(s.img, bar, p, right, top, col, col)
		right -= 2 * pad
	}
	var parts []string
	switch {
	case st.Stream == control.Live:
		parts = append(parts, "on air "+clock(st.OnAir))
	case st.Stream.Failing():
		if r := retryText(st.RetryAt, s.now()); r != "" {
			parts = append(parts, r)
		}
	}
	if st.Preset != "" {
		parts = append(parts, "showing "+st.Preset)
	}
	if x := tw + 3*pad; x < right && len(parts) > 0 {
		info := s.r.Layout(strings.Join(parts, "   "), 0, l.StatusFont, right-x)
		s.r.Draw(s.img, image.Rect(x, 0, right, bar.Dy()), info, x, top, white, white)
	}
}

// viewersText is the status bar's viewer count and its colour, "" when
// IVS was not asked.
func (s *Screen) viewersText(v *control.Viewers) (string, color.RGBA) {
	switch {
	case v == nil:
		return "", white
	case v.Error != "":
		return "viewers unknown", grey
	case s.r.Has('👁'):
		return fmt.Sprintf("👁 %d watching", v.Count), white
	case v.Count == 1:
		return "1 viewer", white
	}
	return fmt.Sprintf("%d viewers", v.Count), white
}

// retrySeconds is how many whole seconds are left until at (rounded
// up), 0 when it is due, -1 when no attempt is scheduled.
func retrySeconds(at, now time.Time) int {
	if at.IsZero() {
		return -1
	}
	d := at.Sub(now)
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}

// retryText is "retrying in N s" for an attempt due at at, "retrying
// now" when it is due, "" when none is scheduled.
func retryText(at, now time.Time) string {
	switch n := retrySeconds(at, now); n {
	case -1:
		return ""
	case 0:
		return "retrying now"
	default:
		return fmt.Sprintf("retrying in %d s", n)
	}
}

// drawSide draws the area under the picture: the problem (two lines at
// most), the panel's address or the pairing code, then the gauges in
// what is left.
func (s *Screen) drawSide(st *State) {
	l := s.L
	side := l.Side
	fill(s.img, side, background)
	gap := max(3, l.SmallFont/3)
	y := side.Min.Y
	if st.Problem != "" {
		p := s.r.Layout(st.Problem, 0, l.ChatFont*8/10, side.Dx())
		p.Lines = p.Lines[:min(len(p.Lines), 2)]
		s.r.Draw(s.img, side, p, side.Min.X, y, amber, amber)
		y += p.Height() + gap
	}
	for i, t := range panelLines(st) {
		size := l.SmallFont
		if i == 1 {
			size = l.ChatFont
		}
		p := s.r.Layout(t, 0, size, side.Dx())
		s.r.Draw(s.img, side, p, side.Min.X, y, white, white)
		y += p.Height()
	}
	s.placeGauges(y + gap)
	s.DrawMeter(st)
	s.DrawGraph(st)
}

// panelLines say where the panel is, and on first run how to pair.
func panelLines(st *State) []string {
	switch {
	case st.Pairing != "" && st.Fingerprint != "":
		return []string{"Set up: open " + st.PanelURL, "Pairing code: " + st.Pairing, "Certificate SHA-256: " + st.Fingerprint}
	case st.Pairing != "":
		return []string{"Set up: open " + st.PanelURL, "Pairing code: " + st.Pairing}
	case st.PanelURL != "":
		return []string{"Panel: " + st.PanelURL}
	}
	return nil
}

// clock is d as H:MM:SS.
func clock(d time.Duration) string {
	d = d.Truncate(time.Second)
	return fmt.Sprintf("%d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
}

// maxParas bounds the layout cache (a long show's chat).
const maxParas = 512

// DrawChat draws the chat, newest at the bottom, each message as the
// sender's name then the text, wrapped. Only what fits is laid out, so a
// burst of messages costs what one screenful does.
func (s *Screen) DrawChat(st *State) image.Rectangle {
	l := s.L
	c := l.Chat
	fill(s.img, c, panelBG)
	pad := l.ChatFont / 3
	inner := c.Inset(pad)
	if len(st.Messages) == 0 {
		note := st.ChatNote
		if note == "" {
			note = "No chat messages yet"
		}
		p := s.r.Layout(note, 0, l.ChatFont*8/10, inner.Dx())
		s.r.Draw(s.img, inner, p, inner.Min.X, inner.Max.Y-p.Height(), grey, grey)
		return c
	}
	if len(s.paras) > maxParas {
		clear(s.paras)
	}
	y := inner.Max.Y
	gap := l.ChatFont / 4
	for i := len(st.Messages) - 1; i >= 0 && y > inner.Min.Y; i-- {
		m := st.Messages[i]
		key := m.ID + "\x00" + m.Sender + "\x00" + m.Text
		p, ok := s.paras[key]
		if !ok || p.Width != inner.Dx() {
			name := m.Sender + ": "
			p = s.r.Layout(name+m.Text, len([]rune(name)), l.ChatFont, inner.Dx())
			s.paras[key] = p
		}
		y -= p.Height()
		s.r.Draw(s.img, inner, p, inner.Min.X, y, white, nameColour)
		y -= gap
	}
	return c
}

// DrawPreview scales f into the preview area (nearest neighbour, BT.601
// studio range to RGB). It allocates nothing once the frame size is known.
func (s *Screen) DrawPreview(f *frame.Frame) image.Rectangle {
	r := s.L.Preview
	if f.Width != s.mapW || f.Height != s.mapH {
		s.mapW, s.mapH = f.Width, f.Height
		s.xs, s.ys = make([]int, r.Dx()), make([]int, r.Dy())
		for i := range s.xs {
			s.xs[i] = (2*i + 1) * f.Width / (2 * r.Dx())
		}
		for j := range s.ys {
			s.ys[j] = (2*j + 1) * f.Height / (2 * r.Dy())
		}
	}
	for j, sy := range s.ys {
		yrow := f.Y[sy*f.YStride:]
		crow := sy / 2 * f.CStride
		o := s.img.PixOffset(r.Min.X, r.Min.Y+j)
		for _, sx := range s.xs {
			rr, gg, bb := yuvToRGB(yrow[sx], f.U[crow+sx/2], f.V[crow+sx/2])
			p := s.img.Pix[o : o+4 : o+4]
			p[0], p[1], p[2], p[3] = rr, gg, bb, 255
			o += 4
		}
	}
	return r
}

// yuvToRGB converts one BT.601 studio-range pixel.
func yuvToRGB(y, u, v uint8) (uint8, uint8, uint8) {
	c := (int32(y) - 16) * 298
	d, e := int32(u)-128, int32(v)-128
	r := (c + 409*e + 128) >> 8
	g := (c - 100*d - 208*e + 128) >> 8
	b := (c + 516*d + 128) >> 8
	return clampU8(r), clampU8(g), clampU8(b)
}

// clampU8 clamps v to 0…255.
func clampU8(v int32) uint8 {
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return uint8(v)
}
