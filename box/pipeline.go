package box

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pitchbox/pitchbox/buttons"
	"github.com/pitchbox/pitchbox/chat"
	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/encode/m2m"
	"github.com/pitchbox/pitchbox/encode/x264"
	"github.com/pitchbox/pitchbox/frame"
	"github.com/pitchbox/pitchbox/overlay"
	"github.com/pitchbox/pitchbox/stream"
)

// poolFrames bounds frames alive at once: one being captured, one queued
// for compositing, one being composited, one queued for the encoder, one
// being encoded, one held by a snapshot, and slack.
const poolFrames = 8

// pipeline is the set of stages one configuration builds: capture →
// compose → encode → mux → publish, and audio into the muxer. The Box
// supervises it and builds a new one when the settings change.
type pipeline struct {
	cfg           *config.Config
	log           *slog.Logger
	width, height int

	src     *Source
	enc     encode.Encoder
	comp    overlay.Compositor
	scenes  *sceneSet
	dest    stream.Destination
	audio   *audioPath
	mux     muxer
	chat    *chat.Client
	stats   stats
	keyReq  atomic.Bool
	encErrs *rateLog

	pubMu   sync.Mutex
	pub     *stream.Publisher
	livePub atomic.Pointer[stream.Publisher]
	closing []*stream.Publisher // stopped, being closed
	abr     *abrLoop            // the live publisher's adaptive bitrate
	rate    bitrate             // the encoder's target
	ended   control.Totals      // stream counters of closed sessions

	recMu     sync.Mutex
	recording string

	snap snapshots

	stageMu sync.Mutex
	stages  []*stage
}

// buildPipeline opens what cfg describes: the camera (or the test pattern),
// every preset rendered at the frame size, the encoder, the audio encoder,
// the chat client and the destination. Whatever was opened is closed again
// when a later step fails. Errors caused by the configuration satisfy
// config.IsInvalid.
func buildPipeline(cfg *config.Config, log *slog.Logger, o *options) (_ *pipeline, err error) {
	p := &pipeline{cfg: cfg, log: log, encErrs: newRateLog(log, 10*time.Second)}
	var undo []func()
	defer func() {
		if err != nil {
			for i := len(undo) - 1; i >= 0; i-- {
				undo[i]()
			}
		}
	}()
	if err := checkControls(cfg); err != nil {
		return nil, err
	}
	// Presets are checked at the configured size before any device is
	// opened, so that a bad one is the only thing said; they are rendered
	// again below at the size the camera chose.
	if _, err := buildScenes(cfg.Presets, cfg.Camera.Width, cfg.Camera.Height); err != nil {
		return nil, err
	}
	if p.src, err = NewSource(cfg.Camera, log); err != nil {
		return nil, err
	}
	undo = append(undo, func() { p.src.Close() })
	p.width, p.height = p.src.Size()
	log.Info("box: source", "source", p.src.Describe())
	if err := checkWHIPSize(cfg, p.width, p.height); err != nil {
		return nil, err
	}
	if p.scenes, err = buildScenes(cfg.Presets, p.width, p.height); err != nil {
		return nil, err
	}
	if err := p.snap.init(p.width, p.height); err != nil {
		return nil, err
	}
	if p.enc, err = o.openEncoder(cfg.Encoder.Backend, encoderSettings(cfg, p.width, p.height)); err != nil {
		return nil, err
	}
	undo = append(undo, func() { p.enc.Close() })
	p.audio = newAudioPath(cfg.Audio, cfg.Output.Protocol() == config.ProtoWHIP, log)
	undo = append(undo, p.audio.close)
	if p.chat, err = newChat(cfg.Chat, cfg.AWS, log); err != nil {
		return nil, err
	}
	log.Info("box: encoder", "encoder", p.enc.Name(), "bitrate_kbps", cfg.Encoder.BitrateKbps, "keyframe_s", cfg.Encoder.KeyframeSeconds)
	if p.dest, err = makeDestination(cfg, p.setRecording(log)); err != nil {
		return nil, err
	}
	if f, ok := p.dest.(*stream.File); ok {
		f.OnDelete = func(path string) { log.Info("box: deleted the oldest recording to keep space free", "file", path) }
	}
	p.stats.lastAt = time.Now()
	return p, nil
}

func (p *pipeline) setRecording(log *slog.Logger) func(string) {
	return func(path string) {
		p.recMu.Lock()
		p.recording = path
		p.recMu.Unlock()
		log.Info("box: recording", "file", path)
	}
}

// encoderSettings is what the encoder is opened with for a w×h picture:
// constrained baseline for WHIP, as WebRTC players and IVS stages need.
func encoderSettings(cfg *config.Config, w, h int) encode.Settings {
	c := cfg.Encoder
	return encode.Settings{Width: w, Height: h, FPS: cfg.Camera.FPS, BitrateKbps: c.BitrateKbps,
		KeyframeInterval: time.Duration(c.KeyframeSeconds) * time.Second, Preset: c.Preset,
		Baseline: cfg.Output.Protocol() == config.ProtoWHIP}
}

// checkWHIPSize refuses a picture larger than WHIP allows, when the camera
// gave more than was asked (config checks what was asked).
func checkWHIPSize(cfg *config.Config, w, h int) error {
	if cfg.Output.Protocol() != config.ProtoWHIP || (max(w, h) <= 1280 && min(w, h) <= 720) {
		return nil
	}
	return &config.Error{Key: "camera.width", Msg: fmt.Sprintf("the camera gives %dx%d, too large for WHIP (allowed: up to 1280x720, the limit of IVS real-time stages); choose a smaller camera mode", w, h)}
}

func (o *options) openEncoder(backend string, s encode.Settings) (encode.Encoder, error) {
	if o.newEncoder != nil {
		return o.newEncoder(s)
	}
	return openEncoder(backend, s)
}

func openEncoder(backend string, s encode.Settings) (encode.Encoder, error) {
	if backend == "m2m" || backend == "auto" {
		e, err := m2m.New(s, m2m.Options{})
		switch {
		case err == nil:
			return e, nil
		case backend == "m2m":
			return nil, fmt.Errorf("box: encoder.backend = \"m2m\": %w", err)
		}
		// auto: no hardware encoder here; fall back to x264.
	}
	switch backend {
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
	return nil, &config.Error{Key: "encoder.backend", Msg: fmt.Sprintf("%q is not available", backend)}
}

// Channel depths between stages: one frame waiting is enough to absorb
// jitter; more would only add latency.
const stageQueue = 1

// run starts every stage and returns when ctx ends (nil) or a stage fails
// (its error). Every stage is stopped and waited for before run returns,
// and the frames left in the channels go back to their pool.
func (p *pipeline) run(ctx context.Context, b *Box) error {
	captured := make(chan *frame.Frame, stageQueue)
	composed := make(chan *frame.Frame, stageQueue)
	controls, problems := buttons.Start(controlsConfig(p.cfg), b, b.ledState, frame.Now, p.log)
	p.stats.setControlProblems(problems)
	stages := []*stage{
		startStage(ctx, "capture", func(ctx context.Context, s *stage) error { return p.capture(ctx, s, captured) }),
		startStage(ctx, "compose", func(ctx context.Context, s *stage) error { return p.compose(ctx, s, captured, composed) }),
		startStage(ctx, "encode", func(ctx context.Context, s *stage) error { return p.encode(ctx, s, composed) }),
		startStage(ctx, "audio", func(ctx context.Context, s *stage) error { return p.audio.run(ctx, s, p.mux.push) }),
		startStage(ctx, "display", func(ctx context.Context, s *stage) error { runDisplay(ctx, p.cfg.Display, b, p.log); return nil }),
	}
	if p.chat != nil {
		stages = append(stages, startStage(ctx, "chat", func(ctx context.Context, s *stage) error { p.chat.Run(ctx); return nil }))
	}
	p.stageMu.Lock()
	p.stages = stages
	p.stageMu.Unlock()
	err := awaitStages(ctx, stages)
	for _, s := range stages {
		s.Close()
	}
	controls.Close()
	for _, ch := range []chan *frame.Frame{captured, composed} {
		drain(ch)
	}
	return err
}

// awaitStages returns when ctx ends or a stage fails.
func awaitStages(ctx context.Context, stages []*stage) error {
	failed := make(chan *stage, len(stages))
	for _, s := range stages {
		go func() {
			<-s.Done()
			failed <- s
		}()
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case s := <-failed:
			if err := s.Err(); err != nil {
				return fmt.Errorf("box: the %s stage failed: %w", s.name, err)
			}
		}
	}
}

func drain(ch chan *frame.Frame) {
	for {
		select {
		case f := <-ch:
			f.Release()
		default:
			return
		}
	}
}

// stageStatus lists the stages' states and counters.
func (p *pipeline) stageStatus() []control.StageStatus {
	p.stageMu.Lock()
	defer p.stageMu.Unlock()
	out := make([]control.StageStatus, len(p.stages))
	for i, s := range p.stages {
		out[i] = s.status()
	}
	return out
}

// close releases what buildPipeline opened; run has returned.
func (p *pipeline) close() {
	p.stopLive()
	p.src.Close()
	p.enc.Close()
	p.audio.close()
}
