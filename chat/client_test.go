package chat_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/chat"
	"github.com/pitchbox/pitchbox/chat/chattest"
	"github.com/pitchbox/pitchbox/internal/backoff"
	"github.com/pitchbox/pitchbox/internal/wait"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func run(t *testing.T, c *chat.Client) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

func ids(ms []chat.Message) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = m.ID
	}
	return strings.Join(s, ",")
}

func TestOrderNoDuplicatesAcrossReconnectAndDeletes(t *testing.T) {
	srv := chattest.New()
	defer srv.Close()
	c := &chat.Client{Endpoint: srv.WSURL(), Tokens: srv, Logger: quiet(),
		Backoff: backoff.Backoff{Min: 10 * time.Millisecond, Max: 50 * time.Millisecond}}
	run(t, c)
	wait.For(t, 5*time.Second, "connection", func() bool { return srv.Conns() == 1 })
	for i := 1; i <= 5; i++ {
		srv.Message(fmt.Sprintf("m%d", i), "buyer", fmt.Sprintf("hello %d", i))
		time.Sleep(2 * time.Millisecond)
	}
	wait.For(t, 5*time.Second, "five messages", func() bool { return len(c.Messages()) == 5 })
	srv.DropAll()
	wait.For(t, 5*time.Second, "reconnection", func() bool { return c.Status().Connects == 2 && srv.Conns() == 1 })
	// The server repeats the last ones after the reconnect.
	for i := 4; i <= 8; i++ {
		srv.Message(fmt.Sprintf("m%d", i), "buyer", fmt.Sprintf("hello %d", i))
		time.Sleep(2 * time.Millisecond)
	}
	wait.For(t, 5*time.Second, "eight messages", func() bool { return len(c.Messages()) == 8 })
	if got := ids(c.Messages()); got != "m1,m2,m3,m4,m5,m6,m7,m8" {
		t.Fatalf("messages %s", got)
	}
	if srv.Refused.Load() != 0 {
		t.Fatalf("%d connections refused: a token was reused", srv.Refused.Load())
	}
	srv.Delete("m2", "MessageId")
	srv.Delete("m7", "MessageID") // older servers' spelling
	wait.For(t, 5*time.Second, "deletes", func() bool { return len(c.Messages()) == 6 })
	if got := ids(c.Messages()); got != "m1,m3,m4,m5,m6,m8" {
		t.Fatalf("after deletes: %s", got)
	}
	// Sending, deleting and disconnecting go through the server.
	if err := c.Send(context.Background(), "thanks!", nil); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 5*time.Second, "own message", func() bool { return len(c.Messages()) == 7 })
	if err := c.Send(context.Background(), strings.Repeat("x", 501), nil); err == nil {
		t.Fatal("a 501-character message was sent")
	}
}

func TestSessionRenewsWithoutGap(t *testing.T) {
	srv := chattest.New()
	defer srv.Close()
	srv.Session = 1500 * time.Millisecond
	c := &chat.Client{Endpoint: srv.WSURL(), Tokens: srv, Logger: quiet(), RenewBefore: time.Second / 2,
		Backoff: backoff.Backoff{Min: 10 * time.Millisecond, Max: 50 * time.Millisecond}}
	run(t, c)
	// Messages every 20 ms across two renewals: none may be missed.
	stop := time.Now().Add(2500 * time.Millisecond)
	n := 0
	for time.Now().Before(stop) {
		n++
		srv.Message(fmt.Sprintf("r%03d", n), "buyer", "hi")
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	st := c.Status()
	if st.Connects < 3 {
		t.Fatalf("%d connections in 2.5 s with 1.5 s sessions: no renewal", st.Connects)
	}
	got := c.Messages()
	// The first few may go out before the very first connection is up.
	first := 0
	fmt.Sscanf(got[0].ID, "r%d", &first)
	if first > 5 || len(got) != n-first+1 {
		t.Fatalf("%d of %d messages (first %s) over %d connections: a gap at renewal", len(got), n, got[0].ID, st.Connects)
	}
	if srv.Refused.Load() != 0 {
		t.Fatalf("%d token reuses", srv.Refused.Load())
	}
}

func TestExpiredSessionGets401AndReconnects(t *testing.T) {
	srv := chattest.New()
	defer srv.Close()
	srv.Session = 300 * time.Millisecond
	// RenewBefore larger than the session: renewal at once is capped to 1 s,
	// so the 401 at expiry comes first.
	c := &chat.Client{Endpoint: srv.WSURL(), Tokens: srv, Logger: quiet(), RenewBefore: time.Millisecond,
		Backoff: backoff.Backoff{Min: 10 * time.Millisecond, Max: 50 * time.Millisecond}}
	run(t, c)
	wait.For(t, 5*time.Second, "a reconnect after the 401", func() bool { return c.Status().Reconnects >= 1 && c.Status().Connected })
	if !strings.Contains(c.Status().LastError, "401") {
		t.Fatalf("last error %q, want the 401", c.Status().LastError)
	}
}

func TestUnreachableIsRetriedWithBackoff(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	srv := chattest.New() // tokens only
	defer srv.Close()
	var attempts []time.Time
	tokens := tokenFunc(func(ctx context.Context) (chat.Token, error) {
		attempts = append(attempts, time.Now())
		return srv.Token(ctx)
	})
	c := &chat.Client{Endpoint: "ws://" + addr, Tokens: tokens, Logger: quiet(),
		Backoff: backoff.Backoff{Min: 20 * time.Millisecond, Max: 200 * time.Millisecond}}
	ctx, cancel := context.WithTimeout(context.Background(), 900*time.Millisecond)
	defer cancel()
	c.Run(ctx)
	if len(attempts) < 4 || len(attempts) > 12 {
		t.Fatalf("%d attempts in 0.9 s", len(attempts))
	}
	first, last := attempts[1].Sub(attempts[0]), attempts[len(attempts)-1].Sub(attempts[len(attempts)-2])
	if last <= first {
		t.Fatalf("gaps did not grow: first %v, last %v", first, last)
	}
	if !strings.Contains(c.Status().LastError, "connect") {
		t.Fatalf("last error %q", c.Status().LastError)
	}
}

type tokenFunc func(context.Context) (chat.Token, error)

func (f tokenFunc) Token(ctx context.Context) (chat.Token, error) { return f(ctx) }

func TestURLTokens(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/bad" {
			w.Write([]byte(`{"nope":1}`))
			return
		}
		fmt.Fprintf(w, `{"token":"tok-url","sessionExpirationTime":"%s"}`, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	}))
	defer backend.Close()
	tok, err := (&chat.URLTokens{URL: backend.URL + "/token"}).Token(context.Background())
	if err != nil || tok.Value != "tok-url" || tok.SessionExpires.IsZero() {
		t.Fatalf("%+v %v", tok, err)
	}
	if _, err := (&chat.URLTokens{URL: backend.URL + "/bad"}).Token(context.Background()); err == nil {
		t.Fatal("a body without a token was accepted")
	}
}
