// Package testpattern is pitchbox's built-in picture source: scrolling colour
// bars, a bouncing square, a frame counter and a clock, so that a frozen or
// dropped picture is visible at a glance. It is used when no camera is
// configured or found, and as the "camera lost" slate.
package testpattern

import (
	"context"
	"fmt"
	"time"

	"github.com/pitchbox/pitchbox/frame"
)

// bars in YUV (BT.601 limited range): white, yellow, cyan, green, magenta,
// red, blue, black.
var bars = [8][3]byte{
	{235, 128, 128}, {210, 16, 146}, {170, 166, 16}, {145, 54, 34},
	{106, 202, 222}, {81, 90, 240}, {41, 240, 110}, {16, 128, 128},
}

// Pattern generates frames at a fixed rate. It implements frame.Source.
type Pattern struct {
	pool     *frame.Pool
	w, h     int
	interval time.Duration
	start    time.Duration
	seq      uint64
	now      func() time.Duration
	sleep    func(ctx context.Context, d time.Duration) error
	timer    *time.Timer

	// One period of scrolling bars, twice over so any offset is one copy.
	rowY, rowU, rowV []byte
	text             [32]byte

	// Label, if set, is written large across the middle (the slate).
	Label string
	// Flash, if set, paints the frame white at every multiple of Flash on
	// the pipeline clock (the lip-sync test source); frames fall on
	// multiples of the frame interval so the flash is exact.
	Flash time.Duration
}

// New makes a pattern of width×height at fps frames per second, drawing
// frames from pool.
func New(pool *frame.Pool, fps int) (*Pattern, error) {
	w, h := pool.Size()
	if fps < 1 || fps > 120 {
		return nil, fmt.Errorf("testpattern: fps %d: must be 1 to 120", fps)
	}
	p := &Pattern{pool: pool, w: w, h: h, interval: time.Second / time.Duration(fps), now: frame.Now}
	p.sleep = p.sleepCtx
	p.rowY = make([]byte, 2*w)
	p.rowU = make([]byte, w)
	p.rowV = make([]byte, w)
	for x := 0; x < w; x++ {
		b := bars[x*8/w]
		p.rowY[x], p.rowY[x+w] = b[0], b[0]
		if x%2 == 0 {
			p.rowU[x/2], p.rowU[x/2+w/2] = b[1], b[1]
			p.rowV[x/2], p.rowV[x/2+w/2] = b[2], b[2]
		}
	}
	// Frames fall on multiples of the interval on the pipeline clock, so
	// timestamps of different sources line up.
	p.start = (p.now() + p.interval - 1) / p.interval * p.interval
	return p, nil
}

// Describe implements frame.Source.
func (p *Pattern) Describe() string {
	return fmt.Sprintf("test pattern %dx%d@%d", p.w, p.h, time.Second/p.interval)
}

// Close implements frame.Source.
func (p *Pattern) Close() error { return nil }

// Next waits for the next frame time and returns the drawn frame. When the
// consumer fell behind, frames are skipped to keep the rate (counted in Seq).
func (p *Pattern) Next(ctx context.Context) (*frame.Frame, error) {
	due := p.start + time.Duration(p.seq)*p.interval
	now := p.now()
	if now > due+p.interval {
		// Behind: skip to the current slot instead of bursting.
		p.seq = uint64((now - p.start) / p.interval)
		due = p.start + time.Duration(p.seq)*p.interval
	}
	if d := due - now; d > 0 {
		if err := p.sleep(ctx, d); err != nil {
			return nil, err
		}
	}
	f := p.pool.Get()
	for f == nil {
		// Every frame is in use downstream: wait one interval and retry.
		if err := p.sleep(ctx, p.interval); err != nil {
			return nil, err
		}
		p.seq++
		due = p.start + time.Duration(p.seq)*p.interval
		f = p.pool.Get()
	}
	// Stamp the frame's ideal capture instant, as a camera's clock would:
	// scheduler jitter in waking up must not jitter the timestamps.
	f.PTS = due
	f.Seq = p.seq
	p.Draw(f, p.seq, due)
	p.seq++
	return f, nil
}

// Draw paints frame number seq, stamped with clock time t, into f.
func (p *Pattern) Draw(f *frame.Frame, seq uint64, t time.Duration) {
	w, h := p.w, p.h
	// The frame nearest each multiple of Flash (frame times are multiples
	// of an interval that need not divide Flash exactly).
	if p.Flash > 0 {
		if ph := t % p.Flash; ph < p.interval/2 || ph >= p.Flash-p.interval/2 {
			f.Fill(235, 128, 128)
			return
		}
	}
	off := int(seq*4) % w &^ 1
	for y := 0; y < h; y++ {
		copy(f.Y[y*f.YStride:y*f.YStride+w], p.rowY[off:off+w])
	}
	// Chroma rows: half the bars shifted by half the offset, wrapping.
	co := off / 2
	cw := w / 2
	for y := 0; y < h/2; y++ {
		u := f.U[y*f.CStride : y*f.CStride+cw]
		v := f.V[y*f.CStride : y*f.CStride+cw]
		n := copy(u, p.rowU[co:cw])
		copy(u[n:], p.rowU[:co])
		n = copy(v, p.rowV[co:cw])
		copy(v[n:], p.rowV[:co])
	}
	// A bouncing grey square.
	side := h / 8 &^ 1
	span := w - side
	x := int(seq*6) % (2 * span)
	if x > span {
		x = 2*span - x
	}
	x &^= 1
	y := h/2 - side/2&^1
	FillRect(f, x, y, side, side, 128, 128, 128)

	if p.Label != "" {
		ls := max(h/60, 1)
		lw := len(p.Label) * 6 * ls
		lx, ly := (w-lw)/2&^1, (h-7*ls)/2&^1
		FillRect(f, lx-2*ls&^1, ly-2*ls&^1, lw+4*ls&^1, 11*ls&^1, 16, 128, 128)
		DrawText(f, lx, ly, ls, p.Label, 235)
	}

	// "#frame HH:MM:SS.mmm" in a black band at the bottom.
	s := p.formatText(seq, t)
	scale := h / 120
	if scale < 1 {
		scale = 1
	}
	tw := len(s) * 6 * scale
	ty := h - 10*scale&^1
	FillRect(f, 0, ty-2*scale&^1, min(tw+4*scale, w)&^1, 10*scale&^1, 16, 128, 128)
	DrawText(f, 2*scale, ty, scale, s, 235)
}

func (p *Pattern) formatText(seq uint64, t time.Duration) []byte {
	b := p.text[:0]
	b = append(b, '#')
	b = appendUint(b, seq, 6)
	b = append(b, ' ')
	ms := int64(t / time.Millisecond)
	b = appendUint(b, uint64(ms/3600000%100), 2)
	b = append(b, ':')
	b = appendUint(b, uint64(ms/60000%60), 2)
	b = append(b, ':')
	b = appendUint(b, uint64(ms/1000%60), 2)
	b = append(b, '.')
	b = appendUint(b, uint64(ms%1000), 3)
	return b
}

// appendUint appends v in decimal, zero-padded to at least width digits.
func appendUint(b []byte, v uint64, width int) []byte {
	var d [20]byte
	i := len(d)
	for v > 0 || len(d)-i < width {
		i--
		d[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, d[i:]...)
}

// FillRect paints a rectangle (clipped to the frame) one YUV colour.
func FillRect(f *frame.Frame, x, y, w, h int, cy, cu, cv byte) {
	x0, y0 := max(x, 0), max(y, 0)
	x1, y1 := min(x+w, f.Width), min(y+h, f.Height)
	if x0 >= x1 || y0 >= y1 {
		return
	}
	for r := y0; r < y1; r++ {
		row := f.Y[r*f.YStride+x0 : r*f.YStride+x1]
		for i := range row {
			row[i] = cy
		}
	}
	for r := y0 / 2; r < (y1+1)/2; r++ {
		u := f.U[r*f.CStride+x0/2 : r*f.CStride+(x1+1)/2]
		v := f.V[r*f.CStride+x0/2 : r*f.CStride+(x1+1)/2]
		for i := range u {
			u[i], v[i] = cu, cv
		}
	}
}

// DrawText writes s in the 5×7 font, each font pixel scale×scale luma
// samples, with its top-left corner at x, y. Unknown characters are blank.
func DrawText[T string | []byte](f *frame.Frame, x, y, scale int, s T, luma byte) {
	for i := 0; i < len(s); i++ {
		g := glyphs[s[i]]
		gx := x + i*6*scale
		for row := 0; row < 7; row++ {
			bits := g[row]
			if bits == 0 {
				continue
			}
			for col := 0; col < 5; col++ {
				if bits&(0x10>>col) != 0 {
					fillLuma(f, gx+col*scale, y+row*scale, scale, luma)
				}
			}
		}
	}
}

func fillLuma(f *frame.Frame, x, y, s int, luma byte) {
	x0, y0 := max(x, 0), max(y, 0)
	x1, y1 := min(x+s, f.Width), min(y+s, f.Height)
	if x0 >= x1 || y0 >= y1 {
		return // off the frame
	}
	for r := y0; r < y1; r++ {
		row := f.Y[r*f.YStride+x0 : r*f.YStride+x1]
		for i := range row {
			row[i] = luma
		}
	}
}

// sleepCtx waits d or until ctx ends, reusing one timer so the per-frame
// path allocates nothing.
func (p *Pattern) sleepCtx(ctx context.Context, d time.Duration) error {
	if p.timer == nil {
		p.timer = time.NewTimer(d)
	} else {
		p.timer.Reset(d)
	}
	select {
	case <-ctx.Done():
		p.timer.Stop()
		return ctx.Err()
	case <-p.timer.C:
		return nil
	}
}
