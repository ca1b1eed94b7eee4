package box

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"sync"
	"time"

	"github.com/pitchbox/pitchbox/frame"
)

// ErrNoFrames is returned by Snapshot when the pipeline delivers no frame.
var ErrNoFrames = errors.New("box: no frame arrived for the preview (is the pipeline running?)")

// snapshots hands a copy of the next composited frame to whoever asks
// (the panel's preview, the screen). Requests are served by the compose
// stage; mu serialises askers, so at most one request is pending.
type snapshots struct {
	req     chan chan struct{}
	pending chan struct{} // owned by the compose stage
	mu      sync.Mutex
	frame   *frame.Frame
}

func (s *snapshots) init(w, h int) error {
	f, err := frame.New(w, h)
	if err != nil {
		return err
	}
	s.frame, s.req = f, make(chan chan struct{})
	return nil
}

// serve copies f for a pending request. Called by the compose stage.
func (s *snapshots) serve(f *frame.Frame) {
	if s.pending == nil {
		return
	}
	s.frame.CopyFrom(f)
	close(s.pending)
	s.pending = nil
}

// with calls fn with the next composited frame, which stays valid during
// fn only.
func (s *snapshots) with(ctx context.Context, fn func(*frame.Frame)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	done := make(chan struct{})
	select {
	case s.req <- done:
	case <-ctx.Done():
		return ErrNoFrames
	}
	select {
	case <-done:
		fn(s.frame)
		return nil
	case <-ctx.Done():
		return ErrNoFrames
	}
}

func encodeJPEG(f *frame.Frame, quality int) ([]byte, error) {
	img := &image.YCbCr{Y: f.Y, Cb: f.U, Cr: f.V, YStride: f.YStride, CStride: f.CStride,
		SubsampleRatio: image.YCbCrSubsampleRatio420, Rect: image.Rect(0, 0, f.Width, f.Height)}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
