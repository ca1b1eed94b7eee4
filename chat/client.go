package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/pitchbox/pitchbox/internal/backoff"
)

// Endpoint returns the IVS Chat messaging endpoint of an AWS region.
func Endpoint(region string) string { return "wss://edge.ivschat." + region + ".amazonaws.com" }

// Client keeps one room connection up and the recent messages in order.
type Client struct {
	// Endpoint is the messaging websocket URL (see Endpoint).
	Endpoint string
	Tokens   TokenSource
	// Backoff between failed connection attempts (default 0.5 s growing by
	// half to 30 s).
	Backoff backoff.Backoff
	// RenewBefore: a new connection, with a new token, is opened this long
	// before the session expires (default 2 minutes).
	RenewBefore time.Duration
	// RenewOverlap is how long the old connection stays open after the new
	// one is up (default 2 s): messages already on their way on it are
	// still read (and seen once: duplicates are dropped by id).
	RenewOverlap time.Duration
	// History is how many recent messages are kept (default 200).
	History int
	// OnChange is called (from the client's goroutines) when the messages
	// change; OnError when the server reports an error that is not handled
	// here (anything but 401 and 429).
	OnChange func()
	OnError  func(*Error)
	Logger   *slog.Logger

	mu        sync.Mutex
	cur       *conn
	messages  []Message
	seen      map[string]struct{}
	seenOrder []string
	slowUntil time.Time

	connects   atomic.Int64
	reconnects atomic.Int64
	lastErr    atomic.Pointer[string]
	reqID      atomic.Int64
}

type conn struct {
	ws      *websocket.Conn
	done    chan struct{}
	closing sync.Once
	err     error
}

// Status is the client's state for status displays.
type Status struct {
	Connected  bool   `json:"connected"`
	Connects   int64  `json:"connects"`
	Reconnects int64  `json:"reconnects"`
	LastError  string `json:"last_error,omitempty"`
	Messages   int    `json:"messages"`
}

// Status returns a snapshot.
func (c *Client) Status() Status {
	c.mu.Lock()
	st := Status{Connected: c.cur != nil, Messages: len(c.messages)}
	c.mu.Unlock()
	st.Connects, st.Reconnects = c.connects.Load(), c.reconnects.Load()
	if e := c.lastErr.Load(); e != nil {
		st.LastError = *e
	}
	return st
}

// Messages returns the recent messages, oldest first, deleted ones gone.
func (c *Client) Messages() []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Message(nil), c.messages...)
}

func (c *Client) log() *slog.Logger {
	if c.Logger == nil {
		return slog.Default()
	}
	return c.Logger
}

func (c *Client) setErr(err error) {
	s := err.Error()
	c.lastErr.Store(&s)
}

// Run connects and stays connected until ctx ends.
func (c *Client) Run(ctx context.Context) error {
	if c.Backoff.Min == 0 {
		c.Backoff = backoff.Backoff{Min: 500 * time.Millisecond, Max: 30 * time.Second, Factor: 1.5}
	}
	if c.RenewBefore == 0 {
		c.RenewBefore = 2 * time.Minute
	}
	if c.RenewOverlap == 0 {
		c.RenewOverlap = 2 * time.Second
	}
	c.mu.Lock()
	if c.seen == nil {
		c.seen = map[string]struct{}{}
	}
	c.mu.Unlock()
	defer c.swap(nil)
	for ctx.Err() == nil {
		cn, tok, err := c.dial(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			c.setErr(err)
			d := c.Backoff.Next()
			c.log().Warn("chat: cannot connect", "err", err, "retry_in", d.Round(time.Millisecond))
			if !sleep(ctx, d) {
				return nil
			}
			continue
		}
		c.connects.Add(1)
		prev := c.promote(cn) // the previous connection, if renewing
		up := time.Now()
		if !c.wait(ctx, cn, tok, up, prev) {
			return nil
		}
	}
	return nil
}

// wait holds the connection until it ends (then waits out the backoff) or
// its session is due for renewal; false means ctx ended. prev, the
// connection cn renews, is closed after RenewOverlap (or when wait
// returns, at the latest).
func (c *Client) wait(ctx context.Context, cn *conn, tok Token, up time.Time, prev *conn) bool {
	var renew, drain <-chan time.Time
	if !tok.SessionExpires.IsZero() {
		t := time.NewTimer(max(time.Until(tok.SessionExpires)-c.RenewBefore, time.Second))
		defer t.Stop()
		renew = t.C
	}
	if prev != nil {
		t := time.NewTimer(c.RenewOverlap)
		defer t.Stop()
		drain = t.C
		defer func() { prev.close() }()
	}
	for {
		select {
		case <-ctx.Done():
			return false
		case <-drain:
			prev.close()
			drain = nil
		case <-renew:
			c.log().Info("chat: renewing the session")
			return true
		case <-cn.done:
			c.reconnects.Add(1)
			if cn.err != nil {
				c.setErr(cn.err)
			}
			c.swap(nil)
			if time.Since(up) > 10*time.Second {
				c.Backoff.Reset()
			}
			return sleep(ctx, c.Backoff.Next())
		}
	}
}

// dial gets a fresh token and opens a connection with it as subprotocol
// (the server need not echo it).
func (c *Client) dial(ctx context.Context) (*conn, Token, error) {
	tok, err := c.Tokens.Token(ctx)
	if err != nil {
		return nil, Token{}, err
	}
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(dctx, c.Endpoint, &websocket.DialOptions{Subprotocols: []string{tok.Value}})
	if err != nil {
		if resp != nil {
			return nil, tok, fmt.Errorf("chat: connect: server answered %s", resp.Status)
		}
		return nil, tok, fmt.Errorf("chat: connect: %w", err)
	}
	ws.SetReadLimit(MaxFrame)
	cn := &conn{ws: ws, done: make(chan struct{})}
	go c.read(cn)
	return cn, tok, nil
}

// promote makes cn the connection requests go on and returns the previous
// one, still open, for the caller to close.
func (c *Client) promote(cn *conn) *conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.cur
	c.cur = cn
	if old == cn {
		return nil
	}
	return old
}

// swap makes cn the connection requests go on, closing the previous one.
func (c *Client) swap(cn *conn) {
	if old := c.promote(cn); old != nil {
		old.close()
	}
}

// close ends the connection cleanly and waits for its reader; once.
func (cn *conn) close() {
	cn.closing.Do(func() {
		cn.ws.Close(websocket.StatusNormalClosure, "")
		<-cn.done
	})
}

// read delivers frames until the connection ends.
func (c *Client) read(cn *conn) {
	defer close(cn.done)
	ctx := context.Background()
	for {
		_, data, err := cn.ws.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != websocket.StatusNormalClosure {
				cn.err = fmt.Errorf("chat: connection lost: %w", err)
			}
			return
		}
		f, err := ParseFrame(data)
		if err != nil {
			c.log().Warn("chat: ignoring a frame", "err", err)
			continue
		}
		if f.Error != nil && f.Error.Code == 401 {
			// The token or session expired: end this connection; Run
			// reconnects with a new token.
			cn.err = f.Error
			cn.ws.CloseNow()
			return
		}
		c.handle(f)
	}
}

// handle applies one frame to the history.
func (c *Client) handle(f Frame) {
	changed := false
	c.mu.Lock()
	switch {
	case f.Message != nil:
		if _, dup := c.seen[f.Message.ID]; !dup {
			c.remember(f.Message.ID)
			c.insert(*f.Message)
			changed = true
		}
	case f.Event != nil && f.Event.Name == "aws:DELETE_MESSAGE":
		id := f.Event.DeletedID()
		c.remember(id) // a late copy of it must not come back
		for i, m := range c.messages {
			if m.ID == id {
				c.messages = append(c.messages[:i], c.messages[i+1:]...)
				changed = true
				break
			}
		}
	case f.Error != nil && f.Error.Code == 429:
		c.slowUntil = time.Now().Add(time.Second)
	}
	c.mu.Unlock()
	if f.Error != nil && f.Error.Code != 429 {
		c.setErr(f.Error)
		if c.OnError != nil {
			c.OnError(f.Error)
		}
	}
	if changed && c.OnChange != nil {
		c.OnChange()
	}
}

// insert keeps messages in send-time order and bounded.
func (c *Client) insert(m Message) {
	i := sort.Search(len(c.messages), func(i int) bool { return c.messages[i].SendTime.After(m.SendTime) })
	c.messages = append(c.messages, Message{})
	copy(c.messages[i+1:], c.messages[i:])
	c.messages[i] = m
	limit := c.History
	if limit == 0 {
		limit = 200
	}
	if over := len(c.messages) - limit; over > 0 {
		c.messages = append(c.messages[:0], c.messages[over:]...)
	}
}

// remember records an id as seen, forgetting the oldest past 2048.
func (c *Client) remember(id string) {
	if _, ok := c.seen[id]; ok {
		return
	}
	c.seen[id] = struct{}{}
	c.seenOrder = append(c.seenOrder, id)
	if len(c.seenOrder) > 2048 {
		delete(c.seen, c.seenOrder[0])
		c.seenOrder = c.seenOrder[1:]
	}
}

// ErrNotConnected is returned by requests while there is no connection.
var ErrNotConnected = errors.New("chat: not connected")

func (c *Client) send(ctx context.Context, r sendRequest) error {
	c.mu.Lock()
	cn, slow := c.cur, time.Until(c.slowUntil)
	c.mu.Unlock()
	if cn == nil {
		return ErrNotConnected
	}
	if slow > 0 && !sleep(ctx, slow) {
		return ctx.Err()
	}
	r.RequestID = strconv.FormatInt(c.reqID.Add(1), 10)
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := cn.ws.Write(ctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("chat: send: %w", err)
	}
	return nil
}

// MaxContent is the room's default maximum message length in code points.
const MaxContent = 500

// Send posts a message to the room.
func (c *Client) Send(ctx context.Context, content string, attrs map[string]string) error {
	if n := len([]rune(content)); n == 0 || n > MaxContent {
		return fmt.Errorf("chat: message of %d characters (allowed: 1 to %d)", n, MaxContent)
	}
	return c.send(ctx, sendRequest{Action: "SEND_MESSAGE", Content: content, Attributes: attrs})
}

// Delete removes a message for everyone.
func (c *Client) Delete(ctx context.Context, id, reason string) error {
	return c.send(ctx, sendRequest{Action: "DELETE_MESSAGE", ID: id, Reason: reason})
}

// DisconnectUser disconnects a user from the room.
func (c *Client) DisconnectUser(ctx context.Context, userID, reason string) error {
	return c.send(ctx, sendRequest{Action: "DISCONNECT_USER", UserID: userID, Reason: reason})
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
