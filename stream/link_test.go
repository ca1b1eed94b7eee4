package stream

import (
	"context"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/internal/wait"
)

// stallDest opens sessions whose video writes block while stalled.
type stallDest struct {
	fakeDest
	stall chan struct{} // closed: writes go through
}

type stallSession struct {
	*fakeSession
	stall chan struct{}
}

func (d *stallDest) Open(ctx context.Context, h Header) (Session, error) {
	s, err := d.fakeDest.Open(ctx, h)
	if err != nil {
		return nil, err
	}
	return &stallSession{s.(*fakeSession), d.stall}, nil
}

func (s *stallSession) WriteVideo(p *encode.Packet, ts time.Duration) error {
	<-s.stall
	return s.fakeSession.WriteVideo(p, ts)
}

// TestPublisherLinkBacklog: a write that blocks holds the backlog at the
// stream time queued behind it; once the link moves the backlog is gone,
// and the bytes sent are counted. No session, no backlog.
func TestPublisherLinkBacklog(t *testing.T) {
	d := &stallDest{stall: make(chan struct{})}
	p := NewPublisher(d, Options{QueueLen: 64})
	defer p.Close()
	if l := p.Link(); l.Sending || l.Backlog != 0 || l.QueueLen != 64 {
		t.Fatalf("before a session: %+v", l)
	}
	p.Submit(videoPacket(0, true))
	for i := 1; i <= 45; i++ { // 1.5 s at 30 fps behind the stuck keyframe
		p.Submit(videoPacket(time.Duration(i)*time.Second/30, false))
	}
	wait.For(t, 5*time.Second, "a session", func() bool { return p.Link().Sending })
	if l := p.Link(); l.Backlog != 1500*time.Millisecond || l.Queued != 45 {
		t.Fatalf("stalled: %+v", l)
	}
	close(d.stall)
	wait.For(t, 5*time.Second, "the backlog sent", func() bool { return p.Link().Backlog == 0 && p.Link().Queued == 0 })
	if l := p.Link(); l.SentBytes != 20+45*6 {
		t.Fatalf("sent: %+v", l)
	}
}
