//go:build !race

package whip

import (
	"math"
	"testing"
	"time"

	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/pitchbox/pitchbox/e2e/harness"
	"github.com/pitchbox/pitchbox/encode"
)

// silenced opens a session to a harness server, then silences the server
// (it runs in this process: its allocations would be counted too). The
// session stays up until the ICE timeouts, 8 s; it is closed with the test.
func silenced(tb testing.TB) *session {
	tb.Helper()
	srv := harness.StartWHIP(tb, harness.WHIPOptions{Token: testToken})
	s := open(tb, srv.URL, testToken).(*session)
	tb.Cleanup(func() { s.Close() })
	serverConnected(tb, srv)
	srv.Silence()
	return s
}

// TestWriteAllocatesOnlyInPion: WriteVideo and WriteAudio allocate no
// more than pion's WriteSample allocates for the same sample: nothing on
// this package's side of the call. AllocsPerRun counts the session's
// background goroutines too (congestion control, RTCP, ICE), which only
// add: the least of three runs of each is compared.
func TestWriteAllocatesOnlyInPion(t *testing.T) {
	s := silenced(t)
	for _, c := range []struct {
		name  string
		write func(*encode.Packet, time.Duration) error
		track func(media.Sample) error
		data  []byte
		step  time.Duration
	}{
		{"video", s.WriteVideo, s.video.WriteSample, testAU(10 << 10), time.Second / 30},
		{"audio", s.WriteAudio, s.audio.WriteSample, make([]byte, 160), 20 * time.Millisecond},
	} {
		p := &encode.Packet{Data: c.data}
		ts := time.Duration(0)
		write := func() {
			ts += c.step
			if err := c.write(p, ts); err != nil {
				t.Fatal(err)
			}
		}
		// Fill pion's NACK history (1024 packets), which allocates until full.
		for range 2048 {
			write()
		}
		sample := media.Sample{Data: c.data, Duration: c.step}
		ours, pions := math.Inf(1), math.Inf(1)
		for range 3 {
			ours = min(ours, testing.AllocsPerRun(200, write))
			pions = min(pions, testing.AllocsPerRun(200, func() {
				if err := c.track(sample); err != nil {
					t.Fatal(err)
				}
			}))
		}
		t.Logf("%s: %.0f allocations per write, %.0f of them in pion's WriteSample", c.name, ours, pions)
		if ours > pions {
			t.Errorf("%s: %.0f allocations per write, pion's WriteSample alone %.0f", c.name, ours, pions)
		}
	}
}

// BenchmarkWriteVideo sends a 10 KB access unit (9 RTP packets) on a
// connected session, through SRTP to the (silenced) harness server. The
// session ends 8 s after the silence: keep -benchtime shorter.
func BenchmarkWriteVideo(b *testing.B) {
	s := silenced(b)
	p := &encode.Packet{Kind: encode.Video, Data: testAU(10 << 10)}
	b.ReportAllocs()
	b.SetBytes(int64(len(p.Data)))
	ts := time.Duration(0)
	for b.Loop() {
		ts += time.Second / 30
		if err := s.WriteVideo(p, ts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteAudio sends one 20 ms Opus packet.
func BenchmarkWriteAudio(b *testing.B) {
	s := silenced(b)
	p := &encode.Packet{Kind: encode.Audio, Data: make([]byte, 160)}
	b.ReportAllocs()
	ts := time.Duration(0)
	for b.Loop() {
		ts += 20 * time.Millisecond
		if err := s.WriteAudio(p, ts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenClose is a whole session on loopback: offer, POST, answer,
// ICE and DTLS, then DELETE.
func BenchmarkOpenClose(b *testing.B) {
	srv := harness.StartWHIP(b, harness.WHIPOptions{Token: testToken})
	for b.Loop() {
		if err := open(b, srv.URL, testToken).Close(); err != nil {
			b.Fatal(err)
		}
	}
}
