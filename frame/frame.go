// Package frame holds the I420 picture type that flows through pitchbox, a
// pool that recycles frames so the per-frame path allocates nothing, and the
// conversions from camera formats (YUYV, NV12, MJPEG) into I420.
package frame

import (
	"fmt"
	"sync"
	"time"
)

// Frame is one I420 (YUV 4:2:0 planar) picture. Width and height are even.
// Y has Width×Height samples with stride YStride; U and V have
// Width/2×Height/2 samples with stride CStride.
type Frame struct {
	Width, Height    int
	YStride, CStride int
	Y, U, V          []byte
	// PTS is the capture time on the monotonic clock shared by all stages.
	PTS time.Duration
	// Seq counts frames from the source, starting at 0.
	Seq uint64
	// Meta is the in-band metadata of what the compositor drew on this
	// frame, nil for none.
	Meta *Meta

	pool *Pool
}

// Meta is metadata that goes into the stream with the pictures that show
// something: the encode stage writes SEI into the access unit of the
// first frame that carries a Meta. A Meta is never changed once made, so a
// new pointer marks a change of what is on the picture.
type Meta struct {
	// SEI is an Annex-B SEI NAL unit, start code included.
	SEI []byte
	// Repeat asks for SEI in every IDR access unit too while frames carry
	// this Meta, for viewers who join late.
	Repeat bool
}

// New allocates a frame of the given size. Width and height must be even
// and positive.
func New(width, height int) (*Frame, error) {
	if width <= 0 || height <= 0 || width%2 != 0 || height%2 != 0 {
		return nil, fmt.Errorf("frame: size %dx%d: width and height must be even and positive", width, height)
	}
	cw, ch := width/2, height/2
	buf := make([]byte, width*height+2*cw*ch)
	return &Frame{
		Width: width, Height: height,
		YStride: width, CStride: cw,
		Y: buf[:width*height],
		U: buf[width*height : width*height+cw*ch],
		V: buf[width*height+cw*ch:],
	}, nil
}

// Release returns the frame to the pool it came from. A frame made with
// New (no pool) is left to the garbage collector. The caller must not touch
// the frame afterwards.
func (f *Frame) Release() {
	if f.pool != nil {
		f.pool.put(f)
	}
}

// CopyFrom copies pixels and timing from src, which must have the same size.
func (f *Frame) CopyFrom(src *Frame) {
	copyPlane(f.Y, f.YStride, src.Y, src.YStride, f.Width, f.Height)
	copyPlane(f.U, f.CStride, src.U, src.CStride, f.Width/2, f.Height/2)
	copyPlane(f.V, f.CStride, src.V, src.CStride, f.Width/2, f.Height/2)
	f.PTS, f.Seq, f.Meta = src.PTS, src.Seq, src.Meta
}

func copyPlane(dst []byte, dstStride int, src []byte, srcStride int, w, h int) {
	if dstStride == w && srcStride == w {
		copy(dst[:w*h], src[:w*h])
		return
	}
	for y := 0; y < h; y++ {
		copy(dst[y*dstStride:y*dstStride+w], src[y*srcStride:y*srcStride+w])
	}
}

// Fill paints the whole frame one YUV colour.
func (f *Frame) Fill(y, u, v byte) {
	fillPlane(f.Y, f.YStride, f.Width, f.Height, y)
	fillPlane(f.U, f.CStride, f.Width/2, f.Height/2, u)
	fillPlane(f.V, f.CStride, f.Width/2, f.Height/2, v)
}

func fillPlane(p []byte, stride, w, h int, c byte) {
	for y := 0; y < h; y++ {
		row := p[y*stride : y*stride+w]
		for i := range row {
			row[i] = c
		}
	}
}

// Pool recycles frames of one size. Get never blocks: when every frame is in
// use it allocates a new one, up to Max frames alive; past that Get returns
// nil and the caller drops the picture (a stalled consumer must not grow
// memory without bound).
type Pool struct {
	width, height int
	max           int

	mu    sync.Mutex
	free  []*Frame
	alive int
}

// NewPool makes a pool of width×height frames holding at most max frames.
func NewPool(width, height, max int) (*Pool, error) {
	if _, err := New(width, height); err != nil {
		return nil, err
	}
	if max < 1 {
		return nil, fmt.Errorf("frame: pool size %d: must be at least 1", max)
	}
	return &Pool{width: width, height: height, max: max, free: make([]*Frame, 0, max)}, nil
}

// Size reports the frame size of the pool.
func (p *Pool) Size() (width, height int) { return p.width, p.height }

// Get returns a frame from the pool, or nil when max frames are in use.
// The frame's pixels hold whatever its last user left in them.
func (p *Pool) Get() *Frame {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.free); n > 0 {
		f := p.free[n-1]
		p.free = p.free[:n-1]
		return f
	}
	if p.alive >= p.max {
		return nil
	}
	f, _ := New(p.width, p.height)
	f.pool = p
	p.alive++
	return f
}

// InUse reports how many frames are out of the pool.
func (p *Pool) InUse() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.alive - len(p.free)
}

func (p *Pool) put(f *Frame) {
	p.mu.Lock()
	p.free = append(p.free, f)
	p.mu.Unlock()
}
