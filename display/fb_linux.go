package display

import (
	"fmt"
	"image"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Framebuffer is an open, mapped fbdev device.
type Framebuffer struct {
	fd  int
	mem []byte
	Format
	ID string
}

// Open opens and maps a framebuffer such as /dev/fb0 and reads its layout.
func Open(path string) (*Framebuffer, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("display: open %s: %w", path, err)
	}
	var v VarScreenInfo
	var f FixScreenInfo
	for _, q := range []struct {
		req uintptr
		arg unsafe.Pointer
	}{{FBIOGET_VSCREENINFO, unsafe.Pointer(&v)}, {FBIOGET_FSCREENINFO, unsafe.Pointer(&f)}} {
		if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), q.req, uintptr(q.arg)); e != 0 {
			unix.Close(fd)
			return nil, fmt.Errorf("display: %s is not a framebuffer: %w", path, e)
		}
	}
	// Put the mode back as it is: DRM's fbdev emulation only scans out
	// once someone has set a mode, which the text console does and a box
	// without one does not.
	set := v
	set.Activate = fbActivateForce
	unix.Syscall(unix.SYS_IOCTL, uintptr(fd), FBIOPUT_VSCREENINFO, uintptr(unsafe.Pointer(&set)))
	ft, err := FormatOf(&v, &f)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("display: %s: %w", path, err)
	}
	size := ft.LineLength * ft.Height
	if int(f.SmemLen) < size {
		unix.Close(fd)
		return nil, fmt.Errorf("display: %s: %d bytes of memory for %v", path, f.SmemLen, ft)
	}
	n := 0
	for n < len(f.ID) && f.ID[n] != 0 {
		n++
	}
	return &Framebuffer{fd: fd, mem: make([]byte, size), Format: ft, ID: string(f.ID[:n])}, nil
}

// Draw puts the part of img inside r on the screen with one pwrite of
// the bytes from r's first pixel to its last. DRM's fbdev emulation
// copies what is written that way to the screen at once, where writes to
// a mapping wait for its deferred-I/O page tracking and some drivers never
// show them. One write spanning whole lines also sidesteps a kernel quirk
// (Linux 6.1) that ignores a write ending exactly at the end of a single
// line.
func (fb *Framebuffer) Draw(img *image.RGBA, r image.Rectangle) {
	r = r.Intersect(image.Rect(0, 0, fb.Width, fb.Height))
	if r.Empty() {
		return
	}
	fb.Format.Draw(fb.mem, img, r)
	bpp := fb.BitsPerPixel / 8
	start := r.Min.Y*fb.LineLength + r.Min.X*bpp
	end := (r.Max.Y-1)*fb.LineLength + r.Max.X*bpp
	if r.Dy() == 1 && end%fb.LineLength == 0 {
		// One line ending at the line's end: take in a neighbour pixel.
		if end < len(fb.mem) {
			end += bpp
		} else if start > 0 {
			start -= bpp
		}
	}
	for start < end {
		n, err := unix.Pwrite(fb.fd, fb.mem[start:end], int64(start))
		if n <= 0 || err != nil {
			return
		}
		start += n
	}
}

// Snapshot reads the screen back from the device.
func (fb *Framebuffer) Snapshot() *image.RGBA {
	buf := make([]byte, len(fb.mem))
	for done := 0; done < len(buf); {
		n, err := unix.Pread(fb.fd, buf[done:], int64(done))
		if n <= 0 || err != nil {
			break
		}
		done += n
	}
	return fb.Format.Read(buf)
}

// Close closes the device.
func (fb *Framebuffer) Close() error {
	return unix.Close(fb.fd)
}

// KDSETMODE and its modes, from linux/kd.h.
const (
	kdSetMode  = 0x4B3A
	kdText     = 0x00
	kdGraphics = 0x01
)

// HideConsole switches the active virtual terminal to graphics mode so
// the kernel's text console (and its cursor) does not draw over the
// screen; restore undoes it. Without a console (or the right to change
// it) it does nothing.
func HideConsole() (restore func()) {
	fd, err := unix.Open("/dev/tty0", unix.O_RDWR|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if err != nil {
		return func() {}
	}
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), kdSetMode, kdGraphics); e != 0 {
		unix.Close(fd)
		return func() {}
	}
	return func() {
		unix.Syscall(unix.SYS_IOCTL, uintptr(fd), kdSetMode, kdText)
		unix.Close(fd)
	}
}

// Find returns the first framebuffer device, "" if there is none.
func Find() string {
	for i := 0; i < 4; i++ {
		p := fmt.Sprintf("/dev/fb%d", i)
		if unix.Access(p, unix.W_OK) == nil {
			return p
		}
	}
	return ""
}
