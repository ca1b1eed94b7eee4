package box

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pitchbox/pitchbox/audio"
	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/frame"
	"github.com/pitchbox/pitchbox/frame/testpattern"
	"github.com/pitchbox/pitchbox/v4l2"
)

// retryCamera is how often a missing camera is looked for again.
const retryCamera = time.Second

// ErrRenegotiate is returned by Next when the camera came back with other
// modes than it had: the capture stage ends and the box builds the
// pipeline again at the camera's new size.
var ErrRenegotiate = errors.New("box: the camera came back with other modes")

// Source is the camera with a fallback: when the camera is missing or lost
// it delivers a "CAMERA LOST" slate at the same size and rate and reopens
// the camera by itself when it is back. In test-pattern mode it is just the
// pattern. It implements frame.Source.
type Source struct {
	log    *slog.Logger
	auto   bool   // camera.device = "auto": look the camera up again on retry
	path   string // "" in test-pattern mode; written under camMu
	w, h   int    // the frame size: the camera's, kept for the slate
	cfgW   int    // the configured size, asked of the camera
	cfgH   int
	fps    int
	format v4l2.FourCC // forced by [camera] format; 0 chooses
	// decoder is [camera] decoder, for MJPEG modes.
	decoder string
	// delivering is set once the open camera has given a frame; until
	// then Next gives the slate between short waits for it. lost is set
	// once a camera was lost, so that a reopened one that has not
	// delivered yet still counts as lost.
	delivering, lost atomic.Bool
	// renegotiate is set when the camera came back with other modes: the
	// pipeline must be built again at the new size (Next's goroutine).
	renegotiate bool
	// corrupt counts the frames of cameras closed since, dropped because
	// they could not be decoded; Corrupt adds the open camera's.
	corrupt atomic.Uint64
	// cam is written only by the goroutine calling Next, under camMu, so
	// that the control API can use it meanwhile.
	camMu   sync.Mutex
	cam     *v4l2.Camera
	pattern *testpattern.Pattern
	lastTry time.Time
}

// NewSource opens the picture source the camera settings describe.
func NewSource(c config.Camera, log *slog.Logger) (*Source, error) {
	s := &Source{log: log, w: c.Width, h: c.Height, cfgW: c.Width, cfgH: c.Height, fps: c.FPS, decoder: c.Decoder}
	var err error
	if s.format, err = v4l2.FormatNamed(c.Format); err != nil {
		return nil, err
	}
	switch c.Device {
	case "testpattern", "syncpattern":
	case "auto":
		s.auto = true
		s.path = v4l2.FirstCapture()
		if s.path == "" {
			log.Warn("box: no camera found; using the test pattern", "camera.device", "auto")
		}
	default:
		s.path = c.Device
	}
	if s.path != "" {
		cam, err := s.open(s.path)
		if err != nil {
			log.Warn("box: camera unavailable; showing the camera-lost slate until it is back", "err", err)
		} else {
			s.cam = cam
			s.w, s.h = cam.Size()
		}
		s.lastTry = time.Now()
	}
	pool, err := frame.NewPool(s.w, s.h, poolFrames)
	if err != nil {
		return nil, fmt.Errorf("box: %w", err)
	}
	s.pattern, err = testpattern.New(pool, c.FPS)
	if err != nil {
		return nil, fmt.Errorf("box: %w", err)
	}
	if s.path != "" {
		s.pattern.Label = "CAMERA LOST"
	}
	if c.Device == "syncpattern" {
		s.pattern.Flash = audio.SyncPeriod
	}
	return s, nil
}

// Size is the frame size: the camera's as its driver chose it, kept for
// the slate.
func (s *Source) Size() (int, int) { return s.w, s.h }

// State says whether a camera, the test pattern or the slate delivers
// the picture.
func (s *Source) State() control.CameraState {
	s.camMu.Lock()
	defer s.camMu.Unlock()
	switch {
	case s.cam != nil && (s.delivering.Load() || !s.lost.Load()):
		return control.CameraOpen
	case s.path != "":
		return control.CameraLost
	}
	return control.CameraPattern
}

// Lost reports whether the camera is missing and the slate is shown.
func (s *Source) Lost() bool { return s.State() == control.CameraLost }

// Describe implements frame.Source.
func (s *Source) Describe() string {
	s.camMu.Lock()
	defer s.camMu.Unlock()
	switch {
	case s.cam != nil:
		return s.cam.Describe()
	case s.path != "":
		return s.path + " (lost: showing slate)"
	}
	return s.pattern.Describe()
}

// Next implements frame.Source. Only one goroutine calls it; it writes
// path and cam under camMu so that status and the control API can read
// them meanwhile.
func (s *Source) Next(ctx context.Context) (*frame.Frame, error) {
	if cam := s.camera(); cam != nil {
		f, err := s.fromCamera(ctx, cam)
		if err == nil || ctx.Err() != nil {
			return f, err
		}
		s.lost.Store(true)
		s.log.Error("box: camera lost; showing the slate", "err", err, "device_lost", errors.Is(err, frame.ErrDeviceLost),
			"stalled", errors.Is(err, v4l2.ErrStalled))
		s.corrupt.Add(cam.Corrupt())
		s.setCamera(nil)
		cam.Close()
		s.pattern.Label = "CAMERA LOST"
		s.lastTry = time.Now()
	}
	if (s.path != "" || s.auto) && time.Since(s.lastTry) >= retryCamera {
		s.lastTry = time.Now()
		if s.reopen() {
			return s.Next(ctx)
		}
		if s.renegotiate {
			return nil, ErrRenegotiate
		}
	}
	return s.pattern.Next(ctx)
}

// open opens the camera at path in the mode that best reaches the
// configured size and rate, and logs the choice.
func (s *Source) open(path string) (*v4l2.Camera, error) {
	cam, err := v4l2.OpenCameraConfig(v4l2.CameraConfig{Path: path, Width: s.cfgW, Height: s.cfgH, FPS: s.fps,
		Format: s.format, Decoder: s.decoder, PoolSize: poolFrames})
	if err != nil {
		return nil, err
	}
	s.log.Info("box: camera mode", "source", cam.Describe(), "why", cam.Why())
	return cam, nil
}

// Corrupt counts the camera frames dropped because they could not be
// decoded, over every camera this source opened.
func (s *Source) Corrupt() uint64 {
	n := s.corrupt.Load()
	if cam := s.camera(); cam != nil {
		n += cam.Corrupt()
	}
	return n
}

// awaitFirst bounds each wait for a camera that has not delivered since
// it was opened; the slate goes out in between, so the picture never
// freezes while a camera starts (or restarts after a stall).
const awaitFirst = 100 * time.Millisecond

// fromCamera is the camera's next frame, or the slate while the camera
// has not delivered its first one.
func (s *Source) fromCamera(ctx context.Context, cam *v4l2.Camera) (*frame.Frame, error) {
	if s.delivering.Load() {
		return cam.Next(ctx)
	}
	wctx, cancel := context.WithTimeout(ctx, awaitFirst)
	f, err := cam.Next(wctx)
	cancel()
	switch {
	case err == nil:
		s.delivering.Store(true)
		return f, nil
	case ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
		return s.pattern.Next(ctx)
	}
	return nil, err
}

// reopen looks for the camera again; it reports whether it is back.
func (s *Source) reopen() bool {
	path := s.path
	if s.auto {
		path = v4l2.FirstCapture()
		s.camMu.Lock()
		s.path = path
		s.camMu.Unlock()
	}
	if path == "" {
		return false
	}
	cam, err := s.open(path)
	if err != nil {
		return false
	}
	if w, h := cam.Size(); w != s.w || h != s.h {
		s.log.Warn("box: the camera came back with other modes; renegotiating", "source", cam.Describe())
		cam.Close()
		s.renegotiate = true
		return false
	}
	s.log.Info("box: camera back", "source", cam.Describe())
	s.setCamera(cam)
	return true
}

func (s *Source) camera() *v4l2.Camera {
	s.camMu.Lock()
	defer s.camMu.Unlock()
	return s.cam
}

func (s *Source) setCamera(c *v4l2.Camera) {
	s.camMu.Lock()
	s.cam = c
	s.delivering.Store(false)
	s.camMu.Unlock()
}

// ErrNoCamera is returned for camera controls while no camera is open.
var ErrNoCamera = errors.New("box: no camera is open (test pattern or camera lost)")

// Controls lists the open camera's controls.
func (s *Source) Controls() ([]v4l2.ControlInfo, error) {
	s.camMu.Lock()
	defer s.camMu.Unlock()
	if s.cam == nil {
		return nil, ErrNoCamera
	}
	return s.cam.Controls()
}

// SetControl sets one of the open camera's controls.
func (s *Source) SetControl(id uint32, v int32) (int32, error) {
	s.camMu.Lock()
	defer s.camMu.Unlock()
	if s.cam == nil {
		return 0, ErrNoCamera
	}
	return s.cam.SetControl(id, v)
}

// Close implements frame.Source.
func (s *Source) Close() error {
	s.camMu.Lock()
	defer s.camMu.Unlock()
	if s.cam != nil {
		return s.cam.Close()
	}
	return nil
}
