package chat_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
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
	}
	wait.For(t, 5*time.Second, "five messages", func() bool { return len(c.Messages()) == 5 })
	srv.DropAll()
	wait.For(t, 5*time.Second, "reconnection", func() bool { return c.Status().Connects == 2 && srv.Conns() == 1 })
	// The server repeats the last ones after the reconnect.
	for i := 4; i <= 8; i++ {
		srv.Message(fmt.Sprintf("m%d", i), "buyer", fmt.Sprintf("hello %d", i))
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

// TestSessionRenewsWithoutGap renews the session twice. Each renewal must
// make the new connection before closing the old: the room sends a
// message while the client fetches the token for its next connection, and
// the test holds the client there until that message has arrived (it can
// only come on the old connection). Messages sent before and after each
// renewal arrive too, each once, in order.
func TestSessionRenewsWithoutGap(t *testing.T) {
	srv := chattest.New()
	defer srv.Close()
	srv.Session = 1500 * time.Millisecond
	renewing := make(chan string) // sent during a renewal's token request
	resume := make(chan struct{})
	calls := 0 // token requests, all on the client's goroutine
	tokens := tokenFunc(func(ctx context.Context) (chat.Token, error) {
		calls++
		if calls > 1 {
			id := fmt.Sprintf("renewal%d", calls-1)
			srv.Message(id, "buyer", "sent while the next connection is being made")
			select {
			case renewing <- id:
			case <-ctx.Done():
				return chat.Token{}, ctx.Err()
			}
			select {
			case <-resume:
			case <-ctx.Done():
				return chat.Token{}, ctx.Err()
			}
		}
		return srv.Token(ctx)
	})
	c := &chat.Client{Endpoint: srv.WSURL(), Tokens: tokens, Logger: quiet(), RenewBefore: time.Second / 2,
		Backoff: backoff.Backoff{Min: 10 * time.Millisecond, Max: 50 * time.Millisecond}}
	run(t, c)
	wait.For(t, 5*time.Second, "connection", func() bool { return srv.Conns() == 1 })
	has := func(id string) bool {
		return slices.ContainsFunc(c.Messages(), func(m chat.Message) bool { return m.ID == id })
	}
	var want []string
	send := func(id string) {
		t.Helper()
		srv.Message(id, "buyer", "hi")
		want = append(want, id)
		wait.For(t, 5*time.Second, "message "+id, func() bool { return has(id) })
	}
	send("first")
	for i := 1; i <= 2; i++ {
		var id string
		select { // renewal comes 1 s into each 1.5 s session
		case id = <-renewing:
		case <-time.After(10 * time.Second):
			t.Fatalf("no renewal %d within 10 s with 1.5 s sessions", i)
		}
		want = append(want, id)
		wait.For(t, 5*time.Second, id+", sent while the client fetched its next token (on the old connection, which must still be up)", func() bool { return has(id) })
		resume <- struct{}{}
		wait.For(t, 5*time.Second, fmt.Sprintf("connection %d", i+1), func() bool { return c.Status().Connects == int64(i+1) })
		send(fmt.Sprintf("after%d", i))
	}
	st := c.Status()
	if got := ids(c.Messages()); got != strings.Join(want, ",") {
		t.Fatalf("messages %s, want %s", got, strings.Join(want, ","))
	}
	if st.Reconnects != 0 {
		t.Fatalf("%d reconnects (last error %q): a session ran out instead of being renewed", st.Reconnects, st.LastError)
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

// TestRenewalKeepsTheOldConnectionAWhile: after a renewal the old
// connection stays open for RenewOverlap, so a message the server sent on
// it (on its way when the new one came up) still arrives, once.
func TestRenewalKeepsTheOldConnectionAWhile(t *testing.T) {
	srv := chattest.New()
	defer srv.Close()
	srv.Session = 2 * time.Second
	c := &chat.Client{Endpoint: srv.WSURL(), Tokens: srv, Logger: quiet(), RenewBefore: time.Second,
		RenewOverlap: 5 * time.Second, Backoff: backoff.Backoff{Min: 10 * time.Millisecond, Max: 50 * time.Millisecond}}
	run(t, c)
	wait.For(t, 10*time.Second, "the renewal", func() bool { return c.Status().Connects == 2 })
	if !srv.MessageTo(1, "late", "buyer", "on the old connection") {
		t.Fatal("the old connection was closed as soon as the new one was up")
	}
	srv.Message("both", "buyer", "on both connections")
	wait.For(t, 5*time.Second, "both messages", func() bool { return len(c.Messages()) == 2 })
	if got := ids(c.Messages()); got != "late,both" {
		t.Fatalf("messages %s, want late,both (each once)", got)
	}
	// The first connection (renewals go on every second here, each with
	// its own overlap, so counting all connections would not settle).
	wait.For(t, 15*time.Second, "the old connection closed after the overlap", func() bool { return !srv.ConnOpen(1) })
}
