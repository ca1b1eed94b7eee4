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

// m2mCore is what the stateful encoder and decoder share: a
// memory-to-memory node, single- or multi-planar (one plane), its two
// queues of MMAP buffers, and scratch for the ioctls so that steady
// state allocates nothing.
type m2mCore struct {
	dev    *Device
	mplane bool
	outT   uint32
	capT   uint32
	out    []m2mBuf
	cap    []m2mBuf
	pfd    [1]unix.PollFd
	planes [1]Plane // scratch for multi-planar ioctls
	buf    Buffer   // scratch buffer for ioctls (no allocation per frame)
}

// M2M is a stateful memory-to-memory encoder on one V4L2 node, single- or
// multi-planar (one plane). It is used from one goroutine.
type M2M struct {
	m2mCore
	outFree  []uint32
	width    int
	height   int
	stride   int // OUTPUT luma bytes per line
	rows     int // OUTPUT luma rows in the buffer (height rounded up by the driver)
	coded    FourCC
	raw      FourCC
	on       bool
	stopped  bool
	out1     Coded // scratch for deliver
	sizeimg  int
	controls []CtrlValue
}

type m2mBuf struct {
	mem []byte
}

// IsEncoder reports whether the node is a memory-to-memory device
// whose CAPTURE side offers a coded format (coded) and OUTPUT side raw.
func IsEncoder(d *Device, coded FourCC) bool { return m2mCodes(d, coded, true) }

// m2mCodes reports whether d is a memory-to-memory node whose coded side
// (CAPTURE for an encoder, OUTPUT for a decoder) offers coded.
func m2mCodes(d *Device, coded FourCC, encoder bool) bool {
	var t uint32
	switch caps := d.Caps(); {
	case caps&CapVideoM2MMPlane != 0 && encoder:
		t = BufTypeVideoCaptureMPlane
	case caps&CapVideoM2MMPlane != 0:
		t = BufTypeVideoOutputMPlane
	case caps&CapVideoM2M != 0 && encoder:
		t = BufTypeVideoCapture
	case caps&CapVideoM2M != 0:
		t = BufTypeVideoOutput
	default:
		return false
	}
	for _, f := range d.Formats(t) {
		if f.PixelFormat == coded {
			return true
		}
	}
	return false
}

// m2mNodes lists the encoder (or decoder) nodes for one of the coded
// formats, found by capabilities and formats, never by number.
func m2mNodes(encoder bool, coded []FourCC) []M2MInfo {
	var out []M2MInfo
	for _, p := range nodes() {
		d, err := OpenDevice(p)
		if err != nil {
			continue
		}
		for _, c := range coded {
			if m2mCodes(d, c, encoder) {
				out = append(out, M2MInfo{Path: p, Card: d.Card(), Driver: d.Driver(), Coded: c,
					MPlane: d.Caps()&CapVideoM2MMPlane != 0})
				break
			}
		}
		d.Close()
	}
	return out
}

// OpenM2M sets up an encoder session: CAPTURE format, OUTPUT format (read
// back), frame rate, controls (read back), buffers on both queues, all
// CAPTURE buffers queued, both queues streaming.
func OpenM2M(cfg M2MConfig) (*M2M, error) {
	m := &M2M{coded: cfg.Coded, raw: cfg.Raw}
	if err := m.open(cfg.Path); err != nil {
		return nil, err
	}
	if err := m.setup(cfg); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// open opens a memory-to-memory node and picks its queue types.
func (m *m2mCore) open(path string) error {
	dev, err := OpenDevice(path)
	if err != nil {
		return err
	}
	m.dev = dev
	switch caps := dev.Caps(); {
	case caps&CapVideoM2MMPlane != 0:
		m.mplane, m.outT, m.capT = true, BufTypeVideoOutputMPlane, BufTypeVideoCaptureMPlane
	case caps&CapVideoM2M != 0:
		m.outT, m.capT = BufTypeVideoOutput, BufTypeVideoCapture
	default:
		dev.Close()
		return fmt.Errorf("v4l2: %s (%s) is not a memory-to-memory device", path, dev.Card())
	}
	return nil
}

func (m *m2mCore) setFormat(t uint32, f FourCC, w, h, bpl, size int) (*Format, error) {
	var fm Format
	fm.Type = t
	if m.mplane {
		p := fm.PixMP()
		p.Width, p.Height, p.PixelFormat, p.Field, p.NumPlanes = uint32(w), uint32(h), f, FieldNone, 1
		p.PlaneFmt[0].BytesPerLine, p.PlaneFmt[0].SizeImage = uint32(bpl), uint32(size)
	} else {
		p := fm.Pix()
		p.Width, p.Height, p.PixelFormat, p.Field = uint32(w), uint32(h), f, FieldNone
		p.BytesPerLine, p.SizeImage = uint32(bpl), uint32(size)
	}
	if err := m.dev.ioctl(VIDIOC_S_FMT, unsafe.Pointer(&fm)); err != nil {
		return nil, err
	}
	return &fm, nil
}

// formatOf returns width, height, pixel format, bytes per line and size of
// a format as the driver filled it.
func (m *m2mCore) formatOf(fm *Format) (w, h int, f FourCC, bpl, size int) {
	if m.mplane {
		p := fm.PixMP()
		return int(p.Width), int(p.Height), p.PixelFormat, int(p.PlaneFmt[0].BytesPerLine), int(p.PlaneFmt[0].SizeImage)
	}
	p := fm.Pix()
	return int(p.Width), int(p.Height), p.PixelFormat, int(p.BytesPerLine), int(p.SizeImage)
}

func (m *M2M) setup(cfg M2MConfig) error {
	d := m.dev
	// 1. CAPTURE (coded) format first: it decides what OUTPUT may be.
	fm, err := m.setFormat(m.capT, cfg.Coded, cfg.Width, cfg.Height, 0, cfg.CodedSize)
	if err != nil {
		return fmt.Errorf("v4l2: %s: set coded format %v: %w", d.path, cfg.Coded, err)
	}
	if _, _, f, _, _ := m.formatOf(fm); f != cfg.Coded {
		return fmt.Errorf("v4l2: %s: coded format %v refused (driver chose %v)", d.path, cfg.Coded, f)
	}
	// 2. OUTPUT (raw) format, read back: stride and buffer rows may grow.
	fm, err = m.setFormat(m.outT, cfg.Raw, cfg.Width, cfg.Height, cfg.BytesPerLine, 0)
	if err != nil {
		return fmt.Errorf("v4l2: %s: set raw format %v %dx%d: %w", d.path, cfg.Raw, cfg.Width, cfg.Height, err)
	}
	w, h, f, bpl, size := m.formatOf(fm)
	if f != cfg.Raw {
		return fmt.Errorf("v4l2: %s: raw format %v refused (driver chose %v)", d.path, cfg.Raw, f)
	}
	if w < cfg.Width || h < cfg.Height {
		return fmt.Errorf("v4l2: %s: driver shrank %dx%d to %dx%d", d.path, cfg.Width, cfg.Height, w, h)
	}
	m.width, m.height, m.stride, m.sizeimg = cfg.Width, cfg.Height, bpl, size
	if bpl <= 0 {
		return fmt.Errorf("v4l2: %s: driver reported no bytes per line", d.path)
	}
	// I420 in one plane: Y rows×stride, then U and V at half. The rows the
	// buffer holds may exceed the height (bcm2835: 1080 → 1088).
	m.rows = size * 2 / (3 * bpl)
	if m.rows < cfg.Height {
		m.rows = max(h, cfg.Height)
	}
	// The buffer may hold more rows than the picture (bcm2835: 1080 in
	// 1088): tell the encoder the visible rectangle so the stream is
	// cropped to it. Drivers without the selection API crop by the format.
	if h > cfg.Height || w > cfg.Width {
		sel := Selection{Type: BufTypeVideoOutput, Target: SelTgtCrop, R: Rect{Width: uint32(cfg.Width), Height: uint32(cfg.Height)}}
		if err := d.ioctl(VIDIOC_S_SELECTION, unsafe.Pointer(&sel)); err != nil && err != syscall.ENOTTY && err != syscall.EINVAL {
			return fmt.Errorf("v4l2: %s: crop to %dx%d: %w", d.path, cfg.Width, cfg.Height, err)
		}
	}
	return m.start(cfg)
}

// start sets the frame rate and controls, allocates and queues the
// buffers and turns both queues on: setup's second half.
func (m *M2M) start(cfg M2MConfig) error {
	d := m.dev
	var err error
	// 3. Frame rate on OUTPUT.
	var sp StreamParm
	sp.Type = m.outT
	sp.Capture().TimePerFrame = Fract{1, uint32(max(cfg.FPS, 1))}
	_ = d.ioctl(VIDIOC_S_PARM, unsafe.Pointer(&sp)) // optional for some drivers
	// 4. Controls, read back.
	for i := range cfg.Controls {
		c := &cfg.Controls[i]
		got, err := d.SetControl(c.ID, c.Value)
		if err != nil {
			return err
		}
		c.Got = got
	}
	m.controls = cfg.Controls
	// 5. Buffers on both queues.
	n := uint32(max(cfg.Buffers, 2))
	if cfg.Buffers == 0 {
		n = 4
	}
	if m.out, err = m.alloc(m.outT, n); err != nil {
		return err
	}
	if m.cap, err = m.alloc(m.capT, n); err != nil {
		return err
	}
	for i := range m.out {
		m.outFree = append(m.outFree, uint32(i))
	}
	for i := range m.cap {
		if err := m.queueCapture(uint32(i)); err != nil {
			return err
		}
	}
	// 6. Stream on both queues.
	for _, t := range []uint32{m.outT, m.capT} {
		tt := int32(t)
		if err := d.ioctl(VIDIOC_STREAMON, unsafe.Pointer(&tt)); err != nil {
			return fmt.Errorf("v4l2: %s: stream on: %w", d.path, err)
		}
	}
	m.on = true
	m.pfd[0] = unix.PollFd{Fd: int32(d.fd), Events: unix.POLLIN | unix.POLLOUT}
	return nil
}

// Controls returns the controls as the driver kept them.
func (m *M2M) Controls() []CtrlValue { return m.controls }

// Device returns the node.
func (m *M2M) Device() *Device { return m.dev }

// MPlane reports whether the node uses the multi-planar API.
func (m *M2M) MPlane() bool { return m.mplane }

// Stride returns the OUTPUT luma bytes per line and the rows per plane.
func (m *M2M) Stride() (bytesPerLine, rows int) { return m.stride, m.rows }

func (m *m2mCore) buffer(t, index uint32) *Buffer {
	m.buf = Buffer{Index: index, Type: t, Memory: MemoryMMAP}
	b := &m.buf
	if m.mplane {
		m.planes = [1]Plane{}
		b.M = uintptr(unsafe.Pointer(&m.planes[0]))
		b.Length = 1
	}
	return b
}

func (m *m2mCore) alloc(t, n uint32) ([]m2mBuf, error) {
	d := m.dev
	rb := RequestBuffers{Count: n, Type: t, Memory: MemoryMMAP}
	if err := d.ioctl(VIDIOC_REQBUFS, unsafe.Pointer(&rb)); err != nil {
		return nil, fmt.Errorf("v4l2: %s: request buffers: %w", d.path, err)
	}
	if rb.Count == 0 {
		return nil, fmt.Errorf("v4l2: %s: the driver gave no buffers", d.path)
	}
	bufs := make([]m2mBuf, rb.Count)
	for i := range bufs {
		b := m.buffer(t, uint32(i))
		err := d.ioctl(VIDIOC_QUERYBUF, unsafe.Pointer(b))
		runtime.KeepAlive(&m.planes)
		if err != nil {
			return nil, fmt.Errorf("v4l2: %s: query buffer: %w", d.path, err)
		}
		off, length := int64(uint32(b.M)), int(b.Length)
		if m.mplane {
			off, length = int64(uint32(m.planes[0].M)), int(m.planes[0].Length)
		}
		mem, err := unix.Mmap(d.fd, off, length, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
		if err != nil {
			return nil, fmt.Errorf("v4l2: %s: map buffer: %w", d.path, err)
		}
		bufs[i].mem = mem
	}
	return bufs, nil
}

func (m *m2mCore) queueCapture(i uint32) error {
	b := m.buffer(m.capT, i)
	if m.mplane {
		m.planes[0].Length = uint32(len(m.cap[i].mem))
	} else {
		b.Length = uint32(len(m.cap[i].mem))
	}
	err := m.dev.ioctl(VIDIOC_QBUF, unsafe.Pointer(b))
	runtime.KeepAlive(&m.planes)
	if err != nil {
		return fmt.Errorf("v4l2: %s: queue capture buffer: %w", m.dev.path, err)
	}
	return nil
}

// ErrStopped is returned by Queue after a drain until Start.
var ErrStopped = errors.New("v4l2: encoder is drained; Start it again")

// Queue copies f into a free OUTPUT buffer and queues it, stamped with
// f.PTS (the driver copies the stamp to the coded buffer). It waits up to
// timeout for a buffer to come back; deliver receives any coded buffers
// dequeued meanwhile.
func (m *M2M) Queue(f *frame.Frame, timeout time.Duration, deliver func(*Coded)) error {
	if m.stopped {
		return ErrStopped
	}
	deadline := time.Now().Add(timeout)
	for len(m.outFree) == 0 {
		if err := m.poll(time.Until(deadline), deliver); err != nil {
			return err
		}
		if len(m.outFree) == 0 && time.Now().After(deadline) {
			return fmt.Errorf("v4l2: %s: no OUTPUT buffer came back within %v", m.dev.path, timeout)
		}
	}
	i := m.outFree[len(m.outFree)-1]
	m.outFree = m.outFree[:len(m.outFree)-1]
	mem := m.out[i].mem
	if m.raw != FmtYU12 {
		return fmt.Errorf("v4l2: raw format %v not supported for input (YU12 only)", m.raw)
	}
	// I420 into the driver's layout: luma stride×rows, chroma at half.
	cs, crows := m.stride/2, m.rows/2
	for y := 0; y < f.Height; y++ {
		copy(mem[y*m.stride:y*m.stride+f.Width], f.Y[y*f.YStride:y*f.YStride+f.Width])
	}
	uOff, vOff := m.stride*m.rows, m.stride*m.rows+cs*crows
	for y := 0; y < f.Height/2; y++ {
		copy(mem[uOff+y*cs:uOff+y*cs+f.Width/2], f.U[y*f.CStride:y*f.CStride+f.Width/2])
		copy(mem[vOff+y*cs:vOff+y*cs+f.Width/2], f.V[y*f.CStride:y*f.CStride+f.Width/2])
	}
	used := uint32(min(m.sizeimg, len(mem)))
	b := m.buffer(m.outT, i)
	if m.mplane {
		m.planes[0].BytesUsed, m.planes[0].Length = used, uint32(len(mem))
	} else {
		b.BytesUsed, b.Length = used, uint32(len(mem))
	}
	b.Field = FieldNone
	us := int64(f.PTS / time.Microsecond)
	b.Timestamp = Timeval{Sec: int(us / 1e6), Usec: int(us % 1e6)}
	err := m.dev.ioctl(VIDIOC_QBUF, unsafe.Pointer(b))
	runtime.KeepAlive(&m.planes)
	if err != nil {
		m.outFree = append(m.outFree, i)
		return m.dev.wrap("queue picture", err)
	}
	return nil
}

// Poll waits up to timeout for the driver, then dequeues every finished
// buffer: OUTPUT buffers become free, coded buffers go to deliver and are
// queued again.
func (m *M2M) Poll(timeout time.Duration, deliver func(*Coded)) error {
	return m.poll(timeout, deliver)
}

func (m *M2M) poll(timeout time.Duration, deliver func(*Coded)) error {
	ms := int(timeout / time.Millisecond)
	if ms < 0 {
		ms = 0
	}
	n, err := unix.Poll(m.pfd[:], ms)
	if err != nil && err != syscall.EINTR {
		return m.dev.wrap("poll", err)
	}
	if n == 0 {
		return nil
	}
	if m.pfd[0].Revents&unix.POLLERR != 0 && m.stopped {
		return nil
	}
	return m.reap(deliver)
}

// reap dequeues whatever is ready on both queues without waiting.
func (m *M2M) reap(deliver func(*Coded)) error {
	for {
		b := m.buffer(m.outT, 0)
		err := m.dev.ioctl(VIDIOC_DQBUF, unsafe.Pointer(b))
		runtime.KeepAlive(&m.planes)
		if err != nil {
			if err == syscall.EAGAIN || err == syscall.EPIPE || err == syscall.EINVAL {
				break
			}
			return m.dev.wrap("dequeue picture", err)
		}
		m.outFree = append(m.outFree, b.Index)
	}
	for {
		b := m.buffer(m.capT, 0)
		err := m.dev.ioctl(VIDIOC_DQBUF, unsafe.Pointer(b))
		runtime.KeepAlive(&m.planes)
		if err != nil {
			if err == syscall.EAGAIN || err == syscall.EPIPE {
				return nil
			}
			return m.dev.wrap("dequeue coded", err)
		}
		used := b.BytesUsed
		if m.mplane {
			used = m.planes[0].BytesUsed
		}
		m.out1 = Coded{
			Data:      m.cap[b.Index].mem[:min(int(used), len(m.cap[b.Index].mem))],
			Timestamp: time.Duration(b.Timestamp.Sec)*time.Second + time.Duration(b.Timestamp.Usec)*time.Microsecond,
			Flags:     b.Flags,
			Sequence:  b.Sequence,
		}
		c := &m.out1
		last := c.Last()
		if c.Flags&BufFlagError == 0 && (len(c.Data) > 0 || last) {
			deliver(c)
		}
		if last {
			m.stopped = true
		}
		if err := m.queueCapture(b.Index); err != nil {
			return err
		}
		if last {
			return nil
		}
	}
}

// Drain stops the encoder (V4L2_ENC_CMD_STOP) and delivers every coded
// buffer up to the one flagged LAST. Queue fails until Start.
func (m *M2M) Drain(timeout time.Duration, deliver func(*Coded)) error {
	cmd := EncoderCmd{Cmd: EncCmdStop}
	if err := m.dev.ioctl(VIDIOC_ENCODER_CMD, unsafe.Pointer(&cmd)); err != nil {
		return m.dev.wrap("encoder stop", err)
	}
	deadline := time.Now().Add(timeout)
	for !m.stopped {
		if time.Now().After(deadline) {
			return fmt.Errorf("v4l2: %s: drain did not reach the LAST buffer within %v", m.dev.path, timeout)
		}
		if err := m.poll(50*time.Millisecond, deliver); err != nil {
			return err
		}
	}
	return nil
}

// Start resumes after a drain. It sends V4L2_ENC_CMD_START and restarts
// the CAPTURE queue (STREAMOFF, STREAMON, all buffers queued again), the
// two ways dev-encoder allows; the restart clears the queue's "last buffer
// dequeued" state, which some drivers (vicodec) leave set after START.
func (m *M2M) Start() error {
	cmd := EncoderCmd{Cmd: EncCmdStart}
	if err := m.dev.ioctl(VIDIOC_ENCODER_CMD, unsafe.Pointer(&cmd)); err != nil {
		return m.dev.wrap("encoder start", err)
	}
	t := int32(m.capT)
	if err := m.dev.ioctl(VIDIOC_STREAMOFF, unsafe.Pointer(&t)); err != nil {
		return m.dev.wrap("restart coded queue", err)
	}
	if err := m.dev.ioctl(VIDIOC_STREAMON, unsafe.Pointer(&t)); err != nil {
		return m.dev.wrap("restart coded queue", err)
	}
	for i := range m.cap {
		if err := m.queueCapture(uint32(i)); err != nil {
			return err
		}
	}
	m.stopped = false
	return nil
}

// SetControl sets a control while running and returns the value kept.
func (m *M2M) SetControl(id uint32, v int32) (int32, error) { return m.dev.SetControl(id, v) }

// Close stops both queues, unmaps and frees the buffers, and closes the
// node.
func (m *M2M) Close() error {
	m.on = false
	return m.close()
}

// close stops both queues, unmaps and frees the buffers, and closes the
// node.
func (m *m2mCore) close() error {
	for _, t := range []uint32{m.outT, m.capT} {
		tt := int32(t)
		_ = m.dev.ioctl(VIDIOC_STREAMOFF, unsafe.Pointer(&tt))
	}
	m.free(m.outT)
	m.free(m.capT)
	return m.dev.Close()
}

// free unmaps a queue's buffers and gives them back to the driver (the
// queue must be off).
func (m *m2mCore) free(t uint32) {
	bufs := &m.out
	if t == m.capT {
		bufs = &m.cap
	}
	for _, b := range *bufs {
		_ = unix.Munmap(b.mem)
	}
	*bufs = nil
	rb := RequestBuffers{Count: 0, Type: t, Memory: MemoryMMAP}
	_ = m.dev.ioctl(VIDIOC_REQBUFS, unsafe.Pointer(&rb))
}

// Encoders lists memory-to-memory nodes whose CAPTURE side offers one of
// the coded formats, found by capabilities and formats, never by number.
func Encoders(coded ...FourCC) []EncoderInfo { return m2mNodes(true, coded) }

// HasControl reports whether the encoder node has control id.
func (m *M2M) HasControl(id uint32) bool { return m.dev.HasControl(id) }
