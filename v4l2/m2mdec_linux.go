package v4l2

import (
	"errors"
	"fmt"
	"runtime"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/pitchbox/pitchbox/frame"
)

// M2MDecoder is a stateful memory-to-memory decoder (kernel doc
// dev-decoder) on one V4L2 node, single- or multi-planar (one plane):
// coded buffers in on OUTPUT; the driver parses the stream's header and
// raises a source change event, and the CAPTURE queue is then set up from
// the decoded format (again on each resolution change); pictures come out
// on CAPTURE with their coded buffer's timestamp. It is used from one
// goroutine.
type M2MDecoder struct {
	m2mCore
	cfg      M2MDecoderConfig
	outFree  []uint32
	capOn    bool // CAPTURE set up and streaming
	pending  bool // a source change waits for the LAST buffer
	draining bool
	stopped  bool // the LAST buffer of a drain came out
	changes  int
	pic      Decoded // scratch for deliver; the format part set by setupCapture
	ev       Event
	// Decode's state: the picture it waits for and where it goes.
	ts     time.Duration
	want   time.Duration
	got    bool
	dst    *frame.Frame
	derr   error
	syncFn func(*Decoded)
}

// ErrDecoderStopped is returned by Queue after a drain until Start.
var ErrDecoderStopped = errors.New("v4l2: decoder is drained; Start it again")

// ErrCorruptInput is returned by Decode when the driver flags the coded
// buffer or its picture as an error.
var ErrCorruptInput = errors.New("v4l2: the decoder could not decode the buffer")

// IsDecoder reports whether the node is a memory-to-memory device whose
// OUTPUT side takes the coded format.
func IsDecoder(d *Device, coded FourCC) bool { return m2mCodes(d, coded, false) }

// OpenM2MDecoder sets up a decoder session: OUTPUT format and buffers,
// the source change and end-of-stream events, OUTPUT streaming. CAPTURE
// is set up when the driver has parsed the first header.
func OpenM2MDecoder(cfg M2MDecoderConfig) (*M2MDecoder, error) {
	d := &M2MDecoder{cfg: cfg}
	if err := d.open(cfg.Path); err != nil {
		return nil, err
	}
	d.syncFn = d.deliverSync
	if err := d.setup(); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

func (d *M2MDecoder) setup() error {
	dev, cfg := d.dev, d.cfg
	if !IsDecoder(dev, cfg.Coded) {
		return fmt.Errorf("v4l2: %s (%s) does not decode %v", dev.path, dev.Card(), cfg.Coded)
	}
	fm, err := d.setFormat(d.outT, cfg.Coded, cfg.Width, cfg.Height, 0, cfg.CodedSize)
	if err != nil {
		return fmt.Errorf("v4l2: %s: set coded format %v: %w", dev.path, cfg.Coded, err)
	}
	if _, _, f, _, _ := d.formatOf(fm); f != cfg.Coded {
		return fmt.Errorf("v4l2: %s: coded format %v refused (driver chose %v)", dev.path, cfg.Coded, f)
	}
	for _, ev := range []uint32{EventSourceChange, EventEOS} {
		sub := EventSubscription{Type: ev}
		if err := dev.ioctl(VIDIOC_SUBSCRIBE_EVENT, unsafe.Pointer(&sub)); err != nil && ev == EventSourceChange {
			return fmt.Errorf("v4l2: %s: subscribe to source changes: %w", dev.path, err)
		}
	}
	if d.out, err = d.alloc(d.outT, d.buffers()); err != nil {
		return err
	}
	for i := range d.out {
		d.outFree = append(d.outFree, uint32(i))
	}
	t := int32(d.outT)
	if err := dev.ioctl(VIDIOC_STREAMON, unsafe.Pointer(&t)); err != nil {
		return fmt.Errorf("v4l2: %s: stream on: %w", dev.path, err)
	}
	d.pfd[0] = unix.PollFd{Fd: int32(dev.fd)}
	return nil
}

func (d *M2MDecoder) buffers() uint32 {
	if d.cfg.Buffers == 0 {
		return 4
	}
	return uint32(max(d.cfg.Buffers, 2))
}

// setupCapture reads the decoded format (YU12 or NV12 asked for when the
// driver offers something else), the visible rectangle, and allocates,
// queues and streams the CAPTURE buffers.
func (d *M2MDecoder) setupCapture() error {
	dev := d.dev
	var fm Format
	fm.Type = d.capT
	if err := dev.ioctl(VIDIOC_G_FMT, unsafe.Pointer(&fm)); err != nil {
		return fmt.Errorf("v4l2: %s: decoded format: %w", dev.path, err)
	}
	w, h, f, bpl, size := d.formatOf(&fm)
	for _, want := range []FourCC{FmtYU12, FmtNV12} {
		if f == FmtYU12 || f == FmtNV12 {
			break
		}
		if got, err := d.setFormat(d.capT, want, w, h, 0, 0); err == nil {
			w, h, f, bpl, size = d.formatOf(got)
		}
	}
	if f != FmtYU12 && f != FmtNV12 {
		return fmt.Errorf("v4l2: %s: decodes to %v, not YU12 or NV12", dev.path, f)
	}
	vw, vh := w, h
	sel := Selection{Type: BufTypeVideoCapture, Target: SelTgtCompose}
	if dev.ioctl(VIDIOC_G_SELECTION, unsafe.Pointer(&sel)) == nil && sel.R.Width > 0 && sel.R.Height > 0 {
		vw, vh = int(sel.R.Width), int(sel.R.Height)
	}
	rows := h
	if bpl > 0 && size*2/(3*bpl) > h {
		rows = size * 2 / (3 * bpl)
	}
	d.pic = Decoded{Format: f, Width: vw, Height: vh, Stride: bpl, Rows: rows}
	var err error
	if d.cap, err = d.alloc(d.capT, d.buffers()); err != nil {
		return err
	}
	for i := range d.cap {
		if err := d.queueCapture(uint32(i)); err != nil {
			return err
		}
	}
	t := int32(d.capT)
	if err := dev.ioctl(VIDIOC_STREAMON, unsafe.Pointer(&t)); err != nil {
		return fmt.Errorf("v4l2: %s: stream on decoded pictures: %w", dev.path, err)
	}
	d.capOn, d.pending = true, false
	d.changes++
	return nil
}

// reconfigure follows a resolution change: CAPTURE off, its buffers
// freed, and set up again from the new format.
func (d *M2MDecoder) reconfigure() error {
	t := int32(d.capT)
	if err := d.dev.ioctl(VIDIOC_STREAMOFF, unsafe.Pointer(&t)); err != nil {
		return d.dev.wrap("stop decoded pictures", err)
	}
	d.free(d.capT)
	d.capOn = false
	return d.setupCapture()
}

// Format returns the decoded pictures' visible size and pixel format
// (zero before the first source change).
func (d *M2MDecoder) Format() (width, height int, f FourCC) {
	return d.pic.Width, d.pic.Height, d.pic.Format
}

// SourceChanges counts the source changes handled (the first header
// included).
func (d *M2MDecoder) SourceChanges() int { return d.changes }

// Queue copies one coded buffer into a free OUTPUT buffer and queues it,
// stamped with ts (the driver copies the stamp to its picture). It waits
// up to timeout for a buffer to come back; deliver receives the pictures
// dequeued meanwhile (Flags may carry BufFlagError, with no data).
func (d *M2MDecoder) Queue(data []byte, ts, timeout time.Duration, deliver func(*Decoded)) error {
	if d.stopped {
		return ErrDecoderStopped
	}
	deadline := time.Now().Add(timeout)
	for len(d.outFree) == 0 {
		if err := d.poll(time.Until(deadline), deliver); err != nil {
			return err
		}
		if len(d.outFree) == 0 && time.Now().After(deadline) {
			return fmt.Errorf("v4l2: %s: no OUTPUT buffer came back within %v", d.dev.path, timeout)
		}
	}
	i := d.outFree[len(d.outFree)-1]
	mem := d.out[i].mem
	if len(data) > len(mem) {
		return fmt.Errorf("v4l2: %s: coded buffer of %d bytes, the driver's hold %d", d.dev.path, len(data), len(mem))
	}
	d.outFree = d.outFree[:len(d.outFree)-1]
	copy(mem, data)
	b := d.buffer(d.outT, i)
	if d.mplane {
		d.planes[0].BytesUsed, d.planes[0].Length = uint32(len(data)), uint32(len(mem))
	} else {
		b.BytesUsed, b.Length = uint32(len(data)), uint32(len(mem))
	}
	b.Field = FieldNone
	us := int64(ts / time.Microsecond)
	b.Timestamp = Timeval{Sec: int(us / 1e6), Usec: int(us % 1e6)}
	err := d.dev.ioctl(VIDIOC_QBUF, unsafe.Pointer(b))
	runtime.KeepAlive(&d.planes)
	if err != nil {
		d.outFree = append(d.outFree, i)
		return d.dev.wrap("queue coded buffer", err)
	}
	return nil
}

// Poll waits up to timeout for the driver, then handles events and
// dequeues every finished buffer: coded buffers become free, pictures go
// to deliver and are queued again.
func (d *M2MDecoder) Poll(timeout time.Duration, deliver func(*Decoded)) error {
	return d.poll(timeout, deliver)
}

func (d *M2MDecoder) poll(timeout time.Duration, deliver func(*Decoded)) error {
	d.pfd[0].Events = unix.POLLPRI
	if d.capOn {
		d.pfd[0].Events |= unix.POLLIN | unix.POLLOUT
	}
	n, err := unix.Poll(d.pfd[:], max(int(timeout/time.Millisecond), 0))
	if err != nil && err != syscall.EINTR {
		return d.dev.wrap("poll", err)
	}
	if n > 0 && d.pfd[0].Revents&unix.POLLPRI != 0 {
		if err := d.events(); err != nil {
			return err
		}
	}
	if err := d.reapOutput(); err != nil {
		return err
	}
	if !d.capOn {
		if n > 0 && d.pfd[0].Revents&unix.POLLPRI == 0 {
			time.Sleep(time.Millisecond) // only POLLERR: nothing to wait on yet
		}
		return nil
	}
	return d.reap(deliver)
}

// events dequeues pending events. The first source change sets CAPTURE
// up; a later one waits for the LAST picture of the old format.
func (d *M2MDecoder) events() error {
	for {
		if err := d.dev.ioctl(VIDIOC_DQEVENT, unsafe.Pointer(&d.ev)); err != nil {
			return nil // ENOENT: no more events
		}
		if d.ev.Type != EventSourceChange || d.ev.SrcChanges()&EventSrcChResolution == 0 {
			continue
		}
		if !d.capOn {
			if err := d.setupCapture(); err != nil {
				return err
			}
			continue
		}
		d.pending = true
	}
}

// reapOutput dequeues the coded buffers the driver is done with. One
// flagged as an error fails the Decode waiting for it.
func (d *M2MDecoder) reapOutput() error {
	for {
		b := d.buffer(d.outT, 0)
		err := d.dev.ioctl(VIDIOC_DQBUF, unsafe.Pointer(b))
		runtime.KeepAlive(&d.planes)
		if err != nil {
			if err == syscall.EAGAIN || err == syscall.EPIPE || err == syscall.EINVAL {
				return nil
			}
			return d.dev.wrap("dequeue coded buffer", err)
		}
		d.outFree = append(d.outFree, b.Index)
		if b.Flags&BufFlagError != 0 && d.dst != nil && stamp(b.Timestamp) == d.want {
			d.got, d.derr = true, ErrCorruptInput
		}
	}
}

func stamp(tv Timeval) time.Duration {
	return time.Duration(tv.Sec)*time.Second + time.Duration(tv.Usec)*time.Microsecond
}

// reap dequeues pictures. A LAST buffer ends a drain, or, after a source
// change, leads to the CAPTURE queue's reconfiguration.
func (d *M2MDecoder) reap(deliver func(*Decoded)) error {
	for d.capOn {
		b := d.buffer(d.capT, 0)
		err := d.dev.ioctl(VIDIOC_DQBUF, unsafe.Pointer(b))
		runtime.KeepAlive(&d.planes)
		if err == syscall.EAGAIN || (err == syscall.EPIPE && !d.pending) {
			return nil
		}
		if err == syscall.EPIPE {
			return d.reconfigure()
		}
		if err != nil {
			return d.dev.wrap("dequeue picture", err)
		}
		used := int(b.BytesUsed)
		if d.mplane {
			used = int(d.planes[0].BytesUsed)
		}
		p := &d.pic
		p.Data = d.cap[b.Index].mem[:min(used, len(d.cap[b.Index].mem))]
		p.Timestamp, p.Sequence, p.Flags = stamp(b.Timestamp), b.Sequence, b.Flags
		if p.Flags&BufFlagError != 0 || len(p.Data) > 0 {
			deliver(p)
		}
		p.Data = nil
		if p.Flags&BufFlagLast == 0 {
			if err := d.queueCapture(b.Index); err != nil {
				return err
			}
			continue
		}
		if d.draining {
			d.stopped = true
			return nil
		}
		_ = d.events() // the source change that came with LAST
		return d.reconfigure()
	}
	return nil
}

// Decode decodes one coded buffer synchronously: it queues data, waits
// for its picture and converts it into dst (I420 of the picture's size).
// A camera calls it once per frame; it allocates nothing in steady state.
func (d *M2MDecoder) Decode(dst *frame.Frame, data []byte) error {
	d.ts += time.Millisecond
	d.dst, d.want, d.got, d.derr = dst, d.ts, false, nil
	err := d.decode(data)
	d.dst = nil
	return err
}

func (d *M2MDecoder) decode(data []byte) error {
	if err := d.Queue(data, d.ts, time.Second, d.syncFn); err != nil {
		return err
	}
	deadline := time.Now().Add(2 * time.Second)
	for !d.got {
		if time.Now().After(deadline) {
			return fmt.Errorf("v4l2: %s: no picture within 2 s", d.dev.path)
		}
		if err := d.poll(100*time.Millisecond, d.syncFn); err != nil {
			return err
		}
	}
	return d.derr
}

// deliverSync converts the picture Decode waits for into its frame.
func (d *M2MDecoder) deliverSync(p *Decoded) {
	if d.dst == nil || p.Timestamp != d.want {
		return
	}
	d.got = true
	if p.Flags&BufFlagError != 0 {
		d.derr = ErrCorruptInput
		return
	}
	d.derr = p.To(d.dst)
}

// Drain stops the decoder (V4L2_DEC_CMD_STOP) and delivers every picture
// up to the one flagged LAST. Queue fails until Start.
func (d *M2MDecoder) Drain(timeout time.Duration, deliver func(*Decoded)) error {
	if !d.capOn {
		return nil // nothing was decoded: nothing to drain
	}
	cmd := DecoderCmd{Cmd: DecCmdStop}
	if err := d.dev.ioctl(VIDIOC_DECODER_CMD, unsafe.Pointer(&cmd)); err != nil {
		return d.dev.wrap("decoder stop", err)
	}
	d.draining = true
	deadline := time.Now().Add(timeout)
	for !d.stopped {
		if time.Now().After(deadline) {
			return fmt.Errorf("v4l2: %s: drain did not reach the LAST picture within %v", d.dev.path, timeout)
		}
		if err := d.poll(50*time.Millisecond, deliver); err != nil {
			return err
		}
	}
	return nil
}

// Start resumes after a drain: V4L2_DEC_CMD_START, then the CAPTURE
// queue restarted (STREAMOFF, STREAMON, every buffer queued again), the
// two ways dev-decoder allows; the restart clears the queue's "last
// buffer dequeued" state, which vicodec leaves set after START. Drivers
// may drop their reference pictures: the stream should go on with a
// keyframe.
func (d *M2MDecoder) Start() error {
	if !d.stopped {
		return nil
	}
	cmd := DecoderCmd{Cmd: DecCmdStart}
	if err := d.dev.ioctl(VIDIOC_DECODER_CMD, unsafe.Pointer(&cmd)); err != nil {
		return d.dev.wrap("decoder start", err)
	}
	t := int32(d.capT)
	if err := d.dev.ioctl(VIDIOC_STREAMOFF, unsafe.Pointer(&t)); err != nil {
		return d.dev.wrap("restart decoded pictures", err)
	}
	if err := d.dev.ioctl(VIDIOC_STREAMON, unsafe.Pointer(&t)); err != nil {
		return d.dev.wrap("restart decoded pictures", err)
	}
	for i := range d.cap {
		if err := d.queueCapture(uint32(i)); err != nil {
			return err
		}
	}
	d.stopped, d.draining = false, false
	return nil
}

// Close stops both queues, unmaps and frees the buffers, and closes the
// node.
func (d *M2MDecoder) Close() error { return d.close() }

// Decoders lists memory-to-memory nodes whose OUTPUT side takes one of
// the coded formats, found by capabilities and formats, never by number.
func Decoders(coded ...FourCC) []DecoderInfo { return m2mNodes(false, coded) }

// FindDecoder returns the first decoder node for the coded format, or "".
func FindDecoder(coded FourCC) string {
	if ds := Decoders(coded); len(ds) > 0 {
		return ds[0].Path
	}
	return ""
}
