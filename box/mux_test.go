package box

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/internal/wait"
	"github.com/pitchbox/pitchbox/stream"
)

// recordDest keeps what a publisher writes, in order.
type recordDest struct {
	mu  sync.Mutex
	got []string
}

type recordSession struct {
	d    *recordDest
	done chan struct{}
}

func (d *recordDest) String() string { return "record" }
func (d *recordDest) Open(context.Context, stream.Header) (stream.Session, error) {
	return &recordSession{d: d, done: make(chan struct{})}, nil
}
func (s *recordSession) WriteVideo(p *encode.Packet, ts time.Duration) error {
	return s.add("v", p)
}
func (s *recordSession) WriteAudio(p *encode.Packet, ts time.Duration) error {
	return s.add("a", p)
}
func (s *recordSession) add(k string, p *encode.Packet) error {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	s.d.got = append(s.d.got, k+p.PTS.String())
	return nil
}
func (s *recordSession) Done() <-chan struct{} { return s.done }
func (s *recordSession) Err() error            { return nil }
func (s *recordSession) Close() error          { return nil }

func pkt(kind encode.Kind, ms int, key bool) *encode.Packet {
	p := encode.NewPacket(kind)
	p.Data = append(p.Data, 0, 0, 0, 1, 0x65)
	p.PTS = time.Duration(ms) * time.Millisecond
	p.DTS, p.Key = p.PTS, key
	return p
}

func TestMuxerOrdersAndDoesNotWaitForever(t *testing.T) {
	d := &recordDest{}
	pub := stream.NewPublisher(d, stream.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer pub.Close()
	var m muxer
	m.setPublisher(pub)
	// Video runs ahead of audio (an encoder delay): video waits for audio.
	m.push(pkt(encode.Video, 0, true))
	m.push(pkt(encode.Video, 33, false))
	m.push(pkt(encode.Audio, 0, true))
	m.push(pkt(encode.Audio, 23, true))
	m.push(pkt(encode.Audio, 46, true))
	m.push(pkt(encode.Video, 66, false))
	// Audio stalls (microphone gone): video goes out after the hold.
	for ms := 100; ms <= 500; ms += 33 {
		m.push(pkt(encode.Video, ms, false))
	}
	want := []string{"v0s", "a0s", "a23ms", "v33ms", "a46ms", "v66ms", "v100ms"}
	var got []string
	wait.For(t, 5*time.Second, "the publisher to write the packets", func() bool {
		d.mu.Lock()
		got = append(got[:0], d.got...)
		d.mu.Unlock()
		return len(got) >= len(want)
	})
	for i, w := range want {
		if i >= len(got) || got[i] != w {
			t.Fatalf("order %v, want it to start %v", got, want)
		}
	}
	m.setPublisher(nil)
	m.push(pkt(encode.Video, 600, true)) // not live: released, not queued
	if m.video.len() != 0 {
		t.Fatal("packets queued while not live")
	}
}

// TestMuxerQueueIsCapped: packets whose timestamps never let them go (the
// other track's clock stuck far behind) do not pile up: each queue stays
// at muxCap, the oldest are dropped and counted, and memory stays flat.
func TestMuxerQueueIsCapped(t *testing.T) {
	d := &recordDest{}
	pub := stream.NewPublisher(d, stream.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer pub.Close()
	m := muxer{maxHold: time.Hour}
	m.setPublisher(pub)
	m.push(pkt(encode.Audio, 0, true))
	for i := 0; i < 3*muxCap; i++ {
		m.push(pkt(encode.Video, 1000+i, i == 0))
	}
	m.mu.Lock()
	n := m.video.len()
	m.mu.Unlock()
	if n != muxCap {
		t.Fatalf("video queue holds %d packets, want the cap %d", n, muxCap)
	}
	if got := m.dropped.Load(); got != 2*muxCap {
		t.Fatalf("dropped %d, want %d", got, 2*muxCap)
	}
}
