//go:build hil

package vmtest

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/pitchbox/pitchbox/box"
	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/encode/m2m"
	"github.com/pitchbox/pitchbox/internal/wait"
	"github.com/pitchbox/pitchbox/v4l2"
)

// simChip is a gpio-sim chip whose lines carry Raspberry Pi names.
type simChip struct {
	sysfs string // /sys/devices/platform/gpio-sim.N/gpiochipM
}

var simLines = map[int]string{5: "GPIO5", 6: "GPIO6", 13: "GPIO13", 19: "GPIO19", 20: "GPIO20", 26: "GPIO26"}

func newSimChip(t *testing.T) *simChip {
	t.Helper()
	cfs := "/sys/kernel/config/gpio-sim/pitchbox"
	if _, err := os.Stat(cfs); err == nil {
		return findSim(t, cfs)
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Mkdir(cfs, 0o755))
	must(os.Mkdir(cfs+"/bank0", 0o755))
	must(os.WriteFile(cfs+"/bank0/num_lines", []byte("28"), 0o644))
	for off, name := range simLines {
		d := fmt.Sprintf("%s/bank0/line%d", cfs, off)
		must(os.Mkdir(d, 0o755))
		must(os.WriteFile(d+"/name", []byte(name), 0o644))
	}
	must(os.WriteFile(cfs+"/live", []byte("1"), 0o644))
	return findSim(t, cfs)
}

func findSim(t *testing.T, cfs string) *simChip {
	dev, err1 := os.ReadFile(cfs + "/dev_name")
	chip, err2 := os.ReadFile(cfs + "/bank0/chip_name")
	if err1 != nil || err2 != nil {
		t.Fatalf("gpio-sim names: %v %v", err1, err2)
	}
	return &simChip{sysfs: filepath.Join("/sys/devices/platform", strings.TrimSpace(string(dev)), strings.TrimSpace(string(chip)))}
}

// pull drives an input line as a button would: "pull-down" is pressed
// (active-low, shorted to ground), "pull-up" released.
func (c *simChip) pull(t *testing.T, off int, how string) {
	t.Helper()
	if err := os.WriteFile(fmt.Sprintf("%s/sim_gpio%d/pull", c.sysfs, off), []byte(how), 0o644); err != nil {
		t.Fatal(err)
	}
}

// value reads what pitchbox drives on an output line.
func (c *simChip) value(t *testing.T, off int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("%s/sim_gpio%d/value", c.sysfs, off))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// rigBox runs a box on the test pattern with vicodec as its encoder.
func rigBox(t *testing.T, extra func(*config.Config)) (*box.Box, context.CancelFunc) {
	t.Helper()
	c := config.Defaults()
	// The VM's root is a small RAM disk: keep a little free, not the
	// 1 GiB an SD card keeps.
	c.Recording.KeepFreeMB = 8
	c.StateDir = t.TempDir()
	c.Camera = config.Camera{Device: "testpattern", Width: 320, Height: 240, FPS: 30}
	c.Presets = []config.Preset{{Name: "buy", QR: "https://shop.example/1", Position: "center", Size: 0.8}}
	f := false
	c.Output.Autostart = &f
	c.Buttons.Layout = "4-button"
	if extra != nil {
		extra(c)
	}
	enc := vicodecEncoder(t)
	return runBox(t, c, box.WithEncoder(func(s encode.Settings) (encode.Encoder, error) {
		return m2m.New(s, m2m.Options{Path: enc.Path, Coded: v4l2.FmtFWHT})
	}))
}

// runBox makes a box of c and runs it; the func returned stops it and
// waits for it.
func runBox(t *testing.T, c *config.Config, opts ...box.Option) (*box.Box, context.CancelFunc) {
	t.Helper()
	b, err := box.New(c, slog.New(slog.NewTextHandler(io.Discard, nil)), opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Run(ctx); close(done) }()
	return b, func() { cancel(); <-done }
}

// overlayShown reports whether the next composited frame carries the QR:
// along the frame's middle row the QR's modules make many black/white
// transitions, which the test pattern's bars (one black bar, one white)
// never do.
func overlayShown(t *testing.T, b *box.Box) bool {
	t.Helper()
	jpg, err := b.Snapshot(context.Background(), 95)
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(jpg))
	if err != nil {
		t.Fatal(err)
	}
	y := img.(*image.YCbCr)
	return qrTransitions(y.Y[y.YOffset(0, 0):], y.YStride, y.Rect.Dx(), y.Rect.Dy()) >= 8
}

// TestGPIOButtonShowsPresetAndLEDFollows drives gpio-sim lines as buttons
// of the 4-button layout and reads the status LED line back.
func TestGPIOButtonShowsPresetAndLEDFollows(t *testing.T) {
	chip := newSimChip(t)
	b, stop := rigBox(t, nil)
	defer stop()
	if st := b.Status(); len(st.Controls) != 0 {
		t.Fatalf("control problems: %v", st.Controls)
	}
	time.Sleep(300 * time.Millisecond)
	if overlayShown(t, b) {
		t.Fatal("overlay shown before any press")
	}
	// GPIO5 is "show 1".
	chip.pull(t, 5, "pull-down")
	d := wait.For(t, 2*time.Second, "the preset after pulling GPIO5", func() bool { return overlayShown(t, b) })
	chip.pull(t, 5, "pull-up")
	t.Logf("GPIO5 pulled: preset on the composited frames after %v", d.Round(time.Millisecond))
	if a := b.Status().LastAction; a == nil || a.Action != "show buy" || a.Source != "button GPIO5" {
		t.Fatalf("last action %+v", a)
	}
	// GPIO19 is "clear" on a short press.
	time.Sleep(100 * time.Millisecond)
	chip.pull(t, 19, "pull-down")
	time.Sleep(150 * time.Millisecond)
	chip.pull(t, 19, "pull-up")
	wait.For(t, 2*time.Second, "clear after GPIO19", func() bool { return !overlayShown(t, b) })

	// Status LED on GPIO26: off idle, steady live, and the overlay LED on
	// GPIO20 lit while an overlay is on.
	wait.For(t, time.Second, "status LED off while idle", func() bool { return chip.value(t, 26) == "0" })
	// GPIO19 held is "live toggle".
	chip.pull(t, 19, "pull-down")
	time.Sleep(1200 * time.Millisecond)
	chip.pull(t, 19, "pull-up")
	wait.For(t, 3*time.Second, "recording after a long press", func() bool { return b.Status().State == control.Recording })
	for i := 0; i < 8; i++ {
		if v := chip.value(t, 26); v != "1" {
			t.Fatalf("status LED %s while live, want steady 1", v)
		}
		time.Sleep(100 * time.Millisecond)
	}
	chip.pull(t, 6, "pull-down") // GPIO6: "show 2" — only one preset: refused, logged
	time.Sleep(100 * time.Millisecond)
	chip.pull(t, 6, "pull-up")
	chip.pull(t, 5, "pull-down")
	time.Sleep(100 * time.Millisecond)
	chip.pull(t, 5, "pull-up")
	wait.For(t, time.Second, "overlay LED lit", func() bool { return chip.value(t, 20) == "1" })
}

// TestLEDBlinksWhileReconnecting points the box at a closed port.
func TestLEDBlinksWhileReconnecting(t *testing.T) {
	chip := newSimChip(t)
	b, stop := rigBox(t, func(c *config.Config) {
		c.Output.URL = "rtmp://127.0.0.1:9/live/"
		c.Output.StreamKey = "k"
	})
	defer stop()
	if err := b.GoLive("test"); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 5*time.Second, "reconnecting", func() bool { return b.Status().State == control.Reconnecting })
	seen := map[string]bool{}
	for i := 0; i < 30; i++ {
		seen[chip.value(t, 26)] = true
		time.Sleep(50 * time.Millisecond)
	}
	if !seen["0"] || !seen["1"] {
		t.Fatalf("status LED values %v while reconnecting, want blinking", seen)
	}
	b.StopLive("test")
	wait.For(t, time.Second, "LED off after stop", func() bool { return chip.value(t, 26) == "0" })
}

// uinput keypad.
const (
	uiSetEvBit  = 0x40045564
	uiSetKeyBit = 0x40045565
	uiDevSetup  = 0x405c5503
	uiDevCreate = 0x5501
	uiDevDestr  = 0x5502
	evSyn       = 0
	evKeyType   = 1
	key1        = 2
)

type uinputSetup struct {
	Bustype, Vendor, Product, Version uint16
	Name                              [80]byte
	FFEffectsMax                      uint32
}

type inputEvent struct {
	Sec, Usec  int
	Type, Code uint16
	Value      int32
}

type vkeypad struct{ fd int }

func newKeypad(t *testing.T, name string) *vkeypad {
	t.Helper()
	fd, err := unix.Open("/dev/uinput", unix.O_WRONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	ioctl := func(req, arg uintptr) {
		if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, arg); e != 0 {
			t.Fatalf("uinput ioctl %#x: %v", req, e)
		}
	}
	ioctl(uiSetEvBit, evKeyType)
	ioctl(uiSetKeyBit, key1)
	var s uinputSetup
	s.Bustype, s.Vendor, s.Product = 0x03, 0x1209, 0x0001
	copy(s.Name[:], name)
	ioctl(uiDevSetup, uintptr(unsafe.Pointer(&s)))
	ioctl(uiDevCreate, 0)
	return &vkeypad{fd: fd}
}

func (k *vkeypad) key(t *testing.T, code uint16, value int32) {
	t.Helper()
	evs := []inputEvent{{Type: evKeyType, Code: code, Value: value}, {Type: evSyn}}
	b := unsafe.Slice((*byte)(unsafe.Pointer(&evs[0])), len(evs)*int(unsafe.Sizeof(evs[0])))
	if _, err := unix.Write(k.fd, b); err != nil {
		t.Fatal(err)
	}
}

func (k *vkeypad) close() {
	unix.Syscall(unix.SYS_IOCTL, uintptr(k.fd), uiDevDestr, 0)
	unix.Close(k.fd)
}

// TestKeypadShowsPreset plugs a uinput keypad in after the box started,
// presses KEY_1, unplugs it and plugs it back.
func TestKeypadShowsPreset(t *testing.T) {
	newSimChip(t)
	b, stop := rigBox(t, func(c *config.Config) {
		c.Key = []config.Key{{Device: "pitchbox test keypad", Key: "KEY_1", Press: "show buy"}}
	})
	defer stop()
	for round := 0; round < 2; round++ {
		kp := newKeypad(t, "pitchbox test keypad")
		time.Sleep(1500 * time.Millisecond) // the box looks for it every second
		b.Clear("test")
		wait.For(t, time.Second, "cleared", func() bool { return !overlayShown(t, b) })
		kp.key(t, key1, 1)
		kp.key(t, key1, 0)
		d := wait.For(t, 2*time.Second, "preset after KEY_1", func() bool { return overlayShown(t, b) })
		if a := b.Status().LastAction; a == nil || a.Source != "key KEY_1" {
			t.Fatalf("last action %+v", a)
		}
		t.Logf("keypad round %d: preset on the composited frames %v after KEY_1", round, d.Round(time.Millisecond))
		kp.close()
		time.Sleep(300 * time.Millisecond)
	}
}
