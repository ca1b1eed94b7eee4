package cli

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/pitchbox/pitchbox/box"
	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/internal/sdnotify"
	"github.com/pitchbox/pitchbox/metrics"
)

// runConfig is the configuration `pitchbox run` uses: the file given, else
// pitchbox.toml in the state directory, else the built-in defaults
// (builtin true; settings changed in the panel then go to path); --socket
// and --listen override the file.
func runConfig(file, socket, listen string) (cfg *config.Config, path string, builtin bool, err error) {
	cfg = config.Defaults()
	path = file
	if path == "" {
		path = filepath.Join(cfg.StateDir, "pitchbox.toml")
		if _, serr := os.Stat(path); serr != nil {
			builtin = true
		}
	}
	if !builtin {
		if cfg, err = config.Load(path); err != nil {
			return nil, "", false, err
		}
	}
	if socket != "" {
		cfg.Control.Socket = socket
	}
	if listen != "" {
		cfg.Panel.Listen = listen
		if err := cfg.Validate(); err != nil {
			return nil, "", false, err
		}
	}
	return cfg, path, builtin, nil
}

// serveMetrics serves Prometheus metrics on [metrics] listen until ctx
// ends, when it is set. The stream matters more than the metrics: a port
// taken by something else is logged, and the box runs on. The function
// returned stops the server and waits for it.
func serveMetrics(ctx context.Context, cfg *config.Config, a *box.Box, log *slog.Logger) func() {
	if !cfg.Metrics.Enabled() {
		return func() {}
	}
	addr, stop, err := metrics.Serve(ctx, cfg.Metrics.Listen, metrics.Handler(a.Status, log))
	if err != nil {
		log.Error("metrics: not served; the box runs without them", "err", err)
		return func() {}
	}
	log.Info("metrics: serving Prometheus metrics", "url", "http://"+addr+"/metrics")
	return stop
}

// notifySystemd tells systemd how the box is, when it runs the box as a
// Type=notify service: READY=1 once frames flow, WATCHDOG=1 while they
// keep flowing, STATUS= lines, and STOPPING=1 once ctx ends. The function
// returned stops it and waits for it.
func notifySystemd(ctx context.Context, a *box.Box, log *slog.Logger) func() {
	conn, err := sdnotify.Open()
	if err != nil {
		log.Warn("sdnotify: not telling systemd how the box is", "err", err)
	}
	if conn == nil {
		return func() {}
	}
	timeout, err := sdnotify.WatchdogTimeout()
	if err != nil {
		log.Warn("sdnotify: no watchdog pings", "err", err)
	}
	w := sdnotify.New(sdnotify.Options{Conn: conn, Status: a.Status, Timeout: timeout, Log: log})
	if timeout > 0 {
		log.Info("sdnotify: systemd watchdog on", "timeout", timeout, "ping_every", w.PingEvery())
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	return func() {
		cancel()
		<-done
		conn.Close()
	}
}
