package uvcdev

import (
	"bytes"
	"image"
	"image/jpeg"
	"sync"
	"sync/atomic"
	"time"
)

// Pictures is how many different pictures the camera cycles through.
const Pictures = 4

// MarkerSize is the side of the square in the top left corner whose luma
// says which picture a frame is (MarkerY).
const MarkerSize = 64

// MarkerY is the luma of picture i's marker square.
func MarkerY(i int) uint8 { return uint8(40 + 50*(i%Pictures)) }

// streamer sends frames while the host streams. Its switches are atomic
// so a test can flip them from any goroutine.
type streamer struct {
	cam     *Camera
	mu      sync.Mutex // stop, done
	stopCh  chan struct{}
	done    chan struct{}
	mode    atomic.Pointer[Mode]
	fps     atomic.Int32
	corrupt atomic.Int32 // corrupt frames still to send
	stalled atomic.Bool
	frames  atomic.Uint64 // whole frames sent
	bad     atomic.Uint64 // corrupt frames sent
	pics    sync.Map      // picKey → [][]byte
	payload []byte        // the streaming goroutine's payload scratch
}

type picKey struct {
	f    Format
	w, h int
}

func (s *streamer) init(c *Camera) { s.cam = c }

// start begins streaming m at fps on the camera's connection, after the
// previous stream (if any) has ended.
func (s *streamer) start(m Mode, fps int) {
	s.stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done != nil {
		<-s.done
	}
	c := s.cam.conn
	if c == nil {
		return
	}
	s.mode.Store(&m)
	s.fps.Store(int32(fps))
	s.stopCh, s.done = make(chan struct{}), make(chan struct{})
	go s.run(c, s.stopCh, s.done, m, fps)
}

// stop ends the stream without waiting for it.
func (s *streamer) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopCh != nil {
		close(s.stopCh)
		s.stopCh = nil
		s.mode.Store(nil)
	}
}

// run sends frames at the negotiated rate until stop closes or the
// connection ends. A stalled camera keeps its URBs and sends nothing.
func (s *streamer) run(c *conn, stop, done chan struct{}, m Mode, fps int) {
	defer close(done)
	pics := s.pictures(m)
	t := time.NewTicker(time.Second / time.Duration(max(fps, 1)))
	defer t.Stop()
	fid := byte(0)
	for n := 0; ; {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if s.stalled.Load() {
			continue
		}
		data := pics[n%len(pics)]
		bad := s.corrupt.Load() > 0 && s.corrupt.Add(-1) >= 0
		if bad {
			data = data[:len(data)*2/5] // truncated: no EOI, a short raw frame
		}
		if s.sendFrame(c, stop, data, fid) != nil {
			return
		}
		if bad {
			s.bad.Add(1)
		}
		s.frames.Add(1)
		fid ^= 1
		n++
	}
}

// sendFrame sends one frame as payloads of at most one URB each: a
// 2-byte header (FID, EOF on the last) and data.
func (s *streamer) sendFrame(c *conn, stop <-chan struct{}, data []byte, fid byte) error {
	for off := 0; off < len(data); {
		err := c.send(stop, func(n int) []byte {
			n = min(n, maxPayload)
			k := min(n-2, len(data)-off)
			info := 0x80 | fid
			if off+k == len(data) {
				info |= 0x02
			}
			s.payload = append(append(s.payload[:0], 2, info), data[off:off+k]...)
			off += k
			return s.payload
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// pictures returns the frames for a mode, rendering them on first use.
func (s *streamer) pictures(m Mode) [][]byte {
	k := picKey{m.Format, m.Width, m.Height}
	if p, ok := s.pics.Load(k); ok {
		return p.([][]byte)
	}
	p := make([][]byte, Pictures)
	for i := range p {
		img := Picture(m.Width, m.Height, i)
		if m.Format == YUYV {
			p[i] = packYUYV(img)
			continue
		}
		var b bytes.Buffer
		_ = jpeg.Encode(&b, img, &jpeg.Options{Quality: 80})
		p[i] = stripHuffman(b.Bytes())
	}
	s.pics.Store(k, p)
	return p
}

// Picture draws picture i: eight vertical colour bars, a luma ramp down
// the bottom quarter, and the marker square (MarkerY) in the top left.
func Picture(w, h, i int) *image.YCbCr {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	bars := [8][3]uint8{{235, 128, 128}, {210, 16, 146}, {170, 166, 16}, {145, 54, 34},
		{106, 202, 222}, {81, 90, 240}, {41, 240, 110}, {16, 128, 128}}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			b := bars[x*8/w]
			yv := b[0]
			if y >= h*3/4 {
				yv = uint8(16 + x*219/w)
			}
			if x < MarkerSize && y < MarkerSize {
				yv = MarkerY(i)
			}
			img.Y[y*img.YStride+x] = yv
		}
	}
	for y := 0; y < h/2; y++ {
		for x := 0; x < w/2; x++ {
			b := bars[2*x*8/w]
			if 2*y >= h*3/4 || (2*x < MarkerSize && 2*y < MarkerSize) {
				b[1], b[2] = 128, 128
			}
			img.Cb[y*img.CStride+x], img.Cr[y*img.CStride+x] = b[1], b[2]
		}
	}
	return img
}

// packYUYV packs a 4:2:0 picture as YUYV (each chroma row used twice).
func packYUYV(img *image.YCbCr) []byte {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	out := make([]byte, 0, w*h*2)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x += 2 {
			c := (y/2)*img.CStride + x/2
			out = append(out, img.Y[y*img.YStride+x], img.Cb[c], img.Y[y*img.YStride+x+1], img.Cr[c])
		}
	}
	return out
}

// stripHuffman removes the DHT segments from a JPEG, as UVC webcams do:
// the decoder must supply the standard tables (image/jpeg writes exactly
// those).
func stripHuffman(j []byte) []byte {
	out := make([]byte, 0, len(j))
	out = append(out, j[:2]...) // SOI
	for i := 2; i+4 <= len(j); {
		if j[i] != 0xFF {
			break
		}
		marker := j[i+1]
		if marker == 0xDA { // start of scan: the rest is entropy-coded data
			return append(out, j[i:]...)
		}
		n := int(j[i+2])<<8 | int(j[i+3])
		if marker != 0xC4 {
			out = append(out, j[i:i+2+n]...)
		}
		i += 2 + n
	}
	return j
}
