package box

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/stream"
)

// muxer hands audio and video packets to the publisher in timestamp
// order. A packet goes out once the other track has reached its time, or
// once it has waited maxHold (the other track stalled: a lost camera or
// microphone must not stop the stream).
type muxer struct {
	mu           sync.Mutex
	video, audio fifo
	lastV, lastA time.Duration
	pub          *stream.Publisher
	maxHold      time.Duration
	dropped      atomic.Uint64 // packets dropped because a track's queue was full
}

const (
	muxHold = 300 * time.Millisecond
	// muxCap bounds each track's queue (about 8 s of 30 fps video, 10 s
	// of AAC at 48 kHz): timestamps that never let a packet go (a clock
	// gone wrong) must not grow memory.
	muxCap = 256
)

// fifo is a queue that reuses its array (no allocation in steady state).
type fifo struct {
	buf  []*encode.Packet
	head int
}

func (q *fifo) len() int              { return len(q.buf) - q.head }
func (q *fifo) peek() *encode.Packet  { return q.buf[q.head] }
func (q *fifo) push(p *encode.Packet) { q.buf = append(q.buf, p) }
func (q *fifo) pop() (p *encode.Packet) {
	p, q.buf[q.head] = q.buf[q.head], nil
	q.head++
	if q.head == len(q.buf) {
		q.buf, q.head = q.buf[:0], 0
	} else if q.head > 64 && q.head*2 > len(q.buf) {
		n := copy(q.buf, q.buf[q.head:])
		clear(q.buf[n:])
		q.buf, q.head = q.buf[:n], 0
	}
	return p
}

// setPublisher starts a new session (nil: not live); queued packets of the
// previous one are dropped.
func (m *muxer) setPublisher(p *stream.Publisher) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, q := range []*fifo{&m.video, &m.audio} {
		for q.len() > 0 {
			q.pop().Release()
		}
	}
	m.pub = p
}

// push queues pkt (video or audio) and sends what is ready.
func (m *muxer) push(pkt *encode.Packet) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pub == nil {
		pkt.Release()
		return
	}
	q := &m.audio
	if pkt.Kind == encode.Video {
		q, m.lastV = &m.video, pkt.DTS
	} else {
		m.lastA = pkt.DTS
	}
	if q.len() >= muxCap {
		q.pop().Release()
		m.dropped.Add(1)
	}
	q.push(pkt)
	hold := m.maxHold
	if hold == 0 {
		hold = muxHold
	}
	for {
		v, a := m.video.len() > 0, m.audio.len() > 0
		switch {
		case v && a:
			if m.audio.peek().DTS <= m.video.peek().DTS {
				m.pub.Submit(m.audio.pop())
			} else {
				m.pub.Submit(m.video.pop())
			}
		case v && (m.video.peek().DTS <= m.lastA || m.lastV-m.video.peek().DTS > hold):
			m.pub.Submit(m.video.pop())
		case a && (m.audio.peek().DTS <= m.lastV || m.lastA-m.audio.peek().DTS > hold):
			m.pub.Submit(m.audio.pop())
		default:
			return
		}
	}
}
