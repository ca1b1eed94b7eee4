//go:build hil

package vmtest

import (
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/box"
	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/hil/srtpeer"
	"github.com/pitchbox/pitchbox/internal/wait"
)

// rigTC is iproute2's tc, which hil/rig.sh puts in the initramfs
// (busybox's has no netem).
const rigTC = "/rig/tc"

// sh runs a command of the rig and fails the test when it fails.
func sh(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v: %s", name, args, err, out)
	}
}

// srtBox runs a box on the test pattern (x264, 400 kbps, no sound)
// streaming to url from the start; stop ends it and waits.
func srtBox(t *testing.T, url string) (*box.Box, func()) {
	t.Helper()
	c := config.Defaults()
	c.Recording.KeepFreeMB = 8
	c.StateDir = t.TempDir()
	c.Camera = config.Camera{Device: "testpattern", Width: 320, Height: 240, FPS: 30}
	c.Encoder.Backend, c.Encoder.Preset, c.Encoder.BitrateKbps = "x264", "ultrafast", 400
	c.Audio.Device = "none"
	c.Output.URL = url
	on := true
	c.Output.Autostart = &on
	return runBox(t, c)
}

// TestSRTUnderLoss streams over SRT through the VM's loopback with netem
// dropping 5% of packets (and 10 ms each way): SRT's retransmission
// recovers them, the box stays live on one connection for 20 s, and the
// listener gets the stream's bytes.
func TestSRTUnderLoss(t *testing.T) {
	const port, pass = 9000, "rig-loss-passphrase"
	sh(t, "/bin/busybox", "ip", "link", "set", "lo", "up")
	sh(t, rigTC, "qdisc", "add", "dev", "lo", "root", "netem", "loss", "5%", "delay", "10ms")
	defer exec.Command(rigTC, "qdisc", "del", "dev", "lo", "root").Run()
	l, err := srtpeer.Listen(port, pass, 300)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	b, stop := srtBox(t, fmt.Sprintf("srt://127.0.0.1:%d?passphrase=%s&latency=300", port, pass))
	defer stop()
	wait.For(t, 30*time.Second, "the box live over SRT", func() bool { return b.State() == control.Live })
	start, before := time.Now(), l.Stats()
	var notLive []string
	for time.Since(start) < 20*time.Second {
		if s := b.State(); s != control.Live {
			notLive = append(notLive, fmt.Sprintf("%v at %v", s, time.Since(start).Round(100*time.Millisecond)))
		}
		time.Sleep(200 * time.Millisecond)
	}
	after, st := l.Stats(), b.Status()
	got := after.Bytes - before.Bytes
	t.Logf("20 s at 5%% loss: %d bytes (%.0f kbit/s), %d packets lost and recovered, %d dropped, %d connection(s), target %d kbps",
		got, float64(got)*8/20/1000, after.Lost, after.Dropped, after.Connections, st.TargetKbps)
	if len(notLive) > 0 {
		t.Errorf("the stream left live: %v", notLive)
	}
	if after.Connections != 1 || st.Stream == nil || st.Stream.Reconnects != 0 {
		t.Errorf("%d connections, stream %+v: want one, no reconnect", after.Connections, st.Stream)
	}
	if after.Lost == 0 {
		t.Error("SRT saw no loss: is netem on the loopback?")
	}
	if got < 20*100_000/8 { // 100 kbit/s: the adaptive bitrate's floor is well above
		t.Errorf("only %d bytes in 20 s", got)
	}
}
