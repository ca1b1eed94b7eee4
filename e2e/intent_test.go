//go:build e2e

package e2e

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/e2e/harness"
)

// TestOnAirOnlyByTheSellersHand: a box with a destination and the
// default config is not on air after 10 s, nor after its destination is
// saved; `live start` puts it on air; killed (-9) while live and started
// again it is live again within 10 s; after `live stop` and a restart it
// stays off.
func TestOnAirOnlyByTheSellersHand(t *testing.T) {
	s := newSetup(t, "")
	cfg, sock := filepath.Join(s.dir, "seller.toml"), filepath.Join(s.dir, "control.sock")
	err := harness.Config{StateDir: filepath.Join(s.dir, "state"), Width: 320, Height: 240, BitrateKbps: 400,
		URL: s.nginx.URL(), Key: streamKey, Socket: sock, DefaultStart: true}.Write(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := startBox(t, cfg, sock)
	staysOff(t, b, 10*time.Second, "after start with a destination")
	code, body, err := b.SocketAPI("PUT", "/api/destination", map[string]string{"url": s.nginx.URL(), "stream_key": streamKey})
	if err != nil || code != 200 {
		t.Fatalf("save the destination: %d %s %v", code, body, err)
	}
	staysOff(t, b, 4*time.Second, "after the destination was saved")
	if n := len(s.nginx.Recordings()); n != 0 {
		t.Fatalf("nginx has %d recordings before live start", n)
	}
	live(t, b)
	b.Kill()
	b = startBox(t, cfg, sock)
	d := time.Now()
	if err := b.WaitState("live", 10*time.Second); err != nil {
		t.Fatalf("after kill -9 while live: %v\n%s", err, b.Log())
	}
	t.Logf("live again %v after the restart", time.Since(d).Round(10*time.Millisecond))
	if _, err := b.CLI("live", "stop"); err != nil {
		t.Fatal(err)
	}
	stopBox(t, b)
	b = startBox(t, cfg, sock)
	staysOff(t, b, 5*time.Second, "after live stop and a restart")
	stopBox(t, b)
}

// live starts b's stream and waits for it.
func live(t *testing.T, b *harness.Box) {
	t.Helper()
	if _, err := b.CLI("live", "start"); err != nil {
		t.Fatal(err)
	}
	if err := b.WaitState("live", 15*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, b.Log())
	}
}

// staysOff checks b's state is "off" throughout d, and that it has not
// connected to its destination.
func staysOff(t *testing.T, b *harness.Box, d time.Duration, when string) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		st, err := b.Status()
		if err != nil {
			continue // the box may be restarting its API
		}
		if st["state"] != "off" || st["live_requested"] != false || st["stream"] != nil {
			t.Fatalf("%s: state %v, live requested %v, stream %v; want off", when, st["state"], st["live_requested"], fmt.Sprint(st["stream"]))
		}
	}
}
