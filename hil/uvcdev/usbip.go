// Package uvcdev is a USB webcam for the rig: the device side of a USB/IP
// connection (kernel Documentation/usb/usbip_protocol.rst) that presents a
// UVC 1.1 camera with a C920's mode table and a bulk streaming endpoint.
// Attached to the VM's vhci-hcd, it is driven by the kernel's own uvcvideo
// driver, which makes a real /dev/videoN of it. Switches let a test inject
// corrupt frames, stall the stream, unplug and replug the camera.
package uvcdev

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
)

// USB/IP commands (drivers/usb/usbip/usbip_common.h).
const (
	cmdSubmit = 1
	cmdUnlink = 2
	retSubmit = 3
	retUnlink = 4
	dirIn     = 1
	hdrSize   = 48
)

// Errno values the protocol carries, negated, in a status.
const (
	errPipe      = -32  // EPIPE: the endpoint stalled (an unknown request)
	errConnReset = -104 // ECONNRESET: the URB was unlinked
)

// header is a USB/IP header; all fields are big-endian on the wire.
type header struct {
	command, seqnum, devid, direction, ep uint32
	// CMD_SUBMIT: transfer_flags, transfer_buffer_length, start_frame,
	// number_of_packets, interval; CMD_UNLINK: u[0] is the seqnum to
	// unlink.
	u     [5]uint32
	setup [8]byte
}

func (h *header) decode(b []byte) {
	be := binary.BigEndian
	h.command, h.seqnum, h.devid = be.Uint32(b[0:]), be.Uint32(b[4:]), be.Uint32(b[8:])
	h.direction, h.ep = be.Uint32(b[12:]), be.Uint32(b[16:])
	for i := range h.u {
		h.u[i] = be.Uint32(b[20+4*i:])
	}
	copy(h.setup[:], b[40:48])
}

// urb is a CMD_SUBMIT the device has not answered yet.
type urb struct {
	seqnum uint32
	length int // transfer_buffer_length
}

// conn is one USB/IP connection: reads happen on Serve's goroutine,
// writes from it and from the streamer under mu, which also guards the
// bulk IN URBs waiting for data, so that an unlink and a reply never
// cross.
type conn struct {
	rw      io.ReadWriteCloser
	mu      sync.Mutex
	pending []urb // bulk IN URBs on the streaming endpoint, oldest first
	kick    chan struct{}
	out     []byte // reply scratch, under mu
	closed  bool
	// lastSubmit is the newest CMD_SUBMIT read; early maps the target
	// of an unlink that came before its submit to the unlink's seqnum.
	// Serve's goroutine alone uses them.
	lastSubmit uint32
	early      map[uint32]uint32
}

func newConn(rw io.ReadWriteCloser) *conn {
	return &conn{rw: rw, kick: make(chan struct{}, 1)}
}

// reply writes a RET_SUBMIT with the data of an IN transfer; actual is
// the length transferred (of an OUT transfer's data, or len(data)).
// Callers hold c.mu.
func (c *conn) reply(seqnum uint32, status int32, actual int, data []byte) error {
	n := hdrSize + len(data)
	if cap(c.out) < n {
		c.out = make([]byte, n, max(n, 64<<10))
	}
	b := c.out[:n]
	clear(b[:hdrSize])
	be := binary.BigEndian
	be.PutUint32(b[0:], retSubmit)
	be.PutUint32(b[4:], seqnum)
	be.PutUint32(b[20:], uint32(status))
	be.PutUint32(b[24:], uint32(actual))
	copy(b[hdrSize:], data)
	_, err := c.rw.Write(b)
	return err
}

// replyLocked is reply under c.mu.
func (c *conn) replyLocked(seqnum uint32, status int32, actual int, data []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reply(seqnum, status, actual, data)
}

// unlink answers CMD_UNLINK: a waiting bulk URB is dropped and reported
// as ECONNRESET; one already answered gets status 0.
//
// vhci can send the unlink of a URB before its submit (its sending
// thread sends waiting unlinks after submits, and a URB can be queued
// and killed between the two). Answering such an unlink at once with
// status 0 would let vhci give the URB back as done when the submit
// has gone out, and the device's later answer to the submit would then
// make vhci drop the whole device ("cannot find a urb of seqnum").
// So that unlink is answered when its submit arrives, as ECONNRESET,
// and the submit itself never is.
func (c *conn) unlink(h *header) error {
	target := h.u[0]
	c.mu.Lock()
	defer c.mu.Unlock()
	status := int32(0)
	for i, u := range c.pending {
		if u.seqnum == target {
			c.pending = append(c.pending[:i], c.pending[i+1:]...)
			status = errConnReset
			break
		}
	}
	if status == 0 && int32(target-c.lastSubmit) > 0 {
		if c.early == nil {
			c.early = map[uint32]uint32{}
		}
		c.early[target] = h.seqnum
		return nil
	}
	return c.retUnlink(h.seqnum, status)
}

// retUnlink writes a RET_UNLINK. Callers hold c.mu.
func (c *conn) retUnlink(seqnum uint32, status int32) error {
	var b [hdrSize]byte
	be := binary.BigEndian
	be.PutUint32(b[0:], retUnlink)
	be.PutUint32(b[4:], seqnum)
	be.PutUint32(b[20:], uint32(status))
	_, err := c.rw.Write(b[:])
	return err
}

// unlinkedEarly reports whether a submit's unlink came first, and if so
// answers that unlink: the submit is then dropped unanswered.
func (c *conn) unlinkedEarly(seqnum uint32) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastSubmit = seqnum
	u, ok := c.early[seqnum]
	if !ok {
		return false, nil
	}
	delete(c.early, seqnum)
	return true, c.retUnlink(u, errConnReset)
}

// queue keeps a bulk IN URB until the streamer has data for it.
func (c *conn) queue(u urb) {
	c.mu.Lock()
	c.pending = append(c.pending, u)
	c.mu.Unlock()
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// errStopped ends a send when streaming stopped.
var errStopped = errors.New("uvcdev: streaming stopped")

// send fills the oldest waiting bulk URB with fill's bytes, waiting for
// one until stop is closed. fill gets the URB's length and returns the
// payload.
func (c *conn) send(stop <-chan struct{}, fill func(n int) []byte) error {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return io.ErrClosedPipe
		}
		if len(c.pending) > 0 {
			u := c.pending[0]
			c.pending = append(c.pending[:0], c.pending[1:]...)
			d := fill(u.length)
			err := c.reply(u.seqnum, 0, len(d), d)
			c.mu.Unlock()
			return err
		}
		c.mu.Unlock()
		select {
		case <-c.kick:
		case <-stop:
			return errStopped
		}
	}
}

// close ends the connection (an unplugged cable).
func (c *conn) close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	select {
	case c.kick <- struct{}{}:
	default:
	}
	return c.rw.Close()
}

// serve reads commands until the connection ends: control transfers go
// to dev.control, bulk IN URBs on the streaming endpoint wait for data.
func (c *conn) serve(dev *Camera) error {
	var hb [hdrSize]byte
	var h header
	var data []byte
	for {
		if _, err := io.ReadFull(c.rw, hb[:]); err != nil {
			return err
		}
		h.decode(hb[:])
		switch h.command {
		case cmdUnlink:
			if err := c.unlink(&h); err != nil {
				return err
			}
			continue
		case cmdSubmit:
		default:
			return fmt.Errorf("uvcdev: unknown USB/IP command %#x", h.command)
		}
		length := int(h.u[1])
		if length > 16<<20 {
			return fmt.Errorf("uvcdev: transfer of %d bytes", length)
		}
		data = data[:0]
		if h.direction != dirIn && length > 0 {
			data = append(data, make([]byte, length)...)
			if _, err := io.ReadFull(c.rw, data); err != nil {
				return err
			}
		}
		if np := h.u[3]; np != 0 && np != 0xffffffff {
			// Isochronous descriptors: this device has no such endpoint.
			if _, err := io.CopyN(io.Discard, c.rw, int64(np)*16); err != nil {
				return err
			}
		}
		if early, err := c.unlinkedEarly(h.seqnum); early || err != nil {
			if err != nil {
				return err
			}
			continue
		}
		if err := c.submit(dev, &h, length, data); err != nil {
			return err
		}
	}
}

// submit handles one CMD_SUBMIT.
func (c *conn) submit(dev *Camera, h *header, length int, data []byte) error {
	switch {
	case h.ep == 0:
		status, in := dev.control(h.setup, data)
		if h.direction == dirIn && len(in) > length {
			in = in[:length]
		}
		actual := len(in)
		if h.direction != dirIn {
			in, actual = nil, len(data)
		}
		if status != 0 {
			in, actual = nil, 0
		}
		return c.replyLocked(h.seqnum, status, actual, in)
	case h.ep == streamEP&0x0f && h.direction == dirIn:
		c.queue(urb{seqnum: h.seqnum, length: length})
		return nil
	}
	return c.replyLocked(h.seqnum, errPipe, 0, nil)
}
