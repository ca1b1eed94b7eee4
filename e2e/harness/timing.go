package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// StartTimed starts nginx as Start does and also tells when the server
// came back: the time of the last connection to the RTMP port that was
// refused before one was accepted (the port is tried every 2 ms). The
// server was not listening yet at that moment and was a few milliseconds
// later, so times measured from it are at most that much too long.
func (n *Nginx) StartTimed() (time.Time, error) {
	addr := fmt.Sprintf("127.0.0.1:%d", n.RTMPPort)
	started := make(chan error, 1)
	refused := time.Now()
	go func() { started <- n.Start() }()
	for {
		at := time.Now()
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		refused = at
		select {
		case err := <-started:
			if err != nil {
				return time.Time{}, err
			}
			started <- nil // listening: the next dial succeeds
		case <-time.After(2 * time.Millisecond):
		}
	}
	if err := <-started; err != nil {
		return time.Time{}, err
	}
	return refused, nil
}

// APIStatus fetches GET /api/status from the box's control socket
// directly: no CLI process per call, so it can be polled every few
// milliseconds.
func (b *Box) APIStatus() (map[string]any, error) {
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", b.Socket)
		},
	}}
	defer c.CloseIdleConnections()
	resp, err := c.Get("http://pitchbox/api/status")
	if err != nil {
		return nil, fmt.Errorf("harness: status: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("harness: status: %s %v: %s", resp.Status, err, body)
	}
	var m map[string]any
	return m, json.Unmarshal(body, &m)
}
