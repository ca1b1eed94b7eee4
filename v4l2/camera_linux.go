package v4l2

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"unsafe"

	"github.com/blackjack/webcam"
	"golang.org/x/sys/unix"

	"github.com/pitchbox/pitchbox/frame"
)

// Camera captures from a V4L2 device. It implements frame.Source.
type Camera struct {
	path   string
	cam    *webcam.Webcam
	format FourCC
	width  int
	height int
	stride int
	fps    float32
	pool   *frame.Pool
	mjpeg  frame.MJPEGDecoder
	seq    uint64
}

// OpenCamera opens path and negotiates the best format at about
// width×height and fps. What the driver actually chose is read back and is
// what Size reports; frames come from a pool of poolSize frames.
func OpenCamera(path string, width, height, fps, poolSize int) (*Camera, error) {
	cam, err := webcam.Open(path)
	if err != nil {
		return nil, fmt.Errorf("v4l2: open %s: %w", path, err)
	}
	c := &Camera{path: path, cam: cam}
	if err := c.setup(width, height, fps, poolSize); err != nil {
		cam.Close()
		return nil, err
	}
	return c, nil
}

func (c *Camera) setup(width, height, fps, poolSize int) error {
	var offered []FourCC
	for f := range c.cam.GetSupportedFormats() {
		offered = append(offered, FourCC(f))
	}
	sort.Slice(offered, func(i, j int) bool { return offered[i] < offered[j] })
	f, err := Choose(offered)
	if err != nil {
		return fmt.Errorf("%s: %w", c.path, err)
	}
	if _, _, _, err := c.cam.SetImageFormat(webcam.PixelFormat(f), uint32(width), uint32(height)); err != nil {
		return fmt.Errorf("v4l2: %s: set format %v %dx%d: %w", c.path, f, width, height, err)
	}
	// webcam returns the size asked for; read back what the driver chose.
	pix, err := getFormat(c.path)
	if err != nil {
		return err
	}
	c.format = pix.PixelFormat
	c.width, c.height = int(pix.Width)&^1, int(pix.Height)&^1
	c.stride = int(pix.BytesPerLine)
	if c.stride == 0 {
		c.stride = int(pix.Width) * map[FourCC]int{FmtYUYV: 2}[c.format]
	}
	if err := c.cam.SetFramerate(float32(fps)); err == nil {
		c.fps, _ = c.cam.GetFramerate()
	}
	if err := c.cam.SetBufferCount(4); err != nil {
		return fmt.Errorf("v4l2: %s: %w", c.path, err)
	}
	c.pool, err = frame.NewPool(c.width, c.height, poolSize)
	if err != nil {
		return fmt.Errorf("v4l2: %s: %w", c.path, err)
	}
	if err := c.cam.StartStreaming(); err != nil {
		return fmt.Errorf("v4l2: %s: start streaming: %w", c.path, err)
	}
	return nil
}

// getFormat runs VIDIOC_G_FMT on its own descriptor of the device (the
// format is the device's, not the descriptor's).
func getFormat(path string) (*PixFormat, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("v4l2: open %s: %w", path, err)
	}
	defer unix.Close(fd)
	var f Format
	f.Type = BufTypeVideoCapture
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), VIDIOC_G_FMT, uintptr(unsafe.Pointer(&f))); e != 0 {
		return nil, fmt.Errorf("v4l2: %s: VIDIOC_G_FMT: %w", path, e)
	}
	p := *f.Pix()
	return &p, nil
}

// Size reports the frame size the driver chose.
func (c *Camera) Size() (width, height int) { return c.width, c.height }

// Describe implements frame.Source.
func (c *Camera) Describe() string {
	return fmt.Sprintf("%s %v %dx%d@%g", c.path, c.format, c.width, c.height, c.fps)
}

// Next implements frame.Source: it waits for the driver's next buffer,
// converts it into a pooled I420 frame and gives the buffer back.
func (c *Camera) Next(ctx context.Context) (*frame.Frame, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		err := c.cam.WaitForFrame(100)
		var timeout *webcam.Timeout
		if errors.As(err, &timeout) {
			continue
		}
		if err != nil {
			return nil, c.wrap(err)
		}
		buf, idx, err := c.cam.GetFrame()
		if err != nil {
			if errors.Is(err, syscall.EAGAIN) {
				continue
			}
			return nil, c.wrap(err)
		}
		pts := frame.Now()
		f := c.pool.Get()
		if f == nil {
			// Downstream holds every frame: drop this one.
			c.cam.ReleaseFrame(idx)
			c.seq++
			continue
		}
		err = c.convert(f, buf)
		c.cam.ReleaseFrame(idx)
		if err != nil {
			f.Release()
			// A corrupt frame (a USB hiccup) is skipped, not fatal.
			c.seq++
			continue
		}
		f.PTS, f.Seq = pts, c.seq
		c.seq++
		return f, nil
	}
}

func (c *Camera) convert(f *frame.Frame, buf []byte) error {
	switch c.format {
	case FmtYU12:
		return frame.FromI420(f, buf, c.stride)
	case FmtNV12:
		return frame.FromNV12(f, buf, c.stride)
	case FmtYUYV:
		return frame.FromYUYV(f, buf, c.stride)
	case FmtMJPEG, FmtJPEG:
		return c.mjpeg.Decode(f, buf)
	}
	return fmt.Errorf("v4l2: format %v not handled", c.format)
}

func (c *Camera) wrap(err error) error {
	if errors.Is(err, syscall.ENODEV) || errors.Is(err, syscall.EIO) || errors.Is(err, syscall.ENXIO) {
		return fmt.Errorf("v4l2: %s: %w (%v)", c.path, frame.ErrDeviceLost, err)
	}
	return fmt.Errorf("v4l2: %s: %w", c.path, err)
}

// Close implements frame.Source.
func (c *Camera) Close() error { return c.cam.Close() }

// Devices lists the video capture devices with their formats, sizes and
// frame rates. Memory-to-memory and output-only nodes are left out.
func Devices() ([]DeviceInfo, error) {
	paths, _ := filepath.Glob("/dev/video*")
	sort.Slice(paths, func(i, j int) bool { return devNum(paths[i]) < devNum(paths[j]) })
	var out []DeviceInfo
	for _, p := range paths {
		cam, err := webcam.Open(p)
		if err != nil {
			continue
		}
		d := DeviceInfo{Path: p}
		d.Name, _ = cam.GetName()
		d.Bus, _ = cam.GetBusInfo()
		formats := cam.GetSupportedFormats()
		codes := make([]webcam.PixelFormat, 0, len(formats))
		for f := range formats {
			codes = append(codes, f)
		}
		sort.Slice(codes, func(i, j int) bool { return codes[i] < codes[j] })
		for _, f := range codes {
			fi := FormatInfo{FourCC: FourCC(f), Description: formats[f]}
			for _, s := range cam.GetSupportedFrameSizes(f) {
				fs := FrameSize{Width: s.MinWidth, Height: s.MinHeight, MaxWidth: s.MaxWidth, MaxHeight: s.MaxHeight}
				for _, r := range cam.GetSupportedFramerates(f, s.MaxWidth, s.MaxHeight) {
					if r.MaxNumerator > 0 {
						fs.Rates = append(fs.Rates, float64(r.MaxDenominator)/float64(r.MaxNumerator))
					}
				}
				fi.Sizes = append(fi.Sizes, fs)
			}
			d.Formats = append(d.Formats, fi)
		}
		cam.Close()
		out = append(out, d)
	}
	return out, nil
}

// FirstCapture returns the first video capture device, or "" if none.
func FirstCapture() string {
	paths, _ := filepath.Glob("/dev/video*")
	sort.Slice(paths, func(i, j int) bool { return devNum(paths[i]) < devNum(paths[j]) })
	for _, p := range paths {
		cam, err := webcam.Open(p)
		if err != nil {
			continue
		}
		cam.Close()
		return p
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
