package panel

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// ServeUnix serves h on a unix socket at path (mode 0660, folder created
// 0750) until ctx ends. A stale socket left by a crash is replaced; a live
// one (another pitchbox running) is an error.
func ServeUnix(ctx context.Context, path string, h http.Handler) (stop func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("panel: control socket folder: %w", err)
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return nil, fmt.Errorf("panel: %s is in use: another pitchbox is running", path)
	}
	os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("panel: control socket: %w", err)
	}
	if err := os.Chmod(path, 0o660); err != nil {
		ln.Close()
		return nil, fmt.Errorf("panel: control socket: %w", err)
	}
	end := serveUntil(ctx, &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}, ln)
	return func() {
		end()
		os.Remove(path)
	}, nil
}

// serveUntil serves srv on ln until ctx ends or stop is called; stop
// returns once the server and its shutdown are done.
func serveUntil(ctx context.Context, srv *http.Server, ln net.Listener) (stop func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln) // returns once Shutdown closes the listener
	}()
	stopped := make(chan struct{})
	shut := make(chan struct{})
	go func() {
		defer close(shut)
		select {
		case <-ctx.Done():
		case <-stopped:
		}
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(stopped) })
		<-done
		<-shut
	}
}
