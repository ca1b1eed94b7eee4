// Package box is the appliance: it builds every stage from the config,
// runs the capture → composite → encode → publish pipeline, owns the
// live/idle state machine, and answers the control API (show a preset,
// clear, go live, stop, status, preview). It is the only package that knows
// all the others.
package box

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pitchbox/pitchbox/audio"
	"github.com/pitchbox/pitchbox/buttons"
	"github.com/pitchbox/pitchbox/chat"
	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/encode/m2m"
	"github.com/pitchbox/pitchbox/encode/x264"
	"github.com/pitchbox/pitchbox/frame"
	"github.com/pitchbox/pitchbox/overlay"
	"github.com/pitchbox/pitchbox/stream"
)

// Version is set at build time (-ldflags "-X .../box.Version=…").
var Version = "dev"

// poolFrames bounds frames alive at once: one being captured, a couple
// queued, one being composited and encoded, one held by a snapshot.
const poolFrames = 6

// Box is a running pitchbox.
type Box struct {
	cfg     *config.Config
	log     *slog.Logger
	started time.Time

	width, height, fps int

	src      *Source
	enc      encode.Encoder
	comp     overlay.Compositor
	presetMu sync.RWMutex
	scenes   map[string]*overlay.Scene
	order    []string
	keyReq   atomic.Bool
	dest     stream.Destination

	mu        sync.Mutex
	pub       *stream.Publisher
	lastAct   Action
	recording string

	controlProblems []string

	livePub   atomic.Pointer[stream.Publisher]
	audio     *audioPath
	mux       muxer
	chat      *chat.Client
	stats     stats
	panelInfo func() PanelInfo
	videoPkts []*encode.Packet // reused by the process goroutine
	snapReq   chan chan struct{}
	snapMu    sync.Mutex
	snapFrame *frame.Frame
}

// Action is the last control action, for status.
type Action struct {
	Action string    `json:"action"`
	Source string    `json:"source"`
	At     time.Time `json:"at"`
}

// Option changes how New builds the box.
type Option func(*options)

type options struct {
	newEncoder func(encode.Settings) (encode.Encoder, error)
	panelInfo  func() PanelInfo
}

// WithEncoder makes the box use open instead of the configured backend
// (the test rig runs vicodec this way).
func WithEncoder(open func(encode.Settings) (encode.Encoder, error)) Option {
	return func(o *options) { o.newEncoder = open }
}

// New builds a box from cfg: opens the camera (or the test pattern), renders
// every preset at the frame size and opens the encoder. Errors caused by the
// configuration satisfy config.IsInvalid.
func New(cfg *config.Config, log *slog.Logger, opts ...Option) (*Box, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if err := cfg.PrepareStateDir(); err != nil {
		return nil, err
	}
	b := &Box{cfg: cfg, log: log, started: time.Now(), snapReq: make(chan chan struct{})}
	b.stats.lastAt = b.started // the first status measures from the start
	b.panelInfo = o.panelInfo
	src, err := NewSource(cfg.Camera, log)
	if err != nil {
		return nil, err
	}
	b.src = src
	b.width, b.height = src.Size()
	b.fps = cfg.Camera.FPS
	if b.snapFrame, err = frame.New(b.width, b.height); err != nil {
		src.Close()
		return nil, err
	}
	log.Info("box: source", "source", src.Describe())
	if b.scenes, b.order, err = buildScenes(cfg.Presets, b.width, b.height); err != nil {
		src.Close()
		return nil, err
	}
	var enc encode.Encoder
	if o.newEncoder != nil {
		enc, err = o.newEncoder(encoderSettings(cfg.Encoder, b.width, b.height, b.fps))
	} else {
		enc, err = openEncoder(cfg.Encoder, b.width, b.height, b.fps)
	}
	if err != nil {
		src.Close()
		return nil, err
	}
	b.enc = enc
	b.audio = newAudioPath(cfg.Audio, log)
	if b.chat, err = newChat(cfg.Chat, cfg.AWS, log); err != nil {
		src.Close()
		enc.Close()
		return nil, err
	}
	log.Info("box: encoder", "encoder", enc.Name(), "bitrate_kbps", cfg.Encoder.BitrateKbps, "keyframe_s", cfg.Encoder.KeyframeSeconds)
	if err := b.makeDestination(); err != nil {
		src.Close()
		enc.Close()
		return nil, err
	}
	return b, nil
}

func encoderSettings(c config.Encoder, w, h, fps int) encode.Settings {
	return encode.Settings{Width: w, Height: h, FPS: fps, BitrateKbps: c.BitrateKbps,
		KeyframeInterval: time.Duration(c.KeyframeSeconds) * time.Second, Preset: c.Preset}
}

func openEncoder(c config.Encoder, w, h, fps int) (encode.Encoder, error) {
	s := encoderSettings(c, w, h, fps)
	if c.Backend == "m2m" || c.Backend == "auto" {
		e, err := m2m.New(s, m2m.Options{})
		switch {
		case err == nil:
			return e, nil
		case c.Backend == "m2m":
			return nil, fmt.Errorf("box: encoder.backend = \"m2m\": %w", err)
		}
		// auto: no hardware encoder here; fall back to x264.
	}
	switch c.Backend {
	case "auto", "x264":
		e, err := x264.New(s)
		if err != nil {
			if errors.Is(err, encode.ErrUnavailable) {
				return nil, fmt.Errorf("box: no H.264 encoder: %w (build with cgo and libx264-dev)", err)
			}
			return nil, fmt.Errorf("box: %w", err)
		}
		return e, nil
	}
	return nil, &config.Error{Key: "encoder.backend", Msg: fmt.Sprintf("%q is not available", c.Backend)}
}

func (b *Box) makeDestination() error {
	out := b.cfg.Output
	if out.Recording() {
		dir := filepath.Join(b.cfg.StateDir, "recordings")
		b.dest = &stream.File{Dir: dir, OnOpen: func(p string) {
			b.mu.Lock()
			b.recording = p
			b.mu.Unlock()
			b.log.Info("box: recording", "file", p)
		}}
		return nil
	}
	u, err := b.cfg.StreamURL()
	if err != nil {
		return err
	}
	r := &stream.RTMP{URL: u}
	if out.CAFile != "" {
		if r.TLS, err = stream.TLSFromCAFile(out.CAFile); err != nil {
			return &config.Error{Key: "output.ca_file", Msg: err.Error()}
		}
	}
	b.dest = r
	return nil
}

// Size reports the frame size of the pipeline.
func (b *Box) Size() (w, h int) { return b.width, b.height }

// Run runs the pipeline until ctx ends, then stops the stream cleanly.
func (b *Box) Run(ctx context.Context) error {
	if b.cfg.Output.AutostartOn() {
		if err := b.GoLive("autostart"); err != nil {
			return err
		}
	}
	controls, problems := buttons.Start(b.controlsConfig(), b, b.ledState, frame.Now, b.log)
	defer controls.Close()
	b.mu.Lock()
	for _, p := range problems {
		b.controlProblems = append(b.controlProblems, p.Error())
	}
	b.mu.Unlock()
	frames := make(chan *frame.Frame, 2)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		b.audio.run(ctx, b.mux.push)
	}()
	if b.chat != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.chat.Run(ctx)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		b.runDisplay(ctx)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(frames)
		b.capture(ctx, frames)
	}()
	b.process(ctx, frames)
	wg.Wait()
	b.StopLive("shutdown")
	b.src.Close()
	b.enc.Close()
	return nil
}

// capture reads the source and hands frames on; when the consumer is
// behind, the newest frame is dropped (counted), never queued without bound.
func (b *Box) capture(ctx context.Context, out chan<- *frame.Frame) {
	for {
		f, err := b.src.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			b.log.Error("box: source", "err", err)
			continue
		}
		b.stats.captured.Add(1)
		select {
		case out <- f:
		default:
			b.stats.dropped.Add(1)
			f.Release()
		}
	}
}

// process composites, serves snapshots, and encodes while live.
func (b *Box) process(ctx context.Context, in <-chan *frame.Frame) {
	kc := encode.KeyframeClock{Interval: time.Duration(b.cfg.Encoder.KeyframeSeconds) * time.Second}
	var silence audio.Silence
	var audioPkts []*encode.Packet
	var current *stream.Publisher
	var snap chan struct{}
	for {
		select {
		case <-ctx.Done():
			// Drain so the capture goroutine can finish.
			for f := range in {
				f.Release()
			}
			return
		case r := <-b.snapReq:
			// Served with the next composited frame.
			snap = r
		case f, ok := <-in:
			if !ok {
				return
			}
			b.handle(f, &kc, &silence, &audioPkts, &current)
			if snap != nil {
				b.snapFrame.CopyFrom(f)
				close(snap)
				snap = nil
			}
			f.Release()
		}
	}
}

// handle composites f and, while live, encodes and submits it with the
// audio due up to its time. The caller releases f.
func (b *Box) handle(f *frame.Frame, kc *encode.KeyframeClock, silence *audio.Silence, audioPkts *[]*encode.Packet, current **stream.Publisher) {
	b.comp.Apply(f)
	pub := b.livePub.Load()
	if pub != *current {
		// A new session: restart the audio clock and begin with an IDR.
		*current = pub
		*silence = audio.Silence{}
		kc.Request()
	}
	if pub == nil {
		return
	}
	if b.keyReq.Swap(false) {
		kc.Request()
	}
	var err error
	b.videoPkts, err = b.enc.Encode(b.videoPkts[:0], f, kc.Due(f.PTS))
	if err != nil {
		b.log.Error("box: encode", "err", err)
	}
	for _, pkt := range b.videoPkts {
		b.stats.encoded.Add(1)
		b.stats.bytes.Add(uint64(len(pkt.Data)))
		if b.audio.constant() {
			*audioPkts = silence.Until((*audioPkts)[:0], pkt.DTS)
			for _, a := range *audioPkts {
				b.mux.push(a)
			}
		}
		b.mux.push(pkt)
	}
}

// RequestKeyframe asks for an IDR on the next encoded frame.
func (b *Box) RequestKeyframe() { b.keyReq.Store(true) }

// buildScenes renders every preset at the frame size. Errors name the
// preset and satisfy config.IsInvalid.
func buildScenes(presets []config.Preset, w, h int) (map[string]*overlay.Scene, []string, error) {
	scenes := map[string]*overlay.Scene{}
	var order []string
	for _, p := range presets {
		o, err := overlay.Build(PresetSpec(p), w, h)
		if err != nil {
			return nil, nil, &config.Error{Key: fmt.Sprintf("preset[%q]", p.Name), Msg: err.Error()}
		}
		scenes[p.Name] = &overlay.Scene{Name: p.Name, Overlays: []*overlay.Overlay{o}}
		order = append(order, p.Name)
	}
	return scenes, order, nil
}

// PresetSpec turns a configured preset into an overlay spec.
func PresetSpec(p config.Preset) overlay.Spec {
	spec := overlay.Spec{Name: p.Name, QR: p.QR, Image: p.Image, Size: p.Size}
	if p.X != nil && p.Y != nil {
		spec.Position, spec.X, spec.Y = overlay.XY, *p.X, *p.Y
	} else {
		pos := p.Position
		if pos == "" {
			pos = "bottom-right"
		}
		spec.Position, _ = overlay.ParsePosition(pos)
	}
	return spec
}

// SetPresets replaces the presets while running: all are rendered first,
// and nothing changes if one fails. A preset on screen is replaced by its
// new version, or taken off when it was removed.
func (b *Box) SetPresets(presets []config.Preset) error {
	scenes, order, err := buildScenes(presets, b.width, b.height)
	if err != nil {
		return err
	}
	b.presetMu.Lock()
	b.scenes, b.order = scenes, order
	b.presetMu.Unlock()
	if cur := b.comp.Current(); cur != nil {
		b.comp.Set(scenes[cur.Name]) // nil when removed
	}
	b.log.Info("box: presets updated", "presets", order)
	return nil
}

// Presets lists preset names in config order.
func (b *Box) Presets() []string {
	b.presetMu.RLock()
	defer b.presetMu.RUnlock()
	return append([]string(nil), b.order...)
}

// Show puts the named preset on the picture from the next frame on.
func (b *Box) Show(name, source string) error {
	b.presetMu.RLock()
	s, ok := b.scenes[name]
	order := b.order
	b.presetMu.RUnlock()
	if !ok {
		return &NotFoundError{Name: name, Known: order}
	}
	b.comp.Set(s)
	b.act("show "+name, source)
	return nil
}

// Clear removes any overlay from the next frame on.
func (b *Box) Clear(source string) {
	b.comp.Set(nil)
	b.act("clear", source)
}

// GoLive starts publishing (or recording). It is a no-op when live.
func (b *Box) GoLive(source string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pub != nil {
		return nil
	}
	b.pub = stream.NewPublisher(b.dest, stream.Options{
		RequestKeyframe: b.RequestKeyframe,
		AudioConfig:     b.audio.asc,
		Logger:          b.log,
	})
	b.mux.setPublisher(b.pub)
	b.livePub.Store(b.pub)
	b.lastAct = Action{Action: "live start", Source: source, At: time.Now()}
	b.log.Info("box: going live", "destination", b.dest.String(), "by", source)
	return nil
}

// StopLive ends the stream cleanly. It is a no-op when not live.
func (b *Box) StopLive(source string) {
	b.mu.Lock()
	pub := b.pub
	b.pub = nil
	b.livePub.Store(nil)
	b.mux.setPublisher(nil)
	if pub != nil {
		b.lastAct = Action{Action: "live stop", Source: source, At: time.Now()}
	}
	b.mu.Unlock()
	if pub != nil {
		pub.Close()
		b.log.Info("box: stopped", "by", source)
	}
}

func (b *Box) act(what, source string) {
	b.mu.Lock()
	b.lastAct = Action{Action: what, Source: source, At: time.Now()}
	b.mu.Unlock()
	b.log.Info("box: "+what, "by", source)
}

// NotFoundError is returned for an unknown preset.
type NotFoundError struct {
	Name  string
	Known []string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("box: no preset named %q (presets: %v)", e.Name, e.Known)
}

// NotFound marks the error as a missing thing for the API (404).
func (e *NotFoundError) NotFound() bool { return true }

// Scene returns the name of the preset on screen, "" for none.
func (b *Box) Scene() string {
	if s := b.comp.Current(); s != nil {
		return s.Name
	}
	return ""
}

// Live reports whether the box is live or trying to be.
func (b *Box) Live() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.pub != nil
}

// StreamState is the publisher's state name ("live", "connecting",
// "reconnecting", "rejected"), "idle" when not live.
func (b *Box) StreamState() string {
	b.mu.Lock()
	pub := b.pub
	b.mu.Unlock()
	if pub == nil {
		return "idle"
	}
	return pub.Status().State.String()
}

func (b *Box) ledState() buttons.State {
	return buttons.State{Stream: b.StreamState(), Overlay: b.comp.Current() != nil}
}

// controlsConfig turns the config's controls into buttons.Config, the
// 4-button layout first and explicit buttons after (a line named in both
// takes the explicit mapping).
func (b *Box) controlsConfig() buttons.Config {
	c := b.cfg.Buttons
	var bc buttons.Config
	if c.Layout == "4-button" {
		bc = buttons.FourButton()
	}
	bc.Settle = time.Duration(c.DebounceMS) * time.Millisecond
	bc.Long = time.Duration(c.LongPressMS) * time.Millisecond
	if c.StatusLED != "" {
		bc.StatusLED = c.StatusLED
	}
	if c.OverlayLED != "" {
		bc.OverlayLED = c.OverlayLED
	}
	for _, x := range b.cfg.Button {
		nb := buttons.ButtonConfig{Line: x.Line, Chip: x.Chip, Offset: x.Offset, Press: x.Press, LongPress: x.LongPress, ActiveHigh: x.ActiveHigh}
		replaced := false
		for i := range bc.Buttons {
			if x.Line != "" && bc.Buttons[i].Line == x.Line {
				bc.Buttons[i], replaced = nb, true
			}
		}
		if !replaced {
			bc.Buttons = append(bc.Buttons, nb)
		}
	}
	for _, k := range b.cfg.Key {
		bc.Keys = append(bc.Keys, buttons.KeyConfig{Device: k.Device, Key: k.Key, Press: k.Press, LongPress: k.LongPress})
	}
	return bc
}
