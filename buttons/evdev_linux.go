package buttons

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// inputEvent is struct input_event (a struct timeval, then type, code,
// value): 24 bytes on 64-bit, 16 on 32-bit.
type inputEvent struct {
	Sec, Usec int
	Type      uint16
	Code      uint16
	Value     int32
}

const (
	evKey       = 1
	eviocgnameN = 256
)

// EVIOCGNAME(len) = _IOC(_IOC_READ, 'E', 0x06, len).
var eviocgname = uintptr(2<<30 | eviocgnameN<<16 | 'E'<<8 | 0x06)

// DeviceName returns an input device's name.
func DeviceName(path string) (string, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", err
	}
	defer unix.Close(fd)
	var buf [eviocgnameN]byte
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), eviocgname, uintptr(unsafe.Pointer(&buf[0]))); e != 0 {
		return "", e
	}
	n := 0
	for n < len(buf) && buf[n] != 0 {
		n++
	}
	return string(buf[:n]), nil
}

// find returns the device path matching k.Match, or "".
func (k *Keypad) find() string {
	if strings.HasPrefix(k.Match, "/") {
		if _, err := os.Stat(k.Match); err == nil {
			return k.Match
		}
		return ""
	}
	paths, _ := filepath.Glob("/dev/input/event*")
	for _, p := range paths {
		if name, err := DeviceName(p); err == nil && strings.Contains(strings.ToLower(name), strings.ToLower(k.Match)) {
			return p
		}
	}
	return ""
}

// Run watches for the keypad and its keys until ctx ends.
func (k *Keypad) Run(ctx context.Context, box Box, now func() time.Duration, report func(string, Action, error)) {
	missing := false
	for ctx.Err() == nil {
		path := k.find()
		if path == "" {
			if !missing {
				k.log("buttons: keypad not connected; waiting for it", "device", k.Match)
				missing = true
			}
			sleep(ctx, time.Second)
			continue
		}
		missing = false
		err := k.read(ctx, path, box, now, report)
		if ctx.Err() == nil {
			k.log("buttons: keypad gone; waiting for it to come back", "device", path, "err", err)
			sleep(ctx, 200*time.Millisecond)
		}
	}
}

func (k *Keypad) read(ctx context.Context, path string, box Box, now func() time.Duration, report func(string, Action, error)) error {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	name, _ := DeviceName(path)
	k.log("buttons: keypad connected", "device", path, "name", name)
	for _, in := range k.keys {
		in.m = Machine{Long: in.m.Long}
		in.m.Start(false, now())
	}
	var evs [64]inputEvent
	size := int(unsafe.Sizeof(evs[0]))
	buf := unsafe.Slice((*byte)(unsafe.Pointer(&evs[0])), len(evs)*size)
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for ctx.Err() == nil {
		n, err := unix.Poll(pfd, 50)
		if err != nil && err != syscall.EINTR {
			return err
		}
		if n > 0 {
			if pfd[0].Revents&(unix.POLLERR|unix.POLLHUP|unix.POLLNVAL) != 0 {
				return errors.New("device closed")
			}
			got, err := unix.Read(fd, buf)
			if err != nil {
				if err == syscall.EAGAIN {
					continue
				}
				return err
			}
			for i := 0; i+size <= got; i += size {
				e := evs[i/size]
				in := k.keys[e.Code]
				if e.Type != evKey || in == nil || e.Value == 2 { // 2: autorepeat
					continue
				}
				k.key(in, e.Value == 1, now(), box, report)
			}
		}
		k.tick(now(), box, report)
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
