package display

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
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
	Stream      control.State
	OnAir       time.Duration
	BitrateKbps float64
	Preset      string
	// Pairing is the first-run pairing code, PanelURL where to enter it,
	// Fingerprint the panel's HTTPS certificate (SHA-256) when it has one.
	Pairing, PanelURL, Fingerprint string
	// ChatNote says why there is no chat ("chat off", "chat: connecting").
	ChatNote string
	Messages []Message
}

// Layout is where things go on a screen of one size: the status bar on
// top, the outgoing picture under it on the left (on top when the screen
// is portrait), the chat in the rest, newest at the bottom.
type Layout struct {
	W, H                  int
	Status, Preview, Side image.Rectangle
	Chat                  image.Rectangle
	StatusFont, ChatFont  int
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
		l.Side = image.Rect(body.Min.X, l.Preview.Max.Y+m, body.Max.X, l.Preview.Max.Y+m+l.ChatFont*3)
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
	L     Layout
	img   *image.RGBA
	r     *text.Renderer
	paras map[string]*text.Paragraph
	// previewMap holds, per preview column and row, the source column and
	// row, made once per frame size.
	mapW, mapH int
	xs, ys     []int
}

// NewScreen makes a w×h screen drawing text with fonts.
func NewScreen(w, h int, fonts *text.Fonts) *Screen {
	s := &Screen{L: NewLayout(w, h), img: image.NewRGBA(image.Rect(0, 0, w, h)), r: text.NewRenderer(fonts), paras: map[string]*text.Paragraph{}}
	fill(s.img, s.img.Bounds(), background)
	return s
}

// Image is the screen's picture.
func (s *Screen) Image() *image.RGBA { return s.img }

func fill(dst *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(dst, r, &image.Uniform{C: c}, image.Point{}, draw.Src)
}

// DrawStatus draws the status bar and the side panel under the picture,
// and returns the area drawn.
func (s *Screen) DrawStatus(st *State) image.Rectangle {
	l := s.L
	fill(s.img, l.Status, offGrey)
	label, bg := "OFF", offGrey
	switch st.Stream {
	case control.Live:
		label, bg = "● LIVE", liveRed
	case control.Connecting:
		label, bg = "CONNECTING", amber
	case control.Reconnecting:
		label, bg = "RECONNECTING", amber
	case control.Refused:
		label, bg = "REFUSED", amber
	case control.Recording:
		label, bg = "RECORDING ONLY", amber
	}
	pad := l.Status.Dy() / 4
	tag := s.r.Layout(label, 0, l.StatusFont, l.W/3)
	tw := 0
	for _, line := range tag.Lines {
		for _, run := range line {
			tw += run.Advance.Round()
		}
	}
	fill(s.img, image.Rect(0, 0, tw+2*pad, l.Status.Dy()), bg)
	top := (l.Status.Dy() - tag.LineHeight) / 2
	s.r.Draw(s.img, l.Status, tag, pad, top, white, white)
	var parts []string
	if st.Stream == control.Live {
		parts = append(parts, "on air "+clock(st.OnAir))
	}
	if st.BitrateKbps > 0 {
		parts = append(parts, fmt.Sprintf("%.0f kbps", st.BitrateKbps))
	}
	if st.Preset != "" {
		parts = append(parts, "showing "+st.Preset)
	}
	info := s.r.Layout(strings.Join(parts, "   "), 0, l.StatusFont, l.W-tw-4*pad)
	s.r.Draw(s.img, l.Status, info, tw+3*pad, top, white, white)

	fill(s.img, l.Side, background)
	var lines []string
	if st.Pairing != "" {
		lines = append(lines, "Set up: open "+st.PanelURL, "Pairing code: "+st.Pairing)
		if st.Fingerprint != "" {
			lines = append(lines, "Certificate SHA-256: "+st.Fingerprint)
		}
	} else if st.PanelURL != "" {
		lines = append(lines, "Panel: "+st.PanelURL)
	}
	y := l.Side.Min.Y
	for i, t := range lines {
		size := l.ChatFont * 7 / 10
		if i == 1 {
			size = l.ChatFont
		}
		p := s.r.Layout(t, 0, size, l.Side.Dx())
		s.r.Draw(s.img, l.Side, p, l.Side.Min.X, y, white, white)
		y += p.Height()
	}
	return l.Status.Union(l.Side)
}

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

func yuvToRGB(y, u, v uint8) (uint8, uint8, uint8) {
	c := (int32(y) - 16) * 298
	d, e := int32(u)-128, int32(v)-128
	r := (c + 409*e + 128) >> 8
	g := (c - 100*d - 208*e + 128) >> 8
	b := (c + 516*d + 128) >> 8
	return clampU8(r), clampU8(g), clampU8(b)
}

func clampU8(v int32) uint8 {
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return uint8(v)
}
