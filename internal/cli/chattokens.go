package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/pitchbox/pitchbox/chattokens"
	"github.com/pitchbox/pitchbox/config"
)

// cmdChatTokens runs `pitchbox chat-tokens serve`: the buyers' chat-token
// vendor over HTTP until SIGINT or SIGTERM. (As an AWS Lambda function it
// is cmd/pitchbox-chat-tokens.)
func cmdChatTokens(args []string, stderr io.Writer) error {
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	return chatTokensServe(ctx, args, stderr, nil)
}

// chatTokensServe parses the arguments and serves the vendor until ctx
// ends; ready, if not nil, is told the address it listens on.
func chatTokensServe(ctx context.Context, args []string, stderr io.Writer, ready func(net.Addr)) error {
	if len(args) == 0 || args[0] != "serve" {
		return &usageError{"chat-tokens: say `chat-tokens serve --config FILE [--listen ADDR]` (the Lambda function is cmd/pitchbox-chat-tokens)"}
	}
	fs := newFlags("chat-tokens serve")
	cfgPath := fs.String("config", "", "configuration file with [chat] room_arn and the AWS account")
	listen := fs.String("listen", ":8090", "address to serve on")
	origins := fs.String("origins", "", "comma-separated web origins allowed besides [chat] viewer_origins")
	trust := fs.Bool("trust-proxy", false, "count clients by X-Forwarded-For (only behind a reverse proxy that sets it)")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return &usageError{fmt.Sprintf("chat-tokens serve: unexpected argument %q", pos[0])}
	}
	if *cfgPath == "" {
		return &usageError{"chat-tokens serve: --config FILE is needed (its [chat] room_arn and [aws] account)"}
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return err
	}
	s, err := chattokens.FromConfig(cfg, os.Getenv)
	if err != nil {
		return err
	}
	for _, o := range strings.FieldsFunc(*origins, func(r rune) bool { return r == ',' || r == ' ' }) {
		if !chattokens.ValidOrigin(o) {
			return &usageError{fmt.Sprintf("chat-tokens serve: --origins: %q is not an origin (such as https://shop.example, without a path)", o)}
		}
		s.Origins = append(s.Origins, o)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level(cfg.Log.Level)}))
	v, err := s.Vendor(chattokens.Options{TrustForwarded: *trust, Logger: log})
	if err != nil {
		return err
	}
	return serveTokens(ctx, *listen, v, log, s.Origins, ready)
}

// serveTokens serves h on addr until ctx ends, then shuts the server down
// and waits for it.
func serveTokens(ctx context.Context, addr string, h http.Handler, log *slog.Logger, origins []string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("chat-tokens: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, MaxHeaderBytes: 16 << 10}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	log.Info("chat-tokens: serving buyers' chat tokens", "address", ln.Addr().String(), "origins", strings.Join(origins, " "))
	if len(origins) == 0 {
		log.Warn("chat-tokens: no viewer origins are set ([chat] viewer_origins or --origins): buyers' pages will be refused; only requests without an Origin (not from a browser) get tokens")
	}
	if ready != nil {
		ready(ln.Addr())
	}
	select {
	case err = <-done:
		return fmt.Errorf("chat-tokens: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	log.Info("chat-tokens: stopped")
	return err
}
