package uvcdev

import (
	"errors"
	"io"
)

// ErrPlugged is returned by Serve while another connection is live.
var ErrPlugged = errors.New("uvcdev: the camera is already connected")

// Serve runs the device on one USB/IP connection (the host's vhci-hcd at
// the other end) until it ends or Unplug closes it.
func (c *Camera) Serve(rw io.ReadWriteCloser) error {
	cn := newConn(rw)
	c.mu.Lock()
	if c.conn != nil {
		c.mu.Unlock()
		return ErrPlugged
	}
	c.conn = cn
	c.mu.Unlock()
	err := cn.serve(c)
	c.st.stop()
	_ = cn.close()
	c.mu.Lock()
	if c.conn == cn {
		c.conn = nil
	}
	c.mu.Unlock()
	return err
}

// Unplug pulls the cable: the connection closes and the host sees the
// device disconnect.
func (c *Camera) Unplug() error {
	c.mu.Lock()
	cn := c.conn
	c.mu.Unlock()
	if cn == nil {
		return nil
	}
	c.st.stop()
	return cn.close()
}

// Corrupt makes the next n frames corrupt: MJPEG frames truncated (no
// end of image), raw frames short.
func (c *Camera) Corrupt(n int) { c.st.corrupt.Add(int32(n)) }

// Stall stops (true) or resumes (false) sending frames; the connection
// and the host's transfers stay up, as with a camera whose sensor hangs.
func (c *Camera) Stall(on bool) { c.st.stalled.Store(on) }

// Frames counts the whole frames sent, CorruptSent the corrupt ones.
func (c *Camera) Frames() uint64 { return c.st.frames.Load() }

// CorruptSent counts the corrupt frames sent.
func (c *Camera) CorruptSent() uint64 { return c.st.bad.Load() }

// Streaming returns the mode and rate the host committed, ok false when
// it is not streaming.
func (c *Camera) Streaming() (m Mode, fps int, ok bool) {
	p := c.st.mode.Load()
	if p == nil {
		return Mode{}, 0, false
	}
	return *p, int(c.st.fps.Load()), true
}

// Prepare renders the pictures of every mode now rather than when the
// host first streams it (JPEG encoding is slow under emulation).
func (c *Camera) Prepare() {
	for _, m := range c.modes {
		c.st.pictures(m)
	}
}

// Modes returns the camera's mode table.
func (c *Camera) Modes() []Mode { return c.modes }
