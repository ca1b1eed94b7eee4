package box

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/internal/backoff"
	"github.com/pitchbox/pitchbox/internal/logring"
	"github.com/pitchbox/pitchbox/v4l2"
)

// Version is set at build time (-ldflags "-X .../box.Version=…").
var Version = "dev"

// Box is a running pitchbox.
type Box struct {
	log       *slog.Logger
	opt       options
	started   time.Time
	set       settings
	restartCh chan struct{}

	mu      sync.Mutex
	pipe    *pipeline // nil while a new one is built
	builds  uint64    // pipelines installed so far
	scene   string    // the preset on screen, kept across rebuilds
	sceneAt time.Time // when it was shown (its countdown runs from then)
	live    bool      // the seller's intent, kept across rebuilds
	lastAct control.LastAction
	// onAirSince is when the stream went on air, kept across rebuilds
	// and reconnects until the seller stops.
	onAirSince time.Time
	intentMu   sync.Mutex // serialises saves of the live intent

	// meta sends product events through IVS timed metadata.
	meta timedMeta

	// watch is the viewers and rates watch, from the start of Run to its
	// end (Status and the screen ask it for the last answers).
	watch atomic.Pointer[watch]

	// Counters since the box started (see totals.go).
	past     control.Totals    // of retired pipelines
	retiring *pipeline         // uninstalled, not yet retired
	shows    map[string]uint64 // per preset
}

// Option changes how New builds the box.
type Option func(*options)

type options struct {
	newEncoder func(encode.Settings) (encode.Encoder, error)
	panelInfo  func() PanelInfo
	path       string // where settings are saved; "" keeps them in memory
	ring       *logring.Ring
	pause      backoff.Backoff // between rebuilds that fail
	stableFor  time.Duration   // a pipeline that ran this long resets pause
	sleep      func(ctx context.Context, d time.Duration) bool
	devices    func() ([]v4l2.DeviceInfo, error) // the cameras plugged in
}

// WithEncoder makes the box use open instead of the configured backend
// (the test rig runs vicodec this way).
func WithEncoder(open func(encode.Settings) (encode.Encoder, error)) Option {
	return func(o *options) { o.newEncoder = open }
}

// WithDevices makes the box list these cameras instead of the system's
// (tests give a camera's mode table this way).
func WithDevices(list func() ([]v4l2.DeviceInfo, error)) Option {
	return func(o *options) { o.devices = list }
}

// WithConfigFile saves settings changed through Update to path.
func WithConfigFile(path string) Option { return func(o *options) { o.path = path } }

// WithLogs gives the panel's System page the recent log lines.
func WithLogs(r *logring.Ring) Option { return func(o *options) { o.ring = r } }

// WithRestartPause sets the pause between failed rebuilds.
func WithRestartPause(b backoff.Backoff) Option { return func(o *options) { o.pause = b } }

// New builds a box from cfg: opens the camera (or the test pattern),
// renders every preset at the frame size and opens the encoder. Errors
// caused by the configuration satisfy config.IsInvalid.
func New(cfg *config.Config, log *slog.Logger, opts ...Option) (*Box, error) {
	o := options{pause: backoff.Backoff{Min: time.Second, Max: time.Minute}, stableFor: 30 * time.Second, sleep: sleep,
		devices: v4l2.Devices}
	for _, opt := range opts {
		opt(&o)
	}
	if err := cfg.PrepareStateDir(); err != nil {
		return nil, err
	}
	p, err := buildPipeline(cfg, log, &o)
	if err != nil {
		return nil, err
	}
	b := &Box{log: log, opt: o, started: time.Now(), restartCh: make(chan struct{}, 1), pipe: p, builds: 1,
		shows: map[string]uint64{}}
	b.set = settings{path: o.path, cfg: cfg, good: cfg}
	b.meta.log = log
	return b, nil
}

// Run runs the pipeline until ctx ends, rebuilding it when the settings
// change or a stage fails, and stops the stream cleanly at the end.
func (b *Box) Run(ctx context.Context) error {
	b.startIntent()
	stopViewers := b.watchViewers(ctx)
	defer b.meta.close()
	defer stopViewers()
	for {
		p := b.pipeline()
		start := time.Now()
		err := b.runPipeline(ctx, p)
		b.uninstall()
		p.close()
		b.retire(p)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(start) >= b.opt.stableFor {
			b.opt.pause.Reset()
		}
		if err != nil {
			b.log.Error("box: restarting the pipeline after a failure", "err", err)
			if !b.opt.sleep(ctx, b.opt.pause.Next()) {
				return nil
			}
		}
		if !b.rebuild(ctx) {
			return nil
		}
	}
}

// Builds counts the pipelines built so far (1 after New): each settings
// change that needs it, and each restart after a failure, adds one.
func (b *Box) Builds() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.builds
}

// Close frees the pipeline of a box whose Run was never called (Run
// frees its own when it returns).
func (b *Box) Close() {
	b.mu.Lock()
	p := b.pipe
	b.pipe = nil
	b.mu.Unlock()
	if p != nil {
		p.close()
	}
}

// runPipeline runs p until ctx ends, a restart is asked for (nil), or a
// stage fails (its error).
func (b *Box) runPipeline(ctx context.Context, p *pipeline) error {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.run(pctx, b) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	case <-b.restartCh:
		b.log.Info("box: restarting the pipeline with the new settings")
	}
	cancel()
	return <-done
}

// rebuild builds a pipeline from the current settings, rolling back to the
// last ones that worked (saved once) and pausing between failures. It
// reports false when ctx ended first.
func (b *Box) rebuild(ctx context.Context) bool {
	for ctx.Err() == nil {
		cfg := b.set.current()
		p, err := buildPipeline(cfg, b.log, &b.opt)
		if err == nil {
			b.set.worked(cfg)
			b.install(p)
			return true
		}
		if b.set.rollback(cfg, err, b.log) {
			continue // the last good settings, or newer ones, at once
		}
		b.log.Error("box: the pipeline cannot start; trying again", "err", err)
		if !b.opt.sleep(ctx, b.opt.pause.Next()) {
			return false
		}
	}
	return false
}

// install makes p the running pipeline, with the scene and live state the
// seller had.
func (b *Box) install(p *pipeline) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pipe = p
	b.builds++
	if b.scene != "" {
		if s := p.scenes.get(b.scene); s != nil {
			p.comp.SetAt(s, b.sceneAt)
		} else {
			b.scene = ""
		}
	}
	if b.live {
		p.goLive()
	}
}

// uninstall takes the running pipeline out; its counters still count
// until it is retired.
func (b *Box) uninstall() {
	b.mu.Lock()
	b.retiring = b.pipe
	b.pipe = nil
	b.mu.Unlock()
}

// pipeline is the running pipeline, nil while a new one is built.
func (b *Box) pipeline() *pipeline {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.pipe
}

// current is the running pipeline, or ErrRestarting.
func (b *Box) current() (*pipeline, error) {
	if p := b.pipeline(); p != nil {
		return p, nil
	}
	return nil, control.ErrRestarting
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
