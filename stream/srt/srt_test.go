//go:build cgo

package srt

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/stream"
)

const testPass = "correct-horse-battery"

// freeUDPPort returns a UDP port nobody listens on.
func freeUDPPort(t *testing.T) int {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// listener runs ffmpeg as an SRT listener recording to a file; it is
// killed at the end of the test.
func listener(t *testing.T, port int) string {
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Fatal("this test needs ffmpeg built with libsrt (Debian's; make deps-test installs it)")
	}
	out := filepath.Join(t.TempDir(), "out.ts")
	cmd := exec.Command(ff, "-loglevel", "error", "-i",
		fmt.Sprintf("srt://127.0.0.1:%d?mode=listener&passphrase=%s", port, testPass), "-c", "copy", "-y", out)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	time.Sleep(300 * time.Millisecond)
	return out
}

func header() stream.Header {
	au := testAU(true, 10)
	return stream.Header{SPS: au[4:14], PPS: au[18:22], AudioConfig: asc48k}
}

// TestSessionAllocs: the real write path, through libsrt to a listener,
// allocates nothing per packet.
func TestSessionAllocs(t *testing.T) {
	port := freeUDPPort(t)
	listener(t, port)
	d := &SRT{URL: fmt.Sprintf("srt://127.0.0.1:%d?passphrase=%s&latency=200", port, testPass), Key: "sk_test"}
	sess, err := d.Open(context.Background(), header())
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	key := &encode.Packet{Kind: encode.Video, Data: testAU(true, 6000), Key: true}
	inter := &encode.Packet{Kind: encode.Video, Data: testAU(false, 1500)}
	aac := &encode.Packet{Kind: encode.Audio, Data: make([]byte, 300)}
	i := 0
	n := testing.AllocsPerRun(300, func() {
		ts := time.Duration(i) * time.Second / 30
		p := inter
		if i%60 == 0 {
			p = key
		}
		if err := sess.WriteVideo(p, ts); err != nil {
			t.Fatal(err)
		}
		if err := sess.WriteAudio(aac, ts); err != nil {
			t.Fatal(err)
		}
		i++
	})
	if n != 0 {
		t.Fatalf("%.1f allocations per frame", n)
	}
}

// TestWrongPassphrase is refused: a RejectedError, without the secrets.
func TestWrongPassphrase(t *testing.T) {
	port := freeUDPPort(t)
	listener(t, port)
	d := &SRT{URL: fmt.Sprintf("srt://127.0.0.1:%d?streamid=sk_secret&passphrase=wrong-passphrase", port)}
	_, err := d.Open(context.Background(), header())
	if !stream.IsRejected(err) {
		t.Fatalf("%v: not a RejectedError", err)
	}
	if s := err.Error(); strings.Contains(s, "sk_secret") || strings.Contains(s, "wrong-passphrase") {
		t.Fatalf("error shows a secret: %s", s)
	}
	t.Log(err)
}

// TestNoListener: nobody listening is an ordinary error (retried with
// the usual backoff, not slowly as a refusal), given within the connect
// timeout rather than hanging.
func TestNoListener(t *testing.T) {
	d := &SRT{URL: fmt.Sprintf("srt://127.0.0.1:%d?passphrase=%s", freeUDPPort(t), testPass)}
	start := time.Now()
	_, err := d.Open(context.Background(), header())
	took := time.Since(start)
	if err == nil || stream.IsRejected(err) {
		t.Fatalf("%v: want an ordinary error", err)
	}
	if took > connectTimeout+2*time.Second {
		t.Fatalf("the error came after %v, want within the connect timeout (%v)", took, connectTimeout)
	}
	t.Log(err, took)
}
