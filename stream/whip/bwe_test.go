package whip

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/e2e/harness"
	"github.com/pitchbox/pitchbox/encode"
)

// testIDR is an Annex B IDR access unit of about n bytes.
func testIDR(n int) []byte {
	au := testAU(n)
	au[4] = 0x65
	return au
}

// feed sends kbps of fake H.264 at 30 fps (an IDR each 2 s, non-IDR
// access units between) and 20 ms Opus packets, in real time, until stop
// is closed. It returns when it has stopped.
func feed(t *testing.T, s *session, kbps int, stop <-chan struct{}) {
	const fps = 30
	n := kbps * 1000 / 8 / fps
	idr, au := &encode.Packet{Data: testIDR(n * 3)}, &encode.Packet{Data: testAU(n)}
	audio := &encode.Packet{Data: opusPacket}
	start := time.Now()
	var ta time.Duration
	for i := 0; ; i++ {
		ts := time.Duration(i) * time.Second / fps
		select {
		case <-stop:
			return
		case <-time.After(time.Until(start.Add(ts))):
		}
		for ; ta <= ts; ta += 20 * time.Millisecond {
			if err := s.WriteAudio(audio, ta); err != nil {
				t.Error(err)
				return
			}
		}
		p := au
		if i%(2*fps) == 0 {
			p = idr
		}
		if err := s.WriteVideo(p, ts); err != nil {
			t.Error(err)
			return
		}
	}
}

// opusPacket is a 20 ms Opus packet of 128 kbit/s (its content does not
// matter here).
var opusPacket = make([]byte, 320)

// estimateLog records the estimate over time, for the test's log.
type estimateLog struct {
	start time.Time
	b     strings.Builder
}

// look records est now and returns it.
func (l *estimateLog) look(est int) int {
	fmt.Fprintf(&l.b, " %.1fs:%d", time.Since(l.start).Seconds(), est)
	return est
}

// awaitEstimate polls the estimate every 500 ms until ok holds, at most
// limit, and returns how long that took, the estimate, and whether it
// held.
func awaitEstimate(s *session, l *estimateLog, limit time.Duration, ok func(int) bool) (time.Duration, int, bool) {
	start := time.Now()
	for {
		est := l.look(s.EstimateKbps())
		if ok(est) {
			return time.Since(start), est, true
		}
		if time.Since(start) >= limit {
			return time.Since(start), est, false
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// TestEstimateFollowsABottleneck: a session sending 3000 kbit/s of video
// and 128 kbit/s of audio to a server behind a 1000 kbit/s bottleneck
// (dropping what exceeds it, no queue: the loss-based half of GCC acts)
// sees its estimate fall to 1500 or less within 20 s, and once the
// bottleneck is gone climb back to 2000 or more within 40 s.
//
// Measured on a shared 2-core machine (the sender here keeps sending 3000
// kbit/s whatever the estimate, unlike the box): from the 2500 start the
// estimate was 2600 to 3400 before the throttle; throttled, under 1000
// within 1 s and at the floor (100) within 5 s, as two thirds of the
// packets stay lost; lifted, it climbs about a fifth a second (5 % every
// 200 ms, pion's loss-based controller), past 2000 after 16.5 to 17.5 s,
// 3000 after 19.5 s, 4700 after 22 s (it is not held to what is sent).
// The limits leave two to twenty times the margin.
func TestEstimateFollowsABottleneck(t *testing.T) {
	if testing.Short() {
		t.Skip("sends in real time for up to a minute")
	}
	srv := harness.StartWHIP(t, harness.WHIPOptions{Token: testToken})
	s := open(t, srv.URL, testToken).(*session)
	defer s.Close()
	serverConnected(t, srv)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { feed(t, s, 3000, stop) })
	defer wg.Wait()
	defer close(stop)
	l := &estimateLog{start: time.Now()}
	defer func() { t.Logf("estimates (kbit/s):%s", l.b.String()) }()
	if took, est, ok := awaitEstimate(s, l, 5*time.Second, func(e int) bool { return e > 0 }); !ok {
		t.Fatalf("no estimate within %v", took)
	} else {
		t.Logf("first estimate %d kbit/s after %v", est, took.Round(time.Millisecond))
	}
	time.Sleep(3 * time.Second)
	srv.Throttle(1000)
	took, est, ok := awaitEstimate(s, l, 20*time.Second, func(e int) bool { return e > 0 && e <= 1500 })
	t.Logf("throttled to 1000 kbit/s: estimate %d after %v", est, took.Round(time.Millisecond))
	if !ok {
		t.Fatalf("estimate %d kbit/s 20 s into a 1000 kbit/s bottleneck, want 1500 or less", est)
	}
	time.Sleep(5 * time.Second)
	l.look(s.EstimateKbps())
	srv.Throttle(0)
	took, est, ok = awaitEstimate(s, l, 40*time.Second, func(e int) bool { return e >= 2000 })
	t.Logf("bottleneck lifted: estimate %d after %v", est, took.Round(time.Millisecond))
	if !ok {
		t.Fatalf("estimate %d kbit/s 40 s after the bottleneck went, want 2000 or more", est)
	}
}

// testAU is an Annex B access unit of about n bytes: one non-IDR slice,
// as most of a stream is (about 10 KB at 2.5 Mbit/s, 30 fps).
func testAU(n int) []byte {
	au := append([]byte{0, 0, 0, 1, 0x41}, make([]byte, n)...)
	for i := 5; i < len(au); i++ {
		au[i] = byte(i%251) | 1 // no start code inside
	}
	return au
}
