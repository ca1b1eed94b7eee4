package v4l2

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/pitchbox/pitchbox/frame"
	"github.com/pitchbox/pitchbox/frame/fastconv"
)

// CameraBuffers is how many buffers capture asks the driver for.
const CameraBuffers = 4

// Camera captures from a V4L2 device through the kernel's streaming (MMAP)
// API. It implements frame.Source.
type Camera struct {
	dev    *Device
	format FourCC
	width  int
	height int
	stride int
	fps    float64
	bufs   [][]byte
	pool   *frame.Pool
	jpeg   jpegDecoder // for MJPEG modes
	why    string      // why this mode was chosen
	stall  stallWatch
	// corrupt counts frames dropped because they could not be decoded
	// (USB errors truncate or garble MJPEG frames); read by Corrupt.
	corrupt atomic.Uint64
	pfd     [1]unix.PollFd
	offset  time.Duration // CLOCK_MONOTONIC − pipeline clock
	on      bool
}

// OpenCamera opens path and negotiates the best format at about
// width×height and fps. What the driver actually chose is read back and is
// what Size reports; frames come from a pool of poolSize frames.
func OpenCamera(path string, width, height, fps, poolSize int) (*Camera, error) {
	return OpenCameraConfig(CameraConfig{Path: path, Width: width, Height: height, FPS: fps, PoolSize: poolSize})
}

// OpenCameraConfig opens a camera as cfg says.
func OpenCameraConfig(cfg CameraConfig) (*Camera, error) {
	dev, err := OpenDevice(cfg.Path)
	if err != nil {
		return nil, err
	}
	if dev.Caps()&CapVideoCapture == 0 || dev.Caps()&CapStreaming == 0 {
		dev.Close()
		return nil, fmt.Errorf("v4l2: %s (%s) is not a streaming video capture device", cfg.Path, dev.Card())
	}
	c := &Camera{dev: dev}
	if err := c.setup(cfg); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *Camera) setup(cfg CameraConfig) error {
	d := c.dev
	mode, why, err := ChooseMode(d.FormatInfos(), Want{Width: cfg.Width, Height: cfg.Height, FPS: cfg.FPS, Format: cfg.Format})
	if err != nil {
		return fmt.Errorf("%s: %w", d.path, err)
	}
	c.why = why
	if err := c.setFormat(mode, cfg.Format); err != nil {
		return err
	}
	if c.format == FmtMJPEG || c.format == FmtJPEG {
		if c.jpeg, err = newJPEGDecoder(cfg.Decoder, c.width, c.height); err != nil {
			return fmt.Errorf("v4l2: %s: %w", d.path, err)
		}
	}
	var sp StreamParm
	sp.Type = BufTypeVideoCapture
	cp := sp.Capture()
	cp.TimePerFrame = Fract{1, uint32(max(min(float64(cfg.FPS), mode.FPS), 1) + 0.5)}
	if err := d.ioctl(VIDIOC_S_PARM, unsafe.Pointer(&sp)); err == nil && cp.TimePerFrame.Numerator > 0 {
		c.fps = float64(cp.TimePerFrame.Denominator) / float64(cp.TimePerFrame.Numerator)
	}
	return c.startStreaming(cfg)
}

// setFormat sets the chosen mode's format and size and reads back what
// the driver chose (it may differ from the request).
func (c *Camera) setFormat(mode Mode, forced FourCC) error {
	d := c.dev
	var fm Format
	fm.Type = BufTypeVideoCapture
	pix := fm.Pix()
	pix.Width, pix.Height, pix.PixelFormat, pix.Field = uint32(mode.Width), uint32(mode.Height), mode.FourCC, FieldNone
	if err := d.ioctl(VIDIOC_S_FMT, unsafe.Pointer(&fm)); err != nil {
		return fmt.Errorf("v4l2: %s: set format %v: %w", d.path, mode, err)
	}
	c.format = pix.PixelFormat
	c.width, c.height = int(pix.Width)&^1, int(pix.Height)&^1
	c.stride = int(pix.BytesPerLine)
	if c.stride == 0 {
		c.stride = int(pix.Width)
		if c.format == FmtYUYV {
			c.stride *= 2
		}
	}
	if forced != 0 && c.format != forced {
		return fmt.Errorf("v4l2: %s: asked for %v, the driver chose %v", d.path, forced, c.format)
	}
	return nil
}

// startStreaming maps and queues the buffers, makes the frame pool and
// turns the stream on.
func (c *Camera) startStreaming(cfg CameraConfig) error {
	d := c.dev
	rb := RequestBuffers{Count: CameraBuffers, Type: BufTypeVideoCapture, Memory: MemoryMMAP}
	if err := d.ioctl(VIDIOC_REQBUFS, unsafe.Pointer(&rb)); err != nil {
		return fmt.Errorf("v4l2: %s: request buffers: %w", d.path, err)
	}
	if rb.Count < 2 {
		return fmt.Errorf("v4l2: %s: the driver gave %d buffers, need at least 2", d.path, rb.Count)
	}
	for i := uint32(0); i < rb.Count; i++ {
		b := Buffer{Index: i, Type: BufTypeVideoCapture, Memory: MemoryMMAP}
		if err := d.ioctl(VIDIOC_QUERYBUF, unsafe.Pointer(&b)); err != nil {
			return fmt.Errorf("v4l2: %s: query buffer %d: %w", d.path, i, err)
		}
		m, err := unix.Mmap(d.fd, int64(uint32(b.M)), int(b.Length), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
		if err != nil {
			return fmt.Errorf("v4l2: %s: map buffer %d: %w", d.path, i, err)
		}
		c.bufs = append(c.bufs, m)
		if err := d.ioctl(VIDIOC_QBUF, unsafe.Pointer(&b)); err != nil {
			return fmt.Errorf("v4l2: %s: queue buffer %d: %w", d.path, i, err)
		}
	}
	var err error
	if c.pool, err = frame.NewPool(c.width, c.height, max(cfg.PoolSize, 2)); err != nil {
		return fmt.Errorf("v4l2: %s: %w", d.path, err)
	}
	t := int32(BufTypeVideoCapture)
	if err := d.ioctl(VIDIOC_STREAMON, unsafe.Pointer(&t)); err != nil {
		return fmt.Errorf("v4l2: %s: stream on: %w", d.path, err)
	}
	c.on = true
	c.stall.start(time.Now)
	c.pfd[0] = unix.PollFd{Fd: int32(d.fd), Events: unix.POLLIN}
	c.offset = time.Duration(monoNow()) - frame.Now()
	return nil
}

// Why says what was asked of the camera, which mode was chosen and why.
func (c *Camera) Why() string { return c.why }

// Size reports the frame size the driver chose.
func (c *Camera) Size() (width, height int) { return c.width, c.height }

// Format reports the pixel format the driver chose.
func (c *Camera) Format() FourCC { return c.format }

// FPS reports the frame rate the driver accepted (0 if it has no S_PARM).
func (c *Camera) FPS() float64 { return c.fps }

// Describe implements frame.Source.
func (c *Camera) Describe() string {
	return fmt.Sprintf("%s (%s) %v %dx%d@%g", c.dev.path, c.dev.Card(), c.format, c.width, c.height, c.fps)
}

// Next implements frame.Source: it waits for the driver's next buffer,
// converts it into a pooled I420 frame stamped with the buffer's capture
// time, and queues the buffer again.
func (c *Camera) Next(ctx context.Context) (*frame.Frame, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if stalled, d := c.stall.stalled(); stalled {
			return nil, fmt.Errorf("v4l2: %s: %w (nothing usable for %v)", c.dev.path, ErrStalled, d.Round(time.Millisecond))
		}
		n, err := unix.Poll(c.pfd[:], 100)
		if err != nil && err != syscall.EINTR {
			return nil, c.dev.wrap("poll", err)
		}
		if n == 0 || err == syscall.EINTR {
			continue
		}
		if c.pfd[0].Revents&(unix.POLLERR|unix.POLLHUP|unix.POLLNVAL) != 0 && c.pfd[0].Revents&unix.POLLIN == 0 {
			return nil, c.dev.wrap("poll", syscall.ENODEV)
		}
		b := Buffer{Type: BufTypeVideoCapture, Memory: MemoryMMAP}
		if err := c.dev.ioctl(VIDIOC_DQBUF, unsafe.Pointer(&b)); err != nil {
			if err == syscall.EAGAIN {
				continue
			}
			return nil, c.dev.wrap("dequeue", err)
		}
		f := c.fill(&b)
		if err := c.dev.ioctl(VIDIOC_QBUF, unsafe.Pointer(&b)); err != nil {
			if f != nil {
				f.Release()
			}
			return nil, c.dev.wrap("queue", err)
		}
		if f != nil {
			c.stall.good()
			return f, nil
		}
	}
}

// Corrupt counts the frames dropped because they could not be decoded.
func (c *Camera) Corrupt() uint64 { return c.corrupt.Load() }

// fill converts a dequeued buffer; nil means the frame is dropped (a
// corrupt buffer, or every pooled frame in use downstream).
func (c *Camera) fill(b *Buffer) *frame.Frame {
	if b.Flags&BufFlagError != 0 || int(b.Index) >= len(c.bufs) {
		c.corrupt.Add(1)
		return nil
	}
	f := c.pool.Get()
	if f == nil {
		c.stall.good() // the camera delivers; the pipeline is behind
		return nil
	}
	data := c.bufs[b.Index][:min(int(b.BytesUsed), len(c.bufs[b.Index]))]
	var err error
	switch c.format {
	case FmtYU12:
		err = frame.FromI420(f, data, c.stride)
	case FmtNV12:
		err = frame.FromNV12(f, data, c.stride)
	case FmtYUYV:
		err = fastconv.FromYUYV(f, data, c.stride)
	case FmtMJPEG, FmtJPEG:
		err = c.jpeg.Decode(f, data)
	default:
		err = errors.New("unhandled format")
	}
	if err != nil {
		c.corrupt.Add(1)
		f.Release()
		return nil
	}
	f.Seq = uint64(b.Sequence)
	ts := time.Duration(b.Timestamp.Sec)*time.Second + time.Duration(b.Timestamp.Usec)*time.Microsecond
	if b.Flags&BufFlagTimestampMonotonic != 0 && ts > 0 {
		f.PTS = ts - c.offset
	} else {
		f.PTS = frame.Now()
	}
	return f
}

// Close implements frame.Source: STREAMOFF, unmap, REQBUFS 0, close. It
// also works on a device that has gone away.
func (c *Camera) Close() error {
	if c.on {
		t := int32(BufTypeVideoCapture)
		_ = c.dev.ioctl(VIDIOC_STREAMOFF, unsafe.Pointer(&t))
		c.on = false
	}
	for _, m := range c.bufs {
		_ = unix.Munmap(m)
	}
	c.bufs = nil
	rb := RequestBuffers{Count: 0, Type: BufTypeVideoCapture, Memory: MemoryMMAP}
	_ = c.dev.ioctl(VIDIOC_REQBUFS, unsafe.Pointer(&rb))
	if c.jpeg != nil {
		c.jpeg.Close()
		c.jpeg = nil
	}
	return c.dev.Close()
}

// nodes lists /dev/video* in numeric order.
func nodes() []string {
	paths, _ := filepath.Glob("/dev/video*")
	sort.Slice(paths, func(i, j int) bool { return devNum(paths[i]) < devNum(paths[j]) })
	return paths
}

// Devices lists the video capture devices with their formats, sizes and
// frame rates. Memory-to-memory and output-only nodes are left out.
func Devices() ([]DeviceInfo, error) {
	var out []DeviceInfo
	for _, p := range nodes() {
		d, err := OpenDevice(p)
		if err != nil {
			continue
		}
		if d.Caps()&CapVideoCapture == 0 {
			d.Close()
			continue
		}
		info := DeviceInfo{Path: p, Name: d.Card(), Bus: d.BusInfo(), Formats: d.FormatInfos()}
		d.Close()
		out = append(out, info)
	}
	return out, nil
}

// FirstCapture returns the first video capture device, or "" if none.
func FirstCapture() string {
	for _, p := range nodes() {
		d, err := OpenDevice(p)
		if err != nil {
			continue
		}
		ok := d.Caps()&CapVideoCapture != 0 && d.Caps()&CapStreaming != 0
		d.Close()
		if ok {
			return p
		}
	}
	return ""
}

func devNum(p string) int {
	n := 0
	for _, r := range strings.TrimPrefix(p, "/dev/video") {
		if r < '0' || r > '9' {
			return 1 << 30
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// Controls lists the camera's controls (exposure, focus, white balance …).
func (c *Camera) Controls() ([]ControlInfo, error) { return c.dev.Controls() }

// SetControl sets one of the camera's controls and returns what the driver
// kept.
func (c *Camera) SetControl(id uint32, v int32) (int32, error) { return c.dev.SetControl(id, v) }
