// Package sdnotify tells systemd how the box is doing, over the
// sd_notify protocol written out here (a datagram of NAME=value lines to
// the unix socket named by $NOTIFY_SOCKET): READY=1 once frames flow,
// WATCHDOG=1 only while they keep flowing, STATUS= with the state in
// words, STOPPING=1 on shutdown. Without $NOTIFY_SOCKET (not under
// systemd, or not Type=notify) it does nothing.
package sdnotify

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// sendTimeout bounds a send: systemd reads its socket at once, and the
// box must never wait on it for long.
const sendTimeout = time.Second

// Conn is a connection to the service manager's notification socket. A
// nil *Conn is valid and sends nothing.
type Conn struct {
	c *net.UnixConn
}

// Open connects to the socket named by $NOTIFY_SOCKET. It returns nil
// (and no error) when the variable is unset.
func Open() (*Conn, error) { return Dial(os.Getenv("NOTIFY_SOCKET")) }

// Dial connects to the notification socket addr: a file path, or an
// abstract socket name starting with '@'. An empty addr gives nil.
func Dial(addr string) (*Conn, error) {
	if addr == "" {
		return nil, nil
	}
	if addr[0] != '/' && addr[0] != '@' {
		return nil, fmt.Errorf("sdnotify: NOTIFY_SOCKET %q is not supported (allowed: an absolute path or an abstract name starting with '@')", addr)
	}
	// The net package maps a leading '@' to the abstract namespace.
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		return nil, fmt.Errorf("sdnotify: %w", err)
	}
	return &Conn{c: c}, nil
}

// Send sends one notification: one or more NAME=value lines, such as
// "READY=1" or "WATCHDOG=1\nSTATUS=live".
func (c *Conn) Send(msg string) error {
	if c == nil {
		return nil
	}
	if err := c.c.SetWriteDeadline(time.Now().Add(sendTimeout)); err != nil {
		return fmt.Errorf("sdnotify: %w", err)
	}
	if _, err := c.c.Write([]byte(msg)); err != nil {
		return fmt.Errorf("sdnotify: %w", err)
	}
	return nil
}

// Close closes the connection.
func (c *Conn) Close() error {
	if c == nil {
		return nil
	}
	return c.c.Close()
}

// WatchdogTimeout is the watchdog's timeout systemd set for this process
// ($WATCHDOG_USEC, WatchdogSec= in the unit), or 0 when there is none or
// it is meant for another process ($WATCHDOG_PID).
func WatchdogTimeout() (time.Duration, error) {
	us := os.Getenv("WATCHDOG_USEC")
	if us == "" {
		return 0, nil
	}
	if pid := os.Getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0, nil
	}
	n, err := strconv.ParseUint(strings.TrimSpace(us), 10, 63)
	if err != nil || n == 0 {
		return 0, errors.New("sdnotify: WATCHDOG_USEC " + strconv.Quote(us) + " is not a positive number of microseconds")
	}
	return time.Duration(n) * time.Microsecond, nil
}
