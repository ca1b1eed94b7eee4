//go:build e2e

package e2e

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/e2e/harness"
)

// TestReconnect cuts the server for 5 s mid-stream: pitchbox must keep
// running, publish again within 5 s of the server's return, and hold its
// memory flat.
func TestReconnect(t *testing.T) {
	s := newSetup(t, "")
	cfg, sock := s.config(t, s.nginx.URL(), streamKey, "")
	b := startBox(t, cfg, sock)
	if err := b.WaitState("live", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	s.pull(t, "warm")
	time.Sleep(5 * time.Second)
	rss0, err := harness.RSS(b.Pid())
	if err != nil {
		t.Fatal(err)
	}

	s.nginx.Stop()
	time.Sleep(5 * time.Second)
	if b.Exited() {
		t.Fatalf("pitchbox exited while the server was down:\n%s", b.Log())
	}
	if err := s.nginx.Start(); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	// A player that joins now is served from the first keyframe pitchbox
	// publishes after it reconnects.
	var got time.Duration
	for {
		remaining := 8*time.Second - time.Since(back)
		if remaining <= 0 {
			t.Fatalf("no frames within 8 s of the server's return:\n%s", b.Log())
		}
		err := harness.PullFrame(context.Background(), s.nginx.URL()+streamKey, filepath.Join(s.dir, "back.png"), remaining)
		if err == nil {
			got = time.Since(back)
			break
		}
		if !errors.Is(err, harness.ErrNoFrame) {
			time.Sleep(100 * time.Millisecond)
		}
	}
	t.Logf("frames again %.2f s after the server's return (including ffmpeg's own start-up)", got.Seconds())
	if got > 5*time.Second {
		t.Errorf("frames again after %v, want within 5 s", got)
	}
	st, err := b.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st["state"] != "live" {
		t.Errorf("state %v after reconnect, want live", st["state"])
	}
	if n, _ := st["stream"].(map[string]any)["reconnects"].(float64); n < 1 {
		t.Errorf("status counts %v reconnects, want ≥ 1", n)
	}
	time.Sleep(3 * time.Second)
	rss1, err := harness.RSS(b.Pid())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("RSS before the cut %d KiB, after the return %d KiB", rss0>>10, rss1>>10)
	if rss1 > rss0+16<<20 {
		t.Errorf("RSS grew from %d KiB to %d KiB across the outage", rss0>>10, rss1>>10)
	}
	stopBox(t, b)
}

// TestRefusedKey has the server refuse the stream key: pitchbox reports it
// as refused and retries slowly instead of hammering the server.
func TestRefusedKey(t *testing.T) {
	var attempts atomic.Int32
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.Form.Get("call") == "publish" {
			attempts.Add(1)
		}
		if r.Form.Get("name") != streamKey {
			http.Error(w, "unknown key", http.StatusForbidden)
		}
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	s := newSetup(t, "http://"+ln.Addr().String()+"/auth")
	cfg, sock := s.config(t, s.nginx.URL(), "sk_wrong_key", "")
	b := startBox(t, cfg, sock)
	if err := b.WaitState("refused", 15*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, b.Log())
	}
	start := time.Now()
	st, _ := b.Status()
	msg, _ := st["stream"].(map[string]any)["last_error"].(string)
	if !strings.Contains(msg, "refused") || strings.Contains(msg, "sk_wrong_key") {
		t.Errorf("last_error = %q, want a refusal without the key", msg)
	}
	time.Sleep(10*time.Second - time.Since(start))
	if n := attempts.Load(); n < 1 || n > 2 {
		t.Errorf("%d publish attempts in about 10 s, want 1 or 2 (refusals retry slowly)", n)
	}
	if strings.Contains(b.Log(), "sk_wrong_key") {
		t.Errorf("the refused key appears in the log")
	}
	stopBox(t, b)
}
