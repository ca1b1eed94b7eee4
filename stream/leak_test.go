package stream

import (
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/bluenviron/gortmplib"

	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/internal/backoff"
	"github.com/pitchbox/pitchbox/internal/wait"
)

// dropConnections hangs up on every publisher, as a server that goes away
// does, and keeps listening.
func (s *rtmpServer) dropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
	s.conns = nil
}

// drain reads and discards what the publisher sends.
func drain(_ *gortmplib.ServerConn, nc net.Conn) {
	buf := make([]byte, 64<<10)
	for {
		if _, err := nc.Read(buf); err != nil {
			return
		}
	}
}

// TestRTMPReconnectsLeakNothing: thirty sessions cut by the server leave
// no goroutine and no memory behind (the box's RSS must stay flat over
// any number of outages).
func TestRTMPReconnectsLeakNothing(t *testing.T) {
	srv := startRTMPServer(t, accepted(drain))
	p := NewPublisher(&RTMP{URL: srv.URL}, Options{Logger: quiet, AudioConfig: asc48kMono,
		Backoff: backoff.Backoff{Min: time.Millisecond, Max: time.Millisecond}})
	defer p.Close()
	key := keyframe(200 << 10)
	pts := time.Duration(0)
	var goroutines int
	var heap uint64
	for i := uint64(1); i <= 30; i++ {
		wait.For(t, 5*time.Second, "the next session", func() bool {
			pkt := encode.NewPacket(encode.Video)
			pkt.Data, pkt.Key, pkt.PTS, pkt.DTS = append(pkt.Data, key...), true, pts, pts
			pts += 33 * time.Millisecond
			p.Submit(pkt)
			st := p.Status()
			return st.Connects == i && st.State == Live
		})
		switch i {
		case 5:
			growPackets(len(key))
			goroutines, heap = runtime.NumGoroutine(), heapAfterGC()
		case 30:
			wait.For(t, 5*time.Second, "the goroutines of the cut sessions to end", func() bool {
				return runtime.NumGoroutine() <= goroutines
			})
			h := heapAfterGC()
			t.Logf("heap after GC: %d KiB after 5 sessions, %d KiB after 30", heap>>10, h>>10)
			if h > heap+1<<20 {
				t.Fatalf("heap %d KiB after 30 sessions, %d KiB after 5: more than 1 MiB kept by 25 sessions", h>>10, heap>>10)
			}
		}
		srv.dropConnections()
	}
}

func heapAfterGC() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// growPackets fills encode's bounded free list with packets big enough
// for any packet of a feed, so that taking one never grows its buffer and
// what the list holds cannot grow during a measurement (it keeps up to
// its bound, by design: that is reuse, not a leak).
func growPackets(size int) {
	var ps []*encode.Packet
	for i := 0; i < 300; i++ {
		p := encode.NewPacket(encode.Video)
		if cap(p.Data) < size {
			p.Data = make([]byte, 0, size)
		}
		ps = append(ps, p)
	}
	for _, p := range ps {
		p.Release()
	}
}
