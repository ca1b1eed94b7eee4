package box

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pitchbox/pitchbox/chat"
	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/frame"
	"github.com/pitchbox/pitchbox/overlay"
	"github.com/pitchbox/pitchbox/stream"
	"github.com/pitchbox/pitchbox/v4l2"
)

type stats struct {
	captured atomic.Uint64
	dropped  atomic.Uint64
	encoded  atomic.Uint64
	bytes    atomic.Uint64

	mu         sync.Mutex
	lastAt     time.Time
	lastFrames uint64
	lastBytes  uint64
	fps        float64
	kbps       float64
}

// rates returns the capture frame rate and the encoded bitrate measured
// over the time since the previous measurement (at least one second).
func (s *stats) rates() (fps, kbps float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	frames, bytes := s.captured.Load(), s.bytes.Load()
	if s.lastAt.IsZero() {
		s.lastAt, s.lastFrames, s.lastBytes = now, frames, bytes
		return 0, 0
	}
	if d := now.Sub(s.lastAt); d >= time.Second {
		s.fps = float64(frames-s.lastFrames) / d.Seconds()
		s.kbps = float64(bytes-s.lastBytes) * 8 / 1000 / d.Seconds()
		s.lastAt, s.lastFrames, s.lastBytes = now, frames, bytes
	}
	return s.fps, s.kbps
}

// Status is the box's state as the control API reports it.
type Status struct {
	Version       string         `json:"version"`
	State         string         `json:"state"`
	Source        string         `json:"source"`
	Size          string         `json:"size"`
	Encoder       string         `json:"encoder"`
	Scene         string         `json:"scene"`
	Presets       []string       `json:"presets"`
	FPS           float64        `json:"fps"`
	BitrateKbps   float64        `json:"bitrate_kbps"`
	Captured      uint64         `json:"captured_frames"`
	Encoded       uint64         `json:"encoded_frames"`
	DroppedFrames uint64         `json:"dropped_frames"`
	UptimeSeconds int64          `json:"uptime_seconds"`
	Recording     string         `json:"recording,omitempty"`
	LastAction    *Action        `json:"last_action,omitempty"`
	Controls      []string       `json:"control_problems,omitempty"`
	Stream        *stream.Status `json:"stream,omitempty"`
	Audio         AudioStatus    `json:"audio"`
	Chat          *chat.Status   `json:"chat,omitempty"`
	// CPUTempC is the SoC temperature where the board reports one.
	CPUTempC *float64 `json:"cpu_temp_c,omitempty"`
	// ApplyError says why the last settings change was undone.
	ApplyError string `json:"apply_error,omitempty"`
}

// cpuTemp reads the first thermal zone (millidegrees Celsius), nil when
// the board has none.
func cpuTemp() *float64 {
	b, err := os.ReadFile("/sys/class/thermal/thermal_zone0/temp")
	if err != nil {
		return nil
	}
	v, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return nil
	}
	c := float64(v) / 1000
	return &c
}

// Status returns a snapshot of the box.
func (b *Box) Status() Status {
	fps, kbps := b.stats.rates()
	st := Status{
		Version:       Version,
		State:         "idle",
		CPUTempC:      cpuTemp(),
		Source:        b.src.Describe(),
		Size:          itoa(b.width) + "x" + itoa(b.height),
		Encoder:       b.enc.Name(),
		Presets:       b.Presets(),
		FPS:           round1(fps),
		BitrateKbps:   round1(kbps),
		Captured:      b.stats.captured.Load(),
		Encoded:       b.stats.encoded.Load(),
		DroppedFrames: b.stats.dropped.Load(),
		UptimeSeconds: int64(time.Since(b.started).Seconds()),
	}
	if sc := b.comp.Current(); sc != nil {
		st.Scene = sc.Name
	}
	st.Audio = b.audio.status()
	if b.chat != nil {
		cs := b.chat.Status()
		st.Chat = &cs
	}
	b.mu.Lock()
	pub := b.pub
	if !b.lastAct.At.IsZero() {
		a := b.lastAct
		st.LastAction = &a
	}
	st.Recording = b.recording
	st.Controls = append([]string(nil), b.controlProblems...)
	b.mu.Unlock()
	if pub != nil {
		ps := pub.Status()
		st.Stream = &ps
		st.State = ps.State.String()
	}
	return st
}

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// ErrNoFrames is returned by Snapshot when the pipeline delivers no frame.
var ErrNoFrames = errors.New("box: no frame arrived for the preview (is the pipeline running?)")

// Snapshot returns the next composited frame, overlay included, as a JPEG
// of the given quality: what buyers see.
func (b *Box) Snapshot(ctx context.Context, quality int) ([]byte, error) {
	b.snapMu.Lock()
	defer b.snapMu.Unlock()
	if err := b.grab(ctx); err != nil {
		return nil, err
	}
	return encodeJPEG(b.snapFrame, quality)
}

// grab has the process goroutine copy its next composited frame into
// snapFrame. The caller holds snapMu.
func (b *Box) grab(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	done := make(chan struct{})
	select {
	case b.snapReq <- done:
	case <-ctx.Done():
		return ErrNoFrames
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ErrNoFrames
	}
}

// PreviewPreset returns the outgoing picture as a JPEG with p drawn on
// it, without showing p: the panel's preview while a preset is edited.
func (b *Box) PreviewPreset(ctx context.Context, p config.Preset, quality int) ([]byte, error) {
	o, err := overlay.Build(PresetSpec(p), b.width, b.height)
	if err != nil {
		return nil, err
	}
	f, err := frame.New(b.width, b.height)
	if err != nil {
		return nil, err
	}
	b.snapMu.Lock()
	err = b.grab(ctx)
	if err == nil {
		f.CopyFrom(b.snapFrame)
	}
	b.snapMu.Unlock()
	if err != nil {
		return nil, err
	}
	o.Blend(f)
	return encodeJPEG(f, quality)
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

// CameraControls lists the camera's controls (exposure, focus, white
// balance …) where it has them.
func (b *Box) CameraControls() ([]v4l2.ControlInfo, error) { return b.src.Controls() }

// SetCameraControl sets one camera control and returns the value kept.
func (b *Box) SetCameraControl(id uint32, v int32) (int32, error) {
	got, err := b.src.SetControl(id, v)
	if err == nil {
		b.log.Info("box: camera control set", "id", fmt.Sprintf("%#x", id), "value", got)
	}
	return got, err
}
