//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/e2e/harness"
)

// TestAdaptiveBitrate: a box at 3000 kbps publishes to nginx across a
// network namespace's link. Shaped to 1.2 Mbit/s, the box lowers its
// target to 1150 kbps or less within 20 s, without reconnecting and with
// frames still reaching nginx, and probes the link rarely; 30 s after the
// shaping is lifted the target is back at 2500 kbps or more.
func TestAdaptiveBitrate(t *testing.T) {
	ns, ng, b := startShapedBox(t)
	time.Sleep(3 * time.Second)
	if st := abrStatus(t, b); st.target != 3000 {
		t.Fatalf("target %d kbps before the shaping, want 3000", st.target)
	}

	if err := ns.Shape(1200); err != nil {
		t.Fatal(err)
	}
	shaped := time.Now()
	down := awaitTarget(t, b, 20*time.Second, func(kbps int) bool { return kbps <= 1150 })
	t.Logf("shaped to 1200 kbit/s: target %d kbps after %v", down.target, time.Since(shaped).Round(100*time.Millisecond))
	// On the shaped link for 15 s more: frames still arrive (nginx's
	// recording grows by 600 kbit/s at least), and the probing for a
	// better link changes the bitrate (an IDR each with x264) every 5 s
	// at most.
	rec, changes := ng.Recorded(), strings.Count(b.Log(), abrChange)
	time.Sleep(15 * time.Second)
	grown := ng.Recorded() - rec
	probes := strings.Count(b.Log(), abrChange) - changes
	t.Logf("shaped for 15 s more: nginx recorded %d kbit/s, %d bitrate changes", grown*8/1000/15, probes)
	if grown < 15*600*1000/8 {
		t.Fatalf("nginx recorded %d bytes in 15 s on the shaped link", grown)
	}
	if probes > 3 {
		t.Errorf("%d bitrate changes in 15 s on a steady link", probes)
	}
	abrStatus(t, b).mustNotReconnect(t)

	if err := ns.Unshape(); err != nil {
		t.Fatal(err)
	}
	lifted := time.Now()
	up := awaitTarget(t, b, 30*time.Second, func(kbps int) bool { return kbps >= 2500 })
	t.Logf("shaping lifted: target %d kbps after %v", up.target, time.Since(lifted).Round(100*time.Millisecond))
	up.mustNotReconnect(t)
	t.Logf("%d bitrate changes in all (x264 reopens the encoder for each: one IDR each)", strings.Count(b.Log(), abrChange))
}

// startShapedBox starts nginx in a network namespace and a box at 3000
// kbps publishing to it across the namespace's link, and waits until the
// box is live. Everything is removed when the test ends.
func startShapedBox(t *testing.T) (*harness.Netns, *harness.NetnsNginx, *harness.Box) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace")
	}
	dir := t.TempDir()
	ns, err := harness.NewNetns(fmt.Sprintf("abr%d", os.Getpid()%10000))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Close)
	ng, err := harness.StartNetnsNginx(ns, filepath.Join(dir, "nginx"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ng.Stop)
	cfg, sock := filepath.Join(dir, "pitchbox.toml"), filepath.Join(dir, "control.sock")
	err = harness.Config{StateDir: filepath.Join(dir, "state"), Width: 640, Height: 360, BitrateKbps: 3000,
		URL: ng.URL(), Key: streamKey, Socket: sock}.Write(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := startBox(t, cfg, sock)
	if err := b.WaitState("live", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	return ns, ng, b
}

// abrChange is what the box logs when the adaptive bitrate changes.
const abrChange = "box: adaptive bitrate"

// abrState is what the test reads of `pitchbox status`.
type abrState struct {
	target               int
	sentKbps             float64
	connects, reconnects float64
}

func abrStatus(t *testing.T, b *harness.Box) abrState {
	t.Helper()
	st, err := b.Status()
	if err != nil {
		t.Fatal(err)
	}
	var s abrState
	target, _ := st["target_kbps"].(float64)
	s.target = int(target)
	s.sentKbps, _ = st["bitrate_kbps"].(float64)
	if ss, ok := st["stream"].(map[string]any); ok {
		s.connects, _ = ss["connects"].(float64)
		s.reconnects, _ = ss["reconnects"].(float64)
	}
	return s
}

func (s abrState) mustNotReconnect(t *testing.T) {
	t.Helper()
	if s.connects != 1 || s.reconnects != 0 {
		t.Fatalf("connects %v, reconnects %v: want one session", s.connects, s.reconnects)
	}
}

// awaitTarget polls the status until ok(target_kbps) or timeout, logging
// the target and the measured rate as they change.
func awaitTarget(t *testing.T, b *harness.Box, timeout time.Duration, ok func(int) bool) abrState {
	t.Helper()
	start, last := time.Now(), -1
	for {
		s := abrStatus(t, b)
		if s.target != last {
			t.Logf("%6.1fs target %d kbps, sending %.0f kbps", time.Since(start).Seconds(), s.target, s.sentKbps)
			last = s.target
		}
		if ok(s.target) {
			return s
		}
		if time.Since(start) > timeout {
			t.Fatalf("target %d kbps after %v", s.target, timeout)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
