// Package chattest is an in-process IVS Chat server for tests: it issues
// single-use tokens, checks them in the websocket subprotocol, ends
// sessions at expiry with ERROR 401, broadcasts messages and events, and
// can drop every connection on demand.
package chattest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/pitchbox/pitchbox/chat"
)

// Server is the fake room.
type Server struct {
	*httptest.Server
	// Session is the session length of issued tokens.
	Session time.Duration

	mu     sync.Mutex
	tokens map[string]bool // token → used
	conns  map[*websocket.Conn]string
	order  []*websocket.Conn // every connection accepted, in order
	// joining counts websocket handshakes under way; a broadcast waits for
	// them (on joined), so that a connection gets every message sent after
	// its client saw the handshake complete.
	joining int
	joined  sync.Cond
	seq     atomic.Int64
	kicked  []string     // users disconnected by a moderator
	Dials   atomic.Int64 // connection attempts, accepted or not
	Refused atomic.Int64 // attempts with a bad or used token
}

// New starts a server on 127.0.0.1.
func New() *Server {
	s := &Server{Session: time.Hour, tokens: map[string]bool{}, conns: map[*websocket.Conn]string{}}
	s.joined.L = &s.mu
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// TokenURL is the URL of the fake seller backend that hands out tokens.
func (s *Server) TokenURL() string { return s.Server.URL + "/token" }

// WSURL is the websocket URL for the client.
func (s *Server) WSURL() string { return "ws" + strings.TrimPrefix(s.Server.URL, "http") }

// Token implements chat.TokenSource: a fresh token for Session.
func (s *Server) Token(ctx context.Context) (chat.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := fmt.Sprintf("tok-%d", s.seq.Add(1))
	s.tokens[v] = false
	return chat.Token{Value: v, SessionExpires: time.Now().Add(s.Session)}, nil
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/token" {
		// The seller's backend: {"token", "sessionExpirationTime"}.
		tok, _ := s.Token(r.Context())
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"token": tok.Value, "sessionExpirationTime": tok.SessionExpires.UTC()})
		return
	}
	ws, session := s.accept(w, r)
	if ws == nil {
		return
	}
	defer func() {
		s.mu.Lock()
		delete(s.conns, ws)
		s.mu.Unlock()
	}()
	// Session over: tell the client, as IVS does, and hang up.
	expire := time.AfterFunc(session, func() {
		s.write(ws, map[string]any{"Type": "ERROR", "Id": s.id(), "ErrorCode": 401, "ErrorMessage": "session expired"})
		ws.Close(websocket.StatusPolicyViolation, "session expired")
	})
	defer expire.Stop()
	for {
		_, data, err := ws.Read(context.Background())
		if err != nil {
			return
		}
		s.request(ws, data)
	}
}

// accept takes a WebSocket whose token (its subprotocol) is known and
// unused, and returns it with the session's length; nil when refused.
func (s *Server) accept(w http.ResponseWriter, r *http.Request) (*websocket.Conn, time.Duration) {
	s.Dials.Add(1)
	tok := r.Header.Get("Sec-WebSocket-Protocol")
	s.mu.Lock()
	used, known := s.tokens[tok]
	if known && !used {
		s.tokens[tok] = true
		s.joining++
	}
	session := s.Session
	s.mu.Unlock()
	if !known || used {
		s.Refused.Add(1)
		http.Error(w, "invalid or used token", http.StatusUnauthorized)
		return nil, 0
	}
	// IVS does not promise to echo the subprotocol; neither does this.
	ws, err := websocket.Accept(w, r, nil)
	s.mu.Lock()
	if err == nil {
		s.conns[ws] = tok
		s.order = append(s.order, ws)
	}
	s.joining--
	s.joined.Broadcast()
	s.mu.Unlock()
	if err != nil {
		return nil, 0
	}
	return ws, session
}

// request acts on one client request.
func (s *Server) request(ws *websocket.Conn, data []byte) {
	var req struct{ Action, RequestId, Content, Id, UserId, Reason string }
	if json.Unmarshal(data, &req) != nil {
		s.write(ws, map[string]any{"Type": "ERROR", "Id": s.id(), "ErrorCode": 400, "ErrorMessage": "bad request"})
		return
	}
	switch req.Action {
	case "SEND_MESSAGE":
		s.Message(s.id(), "seller", req.Content)
	case "DELETE_MESSAGE":
		s.Delete(req.Id, "MessageId")
	case "DISCONNECT_USER":
		s.mu.Lock()
		s.kicked = append(s.kicked, req.UserId)
		s.mu.Unlock()
		s.Broadcast(map[string]any{"Type": "EVENT", "Id": s.id(), "EventName": "aws:DISCONNECT_USER",
			"Attributes": map[string]string{"UserId": req.UserId, "Reason": req.Reason}, "SendTime": time.Now()})
	}
}

// Disconnected lists the users a client asked to disconnect, in order.
func (s *Server) Disconnected() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.kicked...)
}

func (s *Server) id() string { return fmt.Sprintf("id-%d", s.seq.Add(1)) }

func (s *Server) write(ws *websocket.Conn, v any) {
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = ws.Write(ctx, websocket.MessageText, b)
}

// Broadcast sends a frame to every connection, including any whose
// handshake is under way.
func (s *Server) Broadcast(v any) {
	s.mu.Lock()
	for s.joining > 0 {
		s.joined.Wait()
	}
	conns := make([]*websocket.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		s.write(c, v)
	}
}

// Message broadcasts a MESSAGE with id from user.
func (s *Server) Message(id, user, content string) {
	s.Broadcast(map[string]any{"Type": "MESSAGE", "Id": id, "Content": content, "SendTime": time.Now().UTC(),
		"Sender": map[string]any{"UserId": user}})
}

// ConnOpen reports whether the n-th connection (from 1, in the order
// they came) is still open.
func (s *Server) ConnOpen(n int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n < 1 || n > len(s.order) {
		return false
	}
	_, open := s.conns[s.order[n-1]]
	return open
}

// MessageTo sends a MESSAGE to the n-th connection accepted (from 1)
// alone, as a message on its way when a client renews would be; it
// reports whether that connection was still open.
func (s *Server) MessageTo(n int, id, user, content string) bool {
	s.mu.Lock()
	var ws *websocket.Conn
	if n >= 1 && n <= len(s.order) {
		ws = s.order[n-1]
	}
	_, open := s.conns[ws]
	s.mu.Unlock()
	if !open {
		return false
	}
	s.write(ws, map[string]any{"Type": "MESSAGE", "Id": id, "Content": content, "SendTime": time.Now().UTC(),
		"Sender": map[string]any{"UserId": user}})
	return true
}

// Delete broadcasts aws:DELETE_MESSAGE for id, naming the attribute key
// ("MessageId", or "MessageID" as older servers do).
func (s *Server) Delete(id, key string) {
	s.Broadcast(map[string]any{"Type": "EVENT", "Id": s.id(), "EventName": "aws:DELETE_MESSAGE",
		"Attributes": map[string]string{key: id, "Reason": "spam"}, "SendTime": time.Now()})
}

// DropAll closes every connection abruptly.
func (s *Server) DropAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.CloseNow()
	}
}

// Conns is how many clients are connected.
func (s *Server) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}
