package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/internal/backoff"
	"github.com/pitchbox/pitchbox/internal/wait"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"rtmps://x.global-contribute.live-video.net:443/app/sk_us-west-2_abc": "rtmps://x.global-contribute.live-video.net:443/app/****",
		"rtmp://127.0.0.1:1935/live/key?token=1":                              "rtmp://127.0.0.1:1935/live/****",
		"::not a url":                                                         "(invalid URL)",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
	err := redactErr(&RejectedError{Reason: "publish refused: bad key sk_abc"}, "sk_abc")
	if strings.Contains(err.Error(), "sk_abc") || !IsRejected(err) {
		t.Fatalf("redactErr = %v", err)
	}
}

// fakeDest records what is written and fails on demand.
type fakeDest struct {
	mu       sync.Mutex
	opens    int
	openErr  error
	sessions []*fakeSession
}

func (d *fakeDest) String() string { return "fake" }

func (d *fakeDest) Open(ctx context.Context, h Header) (Session, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.opens++
	if d.openErr != nil {
		return nil, d.openErr
	}
	s := &fakeSession{done: make(chan struct{}), sps: string(h.SPS)}
	d.sessions = append(d.sessions, s)
	return s, nil
}

func (d *fakeDest) state() (int, []*fakeSession) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.opens, append([]*fakeSession(nil), d.sessions...)
}

type fakeSession struct {
	mu     sync.Mutex
	sps    string
	video  []time.Duration
	keys   []bool
	audio  []time.Duration
	done   chan struct{}
	closed bool
}

func (s *fakeSession) WriteVideo(p *encode.Packet, ts time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.video = append(s.video, ts)
	s.keys = append(s.keys, p.Key)
	return nil
}
func (s *fakeSession) WriteAudio(p *encode.Packet, ts time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.audio = append(s.audio, ts)
	return nil
}
func (s *fakeSession) Done() <-chan struct{} { return s.done }
func (s *fakeSession) Err() error            { return errors.New("peer went away") }
func (s *fakeSession) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}
func (s *fakeSession) counts() (int, bool, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.video), len(s.keys) > 0 && s.keys[0], s.closed
}

func videoPacket(pts time.Duration, key bool) *encode.Packet {
	p := encode.NewPacket(encode.Video)
	if key {
		p.Data = append(p.Data, 0, 0, 0, 1, 0x67, 0x42, 0, 0x1f, 0, 0, 0, 1, 0x68, 1, 0, 0, 0, 1, 0x65, 9)
	} else {
		p.Data = append(p.Data, 0, 0, 0, 1, 0x41, 9)
	}
	p.PTS, p.DTS, p.Key = pts, pts, key
	return p
}

func TestPublisherStartsAtKeyframeAndRestartsAfterDrop(t *testing.T) {
	d := &fakeDest{}
	var reqs int
	var mu sync.Mutex
	p := NewPublisher(d, Options{
		Logger:          quiet,
		Backoff:         backoff.Backoff{Min: 10 * time.Millisecond, Max: 20 * time.Millisecond},
		RequestKeyframe: func() { mu.Lock(); reqs++; mu.Unlock() },
	})
	defer p.Close()
	// Non-key video before the first keyframe is dropped.
	p.Submit(videoPacket(0, false))
	p.Submit(videoPacket(time.Second, true))
	p.Submit(videoPacket(time.Second+33*time.Millisecond, false))
	a := encode.NewPacket(encode.Audio)
	a.PTS, a.DTS = time.Second+40*time.Millisecond, time.Second+40*time.Millisecond
	p.Submit(a)
	wait.For(t, 5*time.Second, "first session", func() bool {
		_, ss := d.state()
		if len(ss) != 1 {
			return false
		}
		n, _, _ := ss[0].counts()
		return n == 2
	})
	_, ss := d.state()
	s0 := ss[0]
	if s0.sps != "\x67\x42\x00\x1f" {
		t.Fatalf("header SPS %x, want the keyframe's", s0.sps)
	}
	if s0.video[0] != 0 || s0.video[1] != 33*time.Millisecond || !s0.keys[0] {
		t.Fatalf("session video %v keys %v: want to start at 0 with the keyframe", s0.video, s0.keys)
	}
	if st := p.Status(); st.State != Live || st.Dropped != 1 {
		t.Fatalf("status %+v, want live with 1 dropped", st)
	}
	// The peer goes away: the publisher reconnects and restarts at a
	// keyframe it asks for.
	close(s0.done)
	wait.For(t, 5*time.Second, "reconnecting", func() bool { return p.Status().Reconnects == 1 })
	feedUntilSession(t, p, d, 2)
	_, ss = d.state()
	if n, firstKey, _ := ss[1].counts(); n < 1 || !firstKey {
		t.Fatalf("second session: %d frames, first key %v", n, firstKey)
	}
	if _, _, closed := s0.counts(); !closed {
		t.Fatal("failed session not closed")
	}
	mu.Lock()
	defer mu.Unlock()
	if reqs < 2 {
		t.Fatalf("%d keyframe requests, want one per session at least", reqs)
	}
}

// feedUntilSession submits packets, a keyframe a second, until session n
// of d has a frame: what arrives during the backoff is dropped.
func feedUntilSession(t *testing.T, p *Publisher, d *fakeDest, n int) {
	t.Helper()
	pts := 3 * time.Second
	wait.For(t, 5*time.Second, fmt.Sprintf("session %d", n), func() bool {
		p.Submit(videoPacket(pts, false))
		p.Submit(videoPacket(pts+time.Millisecond, true))
		pts += time.Second
		_, ss := d.state()
		if len(ss) != n {
			return false
		}
		frames, _, _ := ss[n-1].counts()
		return frames >= 1
	})
}

func TestPublisherQueueBoundedDropsToKeyframe(t *testing.T) {
	d := &fakeDest{openErr: errors.New("down")}
	var reqs int
	var mu sync.Mutex
	p := NewPublisher(d, Options{
		Logger:          quiet,
		QueueLen:        4,
		Backoff:         backoff.Backoff{Min: time.Hour, Max: time.Hour},
		RequestKeyframe: func() { mu.Lock(); reqs++; mu.Unlock() },
	})
	defer p.Close()
	p.Submit(videoPacket(0, true))
	wait.For(t, 5*time.Second, "first failure", func() bool { return p.Status().State == Reconnecting })
	// While waiting out the backoff, the publisher drains and drops; the
	// queue never holds more than QueueLen.
	for i := 0; i < 1000; i++ {
		p.Submit(videoPacket(time.Duration(i)*time.Millisecond, i%30 == 0))
	}
	if n := len(p.queue); n > 4 {
		t.Fatalf("queue holds %d packets", n)
	}
	if st := p.Status(); st.Dropped < 900 {
		t.Fatalf("dropped %d of 1000 while down", st.Dropped)
	}
}
