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
	mem, err := unix.Mmap(fd, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("display: map %s: %w", path, err)
	}
	n := 0
	for n < len(f.ID) && f.ID[n] != 0 {
		n++
	}
	return &Framebuffer{fd: fd, mem: mem, Format: ft, ID: string(f.ID[:n])}, nil
}

// Draw puts the part of img inside r on the screen.
func (fb *Framebuffer) Draw(img *image.RGBA, r image.Rectangle) { fb.Format.Draw(fb.mem, img, r) }

// Snapshot reads the screen back.
func (fb *Framebuffer) Snapshot() *image.RGBA { return fb.Format.Read(fb.mem) }

// Close unmaps and closes the device.
func (fb *Framebuffer) Close() error {
	if fb.mem != nil {
		unix.Munmap(fb.mem)
		fb.mem = nil
	}
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
