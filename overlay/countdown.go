package overlay

import (
	"image"

	"github.com/pitchbox/pitchbox/display/text"
)

// MaxCountdown is the longest countdown, in seconds: 99:59.
const MaxCountdown = 99*60 + 59

// timerChars are the characters a countdown is drawn from.
const timerChars = "0123456789:"

// Timer is a countdown drawn in its own small overlay: white M:SS on
// near-black, and "ended" at zero when it holds. Its characters are
// rendered once into sprites; Draw pastes them into the overlay's own
// planes, so a tick allocates nothing. Only the compositor's Apply draws
// it.
type Timer struct {
	// Seconds is the countdown's length; Hold keeps the preset on at zero
	// showing "ended" (otherwise it comes off the picture).
	Seconds int
	Hold    bool
	// O is the overlay the time is drawn into.
	O *Overlay

	sprites [len(timerChars)]*Overlay
	ended   *Overlay
	cellW   int
	bg      [3]byte // Y, U, V
	buf     [8]byte
}

// timerWidth is the width of a timer h pixels high for seconds: room for
// M:SS or "ended" (about 2.2 h wide), with a margin either side.
func timerWidth(seconds, h int) int {
	n := len(clockText(nil, seconds))
	return (max(n*cellWidth(h), h*22/10) + h*6/10 + 1) &^ 1
}

// cellWidth is the width of one character cell of a timer h pixels high.
func cellWidth(h int) int { return (h*45/100 + 1) &^ 1 }

// newTimer renders a timer w×h (even) to be placed at x, y.
func newTimer(seconds int, hold bool, x, y, w, h int) *Timer {
	t := &Timer{Seconds: seconds, Hold: hold, cellW: cellWidth(h)}
	size := h * 70 / 100
	withText(func(r *text.Renderer) {
		for i, c := range timerChars {
			t.sprites[i] = FromImage(string(c), textSprite(r, string(c), size, t.cellW, h), 0, 0)
		}
		p := r.Layout("ended", 0, size, 4*w)
		t.ended = FromImage("ended", textSprite(r, "ended", size, min((paraWidth(p)+3)&^1, w), h), 0, 0)
	})
	bg := FromImage("bg", textSprite(nil, "", 0, 2, 2), 0, 0)
	t.bg = [3]byte{bg.Yp[0], bg.Up[0], bg.Vp[0]}
	img := image.NewRGBA(image.Rect(0, 0, w&^1, h&^1))
	t.O = FromImage("countdown", img, x, y)
	t.O.Opaque = true
	for i := range t.O.A {
		t.O.A[i] = 255
	}
	for i := range t.O.CA {
		t.O.CA[i] = 255
	}
	t.Draw(seconds)
	return t
}

// textSprite draws s centred in white on near-black, w×h.
func textSprite(r *text.Renderer, s string, size, w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	fill(img, img.Bounds(), darkBG)
	if r == nil || s == "" {
		return img
	}
	p := r.Layout(s, 0, size, 4*w+size)
	r.Draw(img, img.Bounds(), p, (w-paraWidth(p))/2, (h-p.LineHeight)/2+size/20, lightInk, lightInk)
	return img
}

// clockText appends seconds as M:SS to dst.
func clockText(dst []byte, seconds int) []byte {
	seconds = min(max(seconds, 0), MaxCountdown)
	m, s := seconds/60, seconds%60
	if m >= 10 {
		dst = append(dst, byte('0'+m/10))
	}
	return append(dst, byte('0'+m%10), ':', byte('0'+s/10), byte('0'+s%10))
}

// Draw redraws the timer showing left seconds, "ended" at zero or below.
// It allocates nothing.
func (t *Timer) Draw(left int) {
	o := t.O
	fillBytes(o.Yp, t.bg[0])
	fillBytes(o.Up, t.bg[1])
	fillBytes(o.Vp, t.bg[2])
	if left <= 0 {
		paste(o, t.ended, (o.W-t.ended.W)/2)
		return
	}
	s := clockText(t.buf[:0], left)
	x := (o.W - len(s)*t.cellW) / 2
	for _, c := range s {
		i := int(c - '0')
		if c == ':' {
			i = len(timerChars) - 1
		}
		paste(o, t.sprites[i], x)
		x += t.cellW
	}
}

func fillBytes(b []byte, v byte) {
	for i := range b {
		b[i] = v
	}
}

// paste copies the opaque sprite src into dst's planes at column x
// (rounded down to even), clipped to dst.
func paste(dst, src *Overlay, x int) {
	x &^= 1
	x0 := max(x, 0)
	x1 := min(x+src.W, dst.W)
	h := min(src.H, dst.H)
	if x0 >= x1 {
		return
	}
	for y := 0; y < h; y++ {
		copy(dst.Yp[y*dst.W+x0:y*dst.W+x1], src.Yp[y*src.W+(x0-x):])
	}
	cw, sw := dst.W/2, src.W/2
	for y := 0; y < h/2; y++ {
		copy(dst.Up[y*cw+x0/2:y*cw+x1/2], src.Up[y*sw+(x0-x)/2:])
		copy(dst.Vp[y*cw+x0/2:y*cw+x1/2], src.Vp[y*sw+(x0-x)/2:])
	}
}
