package v4l2

import (
	"errors"
	"fmt"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/pitchbox/pitchbox/frame"
)

// Device is an open V4L2 node.
type Device struct {
	fd   int
	path string
	cap  Capability
}

// OpenDevice opens a V4L2 node (non-blocking) and reads its capabilities.
func OpenDevice(path string) (*Device, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("v4l2: open %s: %w", path, err)
	}
	d := &Device{fd: fd, path: path}
	if err := d.ioctl(VIDIOC_QUERYCAP, unsafe.Pointer(&d.cap)); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("v4l2: %s is not a V4L2 device: %w", path, err)
	}
	return d, nil
}

// Path returns the node's path.
func (d *Device) Path() string { return d.path }

// Card returns the driver's card name.
func (d *Device) Card() string { return CString(d.cap.Card[:]) }

// Driver returns the driver name.
func (d *Device) Driver() string { return CString(d.cap.Driver[:]) }

// BusInfo returns the bus location.
func (d *Device) BusInfo() string { return CString(d.cap.BusInfo[:]) }

// Caps returns the node's capabilities.
func (d *Device) Caps() uint32 { return d.cap.Caps() }

// Close closes the node.
func (d *Device) Close() error { return unix.Close(d.fd) }

// ioctl runs one request, retrying when a signal interrupts it.
func (d *Device) ioctl(req uintptr, arg unsafe.Pointer) error {
	for {
		_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(d.fd), req, uintptr(arg))
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return e
		}
		return nil
	}
}

// Formats lists the pixel formats of one buffer type.
func (d *Device) Formats(bufType uint32) []FmtDesc {
	var out []FmtDesc
	for i := uint32(0); ; i++ {
		f := FmtDesc{Index: i, Type: bufType}
		if d.ioctl(VIDIOC_ENUM_FMT, unsafe.Pointer(&f)) != nil {
			return out
		}
		out = append(out, f)
	}
}

// FormatInfos lists the capture formats with their sizes and rates.
func (d *Device) FormatInfos() []FormatInfo {
	var out []FormatInfo
	for _, fd := range d.Formats(BufTypeVideoCapture) {
		out = append(out, FormatInfo{FourCC: fd.PixelFormat, Description: CString(fd.Description[:]),
			Sizes: d.FrameSizes(fd.PixelFormat)})
	}
	return out
}

// FrameSizes lists the sizes offered for a pixel format.
func (d *Device) FrameSizes(f FourCC) []FrameSize {
	var out []FrameSize
	for i := uint32(0); ; i++ {
		e := FrmSizeEnum{Index: i, PixelFormat: f}
		if d.ioctl(VIDIOC_ENUM_FRAMESIZES, unsafe.Pointer(&e)) != nil {
			return out
		}
		var s FrameSize
		if e.Type == FrmSizeDiscrete {
			s = FrameSize{Width: e.U[0], Height: e.U[1], MaxWidth: e.U[0], MaxHeight: e.U[1]}
		} else {
			s = FrameSize{Width: e.U[0], MaxWidth: e.U[1], Height: e.U[3], MaxHeight: e.U[4]}
		}
		s.Rates = d.frameRates(f, s.MaxWidth, s.MaxHeight)
		out = append(out, s)
		if e.Type != FrmSizeDiscrete {
			return out
		}
	}
}

func (d *Device) frameRates(f FourCC, w, h uint32) []float64 {
	var out []float64
	for i := uint32(0); ; i++ {
		e := FrmIvalEnum{Index: i, PixelFormat: f, Width: w, Height: h}
		if d.ioctl(VIDIOC_ENUM_FRAMEINTERVALS, unsafe.Pointer(&e)) != nil {
			return out
		}
		if e.U[0] > 0 {
			// Discrete: the interval; stepwise: the minimum (fastest).
			out = append(out, float64(e.U[1])/float64(e.U[0]))
		}
		if e.Type != FrmSizeDiscrete {
			return out
		}
	}
}

// SetControl sets one control of any class (codec settings, a camera's
// brightness, exposure …) through the extended-control API and reads
// back the value the driver keeps.
func (d *Device) SetControl(id uint32, v int32) (int32, error) {
	c := [1]ExtControl{{ID: id}}
	c[0].SetInt(v)
	ec := ExtControls{Which: CtrlWhichCurVal, Count: 1, Controls: uintptr(unsafe.Pointer(&c[0]))}
	err := d.ioctl(VIDIOC_S_EXT_CTRLS, unsafe.Pointer(&ec))
	if err != nil {
		return 0, fmt.Errorf("v4l2: %s: set control %#x = %d: %w", d.path, id, v, err)
	}
	got, err := d.GetControl(id)
	return got, err
}

// GetControl reads one control.
func (d *Device) GetControl(id uint32) (int32, error) {
	c := [1]ExtControl{{ID: id}}
	ec := ExtControls{Which: CtrlWhichCurVal, Count: 1, Controls: uintptr(unsafe.Pointer(&c[0]))}
	if err := d.ioctl(VIDIOC_G_EXT_CTRLS, unsafe.Pointer(&ec)); err != nil {
		return 0, fmt.Errorf("v4l2: %s: get control %#x: %w", d.path, id, err)
	}
	return c[0].Int(), nil
}

// HasControl reports whether the node knows control id.
func (d *Device) HasControl(id uint32) bool {
	q := QueryCtrl{ID: id}
	return d.ioctl(VIDIOC_QUERYCTRL, unsafe.Pointer(&q)) == nil
}

// wrap names the device and the operation in err, and marks errors that
// mean the device went away with frame.ErrDeviceLost.
func (d *Device) wrap(op string, err error) error {
	if isGone(err) {
		return fmt.Errorf("v4l2: %s: %s: %w (%v)", d.path, op, frame.ErrDeviceLost, err)
	}
	return fmt.Errorf("v4l2: %s: %s: %w", d.path, op, err)
}

// isGone reports errors that mean the device went away.
func isGone(err error) bool {
	return errors.Is(err, syscall.ENODEV) || errors.Is(err, syscall.EIO) || errors.Is(err, syscall.ENXIO)
}

// monoOffset is CLOCK_MONOTONIC minus the pipeline clock, to turn buffer
// timestamps into frame.PTS values.
func monoNow() int64 {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano()
}

// Controls lists the device's integer, boolean and menu controls with
// their current values.
func (d *Device) Controls() ([]ControlInfo, error) {
	var out []ControlInfo
	id := uint32(CtrlFlagNextCtrl)
	for {
		q := QueryCtrl{ID: id}
		if err := d.ioctl(VIDIOC_QUERYCTRL, unsafe.Pointer(&q)); err != nil {
			if errors.Is(err, syscall.EINVAL) {
				return out, nil // past the last control
			}
			return out, fmt.Errorf("v4l2: %s: list controls: %w", d.path, err)
		}
		id = q.ID | CtrlFlagNextCtrl
		ci, ok := controlInfo(&q)
		if !ok {
			continue
		}
		if v, err := d.GetControl(q.ID); err == nil {
			ci.Value = v
		}
		if q.Type == CtrlTypeMenu || q.Type == CtrlTypeIntegerMenu {
			ci.Menu = d.menu(&q)
		}
		out = append(out, ci)
	}
}

// menu lists a menu control's items; indices the driver skips (EINVAL)
// are not choices.
func (d *Device) menu(q *QueryCtrl) []MenuItem {
	var items []MenuItem
	for i := q.Minimum; i <= q.Maximum && i-q.Minimum < 256; i++ {
		m := QueryMenu{ID: q.ID, Index: uint32(i)}
		if d.ioctl(VIDIOC_QUERYMENU, unsafe.Pointer(&m)) != nil {
			continue
		}
		items = append(items, MenuItem{Index: i, Name: menuName(&m, q.Type == CtrlTypeIntegerMenu)})
	}
	return items
}
