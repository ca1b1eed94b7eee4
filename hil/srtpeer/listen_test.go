//go:build cgo

package srtpeer

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/stream"
	"github.com/pitchbox/pitchbox/stream/srt"
)

// TestListenCounts: the box's own SRT publisher connects with the
// passphrase and what it sends is counted; a wrong passphrase is not
// accepted.
func TestListenCounts(t *testing.T) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := c.LocalAddr().(*net.UDPAddr).Port
	c.Close()
	l, err := Listen(port, "rig-passphrase-0123", 120)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	wrong := &srt.SRT{URL: fmt.Sprintf("srt://127.0.0.1:%d?passphrase=not-the-passphrase", port)}
	h := stream.Header{SPS: []byte{0x67, 0x42, 0xc0, 0x1e, 0xda, 0x05, 0x07, 0xc4}, PPS: []byte{0x68, 0xce, 0x3c, 0x80}, AudioConfig: []byte{0x11, 0x90}}
	if s, err := wrong.Open(context.Background(), h); err == nil || !strings.Contains(err.Error(), "passphrase") {
		if s != nil {
			s.Close()
		}
		t.Fatalf("a caller with the wrong passphrase: %v, want refused for its passphrase", err)
	}
	d := &srt.SRT{URL: fmt.Sprintf("srt://127.0.0.1:%d?passphrase=rig-passphrase-0123", port)}
	s, err := d.Open(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	p := encode.NewPacket(encode.Video)
	p.Data = append(p.Data, 0, 0, 0, 1, 0x65)
	p.Data = append(p.Data, make([]byte, 4000)...)
	p.Key = true
	for i := 0; i < 20; i++ {
		p.PTS, p.DTS = time.Duration(i)*33*time.Millisecond, time.Duration(i)*33*time.Millisecond
		if err := s.WriteVideo(p, p.DTS); err != nil {
			t.Fatal(err)
		}
	}
	var st Stats
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if st = l.Stats(); st.Bytes >= 20*4000 {
			break
		}
	}
	s.Close()
	t.Logf("%+v", st)
	if st.Connections != 1 || st.Bytes < 20*4000 {
		t.Fatalf("stats %+v: want one caller and ≥ %d bytes", st, 20*4000)
	}
}
