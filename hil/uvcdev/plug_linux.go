package uvcdev

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// VHCI is vhci-hcd's first controller in sysfs.
const VHCI = "/sys/devices/platform/vhci_hcd.0"

// usbSpeedHigh is enum usb_device_speed's USB_SPEED_HIGH.
const usbSpeedHigh = 3

// Plug connects the camera to the VM's vhci-hcd: it makes a connected
// socket pair, hands one end to the kernel through vhci's sysfs attach
// ("port sockfd devid speed") and serves the device on the other. It
// returns the vhci port used; uvcvideo then probes the camera.
func (c *Camera) Plug() (port int, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("uvcdev: socketpair: %w", err)
	}
	// The kernel takes its own reference to the socket: our copy of its
	// descriptor is closed in any case.
	defer unix.Close(fds[1])
	if err := unix.SetNonblock(fds[0], true); err != nil {
		unix.Close(fds[0])
		return -1, err
	}
	f := os.NewFile(uintptr(fds[0]), "usbip")
	nc, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return -1, fmt.Errorf("uvcdev: %w", err)
	}
	if port, err = attach(fds[1]); err != nil {
		nc.Close()
		return -1, err
	}
	go func() { _ = c.Serve(nc) }()
	return port, nil
}

// attach writes the socket to a free high-speed vhci port, retrying when
// another attach took the port first.
func attach(fd int) (int, error) {
	for try := 0; try < 5; try++ {
		port, err := FreePort()
		if err != nil {
			return -1, err
		}
		line := fmt.Sprintf("%d %d %d %d", port, fd, 0x10000|(port+2), usbSpeedHigh)
		err = os.WriteFile(VHCI+"/attach", []byte(line), 0o200)
		if err == nil {
			return port, nil
		}
		if !errors.Is(err, syscall.EBUSY) {
			return -1, fmt.Errorf("uvcdev: vhci attach %q: %w", line, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return -1, errors.New("uvcdev: no free vhci port")
}

// FreePort returns the first high-speed vhci port with no device
// (status 4, VDEV_ST_NULL, in vhci's sysfs status table).
func FreePort() (int, error) {
	f, err := os.Open(VHCI + "/status")
	if err != nil {
		return -1, fmt.Errorf("uvcdev: is vhci-hcd loaded? %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var hub string
		var port, sta int
		if n, _ := fmt.Sscanf(strings.TrimSpace(sc.Text()), "%s %d %d", &hub, &port, &sta); n == 3 && hub == "hs" && sta == 4 {
			return port, nil
		}
	}
	return -1, errors.New("uvcdev: every vhci port is in use")
}

// Detach disconnects a vhci port from the host side (vhci's sysfs
// detach), as unplugging the device would.
func Detach(port int) error {
	return os.WriteFile(VHCI+"/detach", []byte(fmt.Sprint(port)), 0o200)
}
