//go:build !race

// The race detector instruments channel operations with allocations of
// its own; `make unit` runs the allocation tests again without -race.

package stream

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bluenviron/gortmplib"

	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/internal/wait"
)

// Packet sizes of the paced feed: a keyframe larger than one RTMP chunk,
// 2.5 Mbit/s-like inter frames, and AAC frames.
const (
	feedKeySize   = 150 << 10
	feedInterSize = 9 << 10
	feedAudioSize = 380
)

// countedDest wraps a Destination and tells the feed what its sessions
// have written, allocating nothing per packet.
type countedDest struct {
	Destination
	lastAudio atomic.Int64 // DTS of the last audio packet written
	written   atomic.Int64
}

type countedSession struct {
	Session
	d *countedDest
}

func (d *countedDest) Open(ctx context.Context, h Header) (Session, error) {
	s, err := d.Destination.Open(ctx, h)
	if err != nil {
		return nil, err
	}
	return &countedSession{Session: s, d: d}, nil
}

func (s *countedSession) WriteVideo(p *encode.Packet, ts time.Duration) error {
	err := s.Session.WriteVideo(p, ts)
	s.d.written.Add(1)
	return err
}

func (s *countedSession) WriteAudio(p *encode.Packet, ts time.Duration) error {
	err := s.Session.WriteAudio(p, ts)
	s.d.written.Add(1)
	s.d.lastAudio.Store(int64(p.DTS))
	return err
}

// liveFeed is a Publisher live on a real RTMP session to an in-process
// server, fed like a paced camera: one video and one audio packet per
// step, the next step only once the publisher has written both.
type liveFeed struct {
	tb       testing.TB
	pub      *Publisher
	dest     *countedDest
	received atomic.Int64 // bytes the server read
	n        int
	key      []byte
	inter    []byte
	aac      []byte
}

// newLiveFeed starts the server and the publisher and steps the feed
// until the session is live and every buffer on the path has grown.
func newLiveFeed(tb testing.TB) *liveFeed {
	f := &liveFeed{tb: tb, key: keyframe(feedKeySize),
		inter: append([]byte{0, 0, 0, 1, 0x41}, make([]byte, feedInterSize)...),
		aac:   make([]byte, feedAudioSize)}
	for i := range f.inter[5:] {
		f.inter[5+i] = byte(i%251) + 1
	}
	// The server only drains in steady state: gortmplib's reader would
	// allocate per message, and AllocsPerRun counts every goroutine.
	srv := startRTMPServer(tb, accepted(func(_ *gortmplib.ServerConn, nc net.Conn) {
		buf := make([]byte, 256<<10)
		for {
			n, err := nc.Read(buf)
			f.received.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	growPackets(len(f.key))
	f.dest = &countedDest{Destination: &RTMP{URL: srv.URL}}
	f.pub = NewPublisher(f.dest, Options{Logger: quiet, AudioConfig: asc48kMono})
	tb.Cleanup(f.pub.Close)
	deadline := time.Now().Add(10 * time.Second)
	for f.pub.Status().State != Live {
		if time.Now().After(deadline) {
			tb.Fatalf("publisher never went live: %+v", f.pub.Status())
		}
		f.submit()
		time.Sleep(5 * time.Millisecond)
	}
	// Two keyframe periods: the session's buffers grow to the keyframe.
	for i := 0; i < 120; i++ {
		f.step()
	}
	return f
}

// submit hands over the next video packet (a keyframe every 2 s of 30
// fps) and its audio, and returns the audio packet's DTS.
func (f *liveFeed) submit() time.Duration {
	pts := time.Duration(f.n) * time.Second / 30
	v := encode.NewPacket(encode.Video)
	if f.n%60 == 0 {
		v.Data, v.Key = append(v.Data, f.key...), true
	} else {
		v.Data = append(v.Data, f.inter...)
	}
	v.PTS, v.DTS, v.Seq = pts, pts, uint64(f.n)
	a := encode.NewPacket(encode.Audio)
	a.Data = append(a.Data, f.aac...)
	a.PTS, a.DTS = pts+time.Millisecond, pts+time.Millisecond
	f.n++
	f.pub.Submit(v)
	f.pub.Submit(a)
	return a.DTS
}

// step submits one video and one audio packet and waits until the
// publisher has written both to the session.
func (f *liveFeed) step() {
	dts := int64(f.submit())
	deadline := time.Now().Add(5 * time.Second)
	for f.dest.lastAudio.Load() != dts {
		if time.Now().After(deadline) {
			f.tb.Fatalf("packet %d not written within 5 s: %+v", f.n, f.pub.Status())
		}
		runtime.Gosched()
	}
}

// TestRTMPSessionAllocatesNothing: in steady state, publishing a video and
// an audio packet over a real RTMP session — Submit, the publisher's
// queue and pump, the FLV tag bodies, the chunking, the socket write —
// allocates nothing.
func TestRTMPSessionAllocatesNothing(t *testing.T) {
	f := newLiveFeed(t)
	written, received := f.dest.written.Load(), f.received.Load()
	if a := testing.AllocsPerRun(300, f.step); a > 0 {
		t.Fatalf("%v allocations per video+audio packet pair, want 0", a)
	}
	// AllocsPerRun makes one warm-up call besides the 300.
	if n := f.dest.written.Load() - written; n != 2*301 {
		t.Fatalf("%d packets written during the run, want %d", n, 2*301)
	}
	// At least 5 of the 301 video packets are keyframes.
	wantBytes := int64(5*feedKeySize + 296*feedInterSize + 301*feedAudioSize)
	wait.For(t, 5*time.Second, fmt.Sprintf("the server to read the %d bytes written", wantBytes), func() bool {
		return f.received.Load()-received >= wantBytes
	})
	if st := f.pub.Status(); st.State != Live || st.Reconnects != 0 {
		t.Fatalf("status %+v, want live throughout", st)
	}
}

// BenchmarkRTMPSession measures one video and one audio packet through a
// live RTMP session (see TestRTMPSessionAllocatesNothing).
func BenchmarkRTMPSession(b *testing.B) {
	f := newLiveFeed(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f.step()
	}
}

// TestFileSessionAllocatesNothing: writing a video and an audio packet to
// a recording, with the free space looked at every few seconds of stream,
// allocates nothing in steady state.
func TestFileSessionAllocatesNothing(t *testing.T) {
	f := &File{Dir: t.TempDir(), KeepFree: 1 << 20, FreeSpace: func(string) (int64, error) { return 1 << 30, nil }}
	s, err := f.Open(context.Background(), Header{SPS: testSPS, PPS: testPPS, AudioConfig: asc48kMono})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v := encode.NewPacket(encode.Video)
	key, inter := keyframe(feedKeySize), append([]byte{0, 0, 0, 1, 0x41}, make([]byte, feedInterSize)...)
	v.Data = append(make([]byte, 0, len(key)), key...)
	a := encode.NewPacket(encode.Audio)
	a.Data = append(a.Data, make([]byte, feedAudioSize)...)
	n := 0
	step := func() {
		ts := time.Duration(n) * time.Second / 30
		v.Key = n%60 == 0
		if v.Key {
			v.Data = append(v.Data[:0], key...)
		} else {
			v.Data = append(v.Data[:0], inter...)
		}
		v.PTS, v.DTS = ts, ts
		if err := s.WriteVideo(v, ts); err != nil {
			t.Fatal(err)
		}
		if err := s.WriteAudio(a, ts); err != nil {
			t.Fatal(err)
		}
		n++
	}
	for i := 0; i < 120; i++ {
		step()
	}
	if allocs := testing.AllocsPerRun(600, step); allocs > 0 {
		t.Fatalf("%v allocations per video+audio packet pair, want 0", allocs)
	}
}
