package box

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/frame"
	"github.com/pitchbox/pitchbox/overlay"
)

type stats struct {
	captured atomic.Uint64
	encoded  atomic.Uint64

	mu         sync.Mutex
	lastAt     time.Time
	lastFrames uint64
	lastSent   uint64
	fps        float64
	kbps       float64
	problems   []string
}

// rates returns the capture frame rate and the bitrate sent (sent is the
// bytes sent so far), measured over the time since the previous
// measurement (at least one second).
func (s *stats) rates(sent uint64) (fps, kbps float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	frames := s.captured.Load()
	if d := now.Sub(s.lastAt); d >= time.Second {
		s.fps = float64(frames-s.lastFrames) / d.Seconds()
		s.kbps = 0
		if sent >= s.lastSent {
			s.kbps = float64(sent-s.lastSent) * 8 / 1000 / d.Seconds()
		}
		s.lastAt, s.lastFrames, s.lastSent = now, frames, sent
	}
	return s.fps, s.kbps
}

func (s *stats) setControlProblems(errs []error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.problems = s.problems[:0]
	for _, e := range errs {
		s.problems = append(s.problems, e.Error())
	}
}

func (s *stats) controlProblems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.problems...)
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
func (b *Box) Status() control.Status {
	st := control.Status{Version: Version, CPUTempC: cpuTemp(),
		UptimeSeconds: int64(time.Since(b.started).Seconds()), ApplyError: b.ApplyError(),
		TargetKbps: b.set.current().Encoder.BitrateKbps}
	b.mu.Lock()
	p := b.pipe
	st.LiveRequested = b.live
	if !b.lastAct.At.IsZero() {
		a := b.lastAct
		st.LastAction = &a
	}
	b.mu.Unlock()
	st.Totals = b.totals()
	st.Scene = b.Scene()
	st.Viewers = b.viewers()
	if p == nil {
		st.Presets = b.Presets()
		st.Applying = true
	} else {
		p.status(&st)
	}
	st.State = b.State()
	st.OnAirSince = b.onAir(st.State, st.Stream)
	if st.State != control.Live && st.State != control.Recording {
		st.BitrateKbps = 0
	}
	explain(&st, time.Now())
	return st
}

// onAir is when the stream went on air: kept from the first time it did
// until the seller stops, zero while it never has.
func (b *Box) onAir(s control.State, ss *control.StreamStatus) time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.live {
		return time.Time{}
	}
	if b.onAirSince.IsZero() && (s == control.Live || s == control.Recording) && ss != nil && !ss.LiveSince.IsZero() {
		b.onAirSince = ss.LiveSince
	}
	return b.onAirSince
}

// status fills in the pipeline's part of st.
func (p *pipeline) status(st *control.Status) {
	fps, kbps := p.stats.rates(p.sentBytes())
	st.Camera, st.Source = p.src.State(), p.src.Describe()
	st.CorruptFrames = p.src.Corrupt()
	st.Size = strconv.Itoa(p.width) + "x" + strconv.Itoa(p.height)
	st.Encoder = p.enc.Name()
	st.TargetKbps = p.rate.kbps(p.cfg.Encoder.BitrateKbps)
	st.Presets = p.scenes.names()
	st.FPS, st.BitrateKbps = round1(fps), round1(kbps)
	st.Captured, st.Encoded = p.stats.captured.Load(), p.stats.encoded.Load()
	st.Stages = p.stageStatus()
	for _, s := range st.Stages {
		st.DroppedFrames += s.Dropped
	}
	st.Audio = p.audio.status()
	if p.chat != nil {
		cs := p.chat.Status()
		st.Chat = &cs
	}
	p.recMu.Lock()
	st.Recording = p.recording
	p.recMu.Unlock()
	st.Controls = p.stats.controlProblems()
	if pub := p.publisher(); pub != nil {
		ps := pub.Status()
		st.Stream = &ps
	}
}

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }

// PreviewPreset returns the outgoing picture as a JPEG with p drawn on
// it, without showing p: the panel's preview while a preset is edited.
func (b *Box) PreviewPreset(ctx context.Context, pr config.Preset) ([]byte, error) {
	p, err := b.current()
	if err != nil {
		return nil, err
	}
	sc, err := overlay.BuildScene(PresetSpec(pr), p.width, p.height)
	if err != nil {
		return nil, err
	}
	f, err := frame.New(p.width, p.height)
	if err != nil {
		return nil, err
	}
	if err := p.snap.with(ctx, f.CopyFrom); err != nil {
		return nil, err
	}
	var c overlay.Compositor // a countdown shows its full time
	c.Set(sc)
	c.Apply(f)
	return encodeJPEG(f, 80)
}
