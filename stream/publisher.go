package stream

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/encode/h264"
	"github.com/pitchbox/pitchbox/internal/backoff"
)

// Options tune a Publisher. Zero values take the defaults.
type Options struct {
	// QueueLen bounds the packets waiting to be sent (default 512, about
	// seven seconds of 30 fps video with its audio).
	QueueLen int
	// Backoff between attempts after a failure (default 0.25 s growing by
	// a quarter each time to 30 s). It starts over once a session has
	// delivered media (a second of stream was sent). Growing by a quarter,
	// each delay is at most half the time already waited plus 0.25 s,
	// whatever the jitter: after an outage of T the box tries again at most
	// T/2 + 0.25 s after the server is back, however many outages came
	// before. (By half, an unlucky draw can make it nearly T.)
	Backoff backoff.Backoff
	// RejectedBackoff between attempts after the server refused the stream
	// (default 15 s to 2 min): the key may be valid again later (IVS refuses
	// an early reconnect after a hard drop), but it is never hammered.
	RejectedBackoff backoff.Backoff
	// DiskRetry is the pause between looks for free space when the disk
	// is full (a statfs; no file is made): 5 s by default.
	DiskRetry time.Duration
	// StableAfter is how long a session must last for RejectedBackoff to
	// start over (default 30 s): a server that takes the stream and then
	// refuses it again stays slowly retried.
	StableAfter time.Duration
	// RequestKeyframe asks the encoder for an IDR (after a drop or on
	// reconnect, so the stream restarts at once).
	RequestKeyframe func()
	// AudioConfig is the AAC AudioSpecificConfig sent in the header.
	AudioConfig []byte
	Logger      *slog.Logger
}

// Status is a snapshot of the publisher, as the box reports it.
type Status = control.StreamStatus

// withDefaults fills in the zero options.
func (opt Options) withDefaults() Options {
	if opt.QueueLen <= 0 {
		opt.QueueLen = 512
	}
	if opt.Backoff.Min == 0 {
		opt.Backoff.Min, opt.Backoff.Max, opt.Backoff.Factor = 250*time.Millisecond, 30*time.Second, 1.25
	}
	if opt.RejectedBackoff.Min == 0 {
		opt.RejectedBackoff.Min, opt.RejectedBackoff.Max = 15*time.Second, 2*time.Minute
	}
	if opt.DiskRetry == 0 {
		opt.DiskRetry = 5 * time.Second
	}
	if opt.StableAfter == 0 {
		opt.StableAfter = 30 * time.Second
	}
	if opt.RequestKeyframe == nil {
		opt.RequestKeyframe = func() {}
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	return opt
}

// clock is the publisher's time: the wall clock, or a test's.
type clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed, and a
	// function that stops the timer.
	After(d time.Duration) (<-chan time.Time, func() bool)
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) After(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

// Publisher sends packets to a Destination from its own goroutine.
type Publisher struct {
	dest    Destination
	service string // the destination as a seller names it, for Explain
	opt     Options
	log     *slog.Logger
	clk     clock
	queue   chan *encode.Packet

	needKey atomic.Bool
	dropped atomic.Uint64
	// sentVideo and sentBytes count what sessions sent, as they send it
	// (status and the screen's graph measure rates from them).
	sentVideo, sentBytes atomic.Uint64
	// inDTS is the DTS of the newest video packet queued, outDTS that of
	// the newest one a session finished writing (its first keyframe's
	// until then); pumping is set while a session sends. Link measures
	// the backlog from them.
	inDTS, outDTS atomic.Int64
	pumping       atomic.Bool
	// estimator is the current session's Estimator while it sends (nil
	// otherwise, or when the session has none).
	estimator atomic.Pointer[Estimator]

	mu     sync.Mutex
	status Status

	cancel context.CancelFunc
	done   chan struct{}
}

// NewPublisher starts publishing to dest. Close stops it.
func NewPublisher(dest Destination, opt Options) *Publisher {
	return newPublisher(dest, opt, wallClock{})
}

// newPublisher is NewPublisher on the clock clk.
func newPublisher(dest Destination, opt Options, clk clock) *Publisher {
	opt = opt.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	p := &Publisher{
		dest: dest, service: serviceOf(dest.String()), opt: opt, log: opt.Logger.With("destination", dest.String()), clk: clk,
		queue:  make(chan *encode.Packet, opt.QueueLen),
		cancel: cancel, done: make(chan struct{}),
	}
	p.status.Destination = dest.String()
	p.status.State = Connecting
	p.needKey.Store(true)
	go p.run(ctx)
	return p
}

// Submit hands a packet over without ever blocking. The publisher owns it
// from then on. When the queue is full the packet is dropped, and video is
// dropped until the next keyframe (a keyframe is requested).
func (p *Publisher) Submit(pkt *encode.Packet) {
	if pkt.Kind == encode.Video {
		if pkt.Key {
			p.needKey.Store(false)
		} else if p.needKey.Load() {
			p.drop(pkt)
			return
		}
	}
	video, dts := pkt.Kind == encode.Video, int64(pkt.DTS) // pkt is not ours once queued
	select {
	case p.queue <- pkt:
		if video {
			p.inDTS.Store(dts)
		}
	default:
		p.drop(pkt)
		if pkt.Kind == encode.Video && !p.needKey.Swap(true) {
			p.opt.RequestKeyframe()
		}
	}
}

func (p *Publisher) drop(pkt *encode.Packet) {
	p.dropped.Add(1)
	pkt.Release()
}

// Queued reports how many packets wait for the session.
func (p *Publisher) Queued() int { return len(p.queue) }

// Link is what a publisher knows of its link, for adapting the bitrate.
type Link struct {
	// Sending is true while a session sends; the rest means little
	// otherwise.
	Sending bool
	// Backlog is how much video waits to be sent, as stream time: queued,
	// or in a write that blocks because the link is slower than the
	// stream (the newest queued frame's DTS less the newest written one's).
	Backlog time.Duration
	// Queued packets of QueueLen at most.
	Queued, QueueLen int
	// SentBytes counts the bytes written since the publisher started.
	SentBytes uint64
	// EstimateKbps is what the session's congestion controller estimates
	// the link carries (see Estimator), in kbit/s; 0 when the session has
	// none, or no estimate yet.
	EstimateKbps int
}

// Link reports the backlog, what was sent and the session's estimate. It
// allocates nothing.
func (p *Publisher) Link() Link {
	l := Link{Sending: p.pumping.Load(), Queued: len(p.queue), QueueLen: cap(p.queue), SentBytes: p.sentBytes.Load()}
	if l.Sending {
		l.Backlog = max(time.Duration(p.inDTS.Load()-p.outDTS.Load()), 0)
	}
	if e := p.estimator.Load(); e != nil {
		l.EstimateKbps = max((*e).EstimateKbps(), 0)
	}
	return l
}

// setEstimator makes sess's estimate the Link's, when it has one (nil
// sess: none).
func (p *Publisher) setEstimator(sess Session) {
	if e, ok := sess.(Estimator); ok {
		p.estimator.Store(&e)
		return
	}
	p.estimator.Store(nil)
}

// Status returns a snapshot.
func (p *Publisher) Status() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.status
	s.Dropped = p.dropped.Load()
	s.SentVideo, s.SentBytes = p.sentVideo.Load(), p.sentBytes.Load()
	return s
}

// Close ends the session cleanly and stops the publisher.
func (p *Publisher) Close() {
	p.cancel()
	<-p.done
	for {
		select {
		case pkt := <-p.queue:
			pkt.Release()
		default:
			return
		}
	}
}

func (p *Publisher) setState(f func(s *Status)) {
	p.mu.Lock()
	f(&p.status)
	p.mu.Unlock()
}

func (p *Publisher) run(ctx context.Context) {
	defer close(p.done)
	for ctx.Err() == nil {
		first := p.awaitKeyframe(ctx)
		if first == nil {
			return
		}
		sps, pps := h264.ParamSets(first.Data)
		h := Header{SPS: append([]byte(nil), sps...), PPS: append([]byte(nil), pps...), AudioConfig: p.opt.AudioConfig}
		sess, err := p.dest.Open(ctx, h)
		if err != nil {
			first.Release()
			if ctx.Err() != nil {
				return
			}
			p.failed(ctx, err)
			continue
		}
		started := p.clk.Now()
		p.setState(func(s *Status) {
			s.State, s.LastError, s.Problem, s.LiveSince, s.NextAttempt = Live, "", "", started, time.Time{}
			s.Connects++
		})
		p.log.Info("stream: live")
		p.outDTS.Store(int64(first.DTS))
		p.setEstimator(sess)
		p.pumping.Store(true)
		err = p.pump(ctx, sess, first)
		p.pumping.Store(false)
		p.setEstimator(nil)
		cerr := sess.Close()
		if ctx.Err() != nil {
			if cerr != nil {
				p.log.Warn("stream: close", "err", cerr)
			}
			p.setState(func(s *Status) { s.State, s.LiveSince = Off, time.Time{} })
			p.log.Info("stream: stopped")
			return
		}
		if p.clk.Now().Sub(started) >= p.opt.StableAfter {
			p.opt.RejectedBackoff.Reset()
		}
		p.failed(ctx, err)
	}
}

// awaitKeyframe drops everything queued until a video keyframe arrives.
func (p *Publisher) awaitKeyframe(ctx context.Context) *encode.Packet {
	p.opt.RequestKeyframe()
	for {
		select {
		case <-ctx.Done():
			return nil
		case pkt := <-p.queue:
			if pkt.Kind == encode.Video && pkt.Key {
				return pkt
			}
			p.drop(pkt)
		}
	}
}

// deliveredAfter is how much stream a session must have sent for the
// backoff to start over: a server that takes the first keyframe and drops
// the connection at once is retried with growing pauses, not every 0.25 s.
const deliveredAfter = time.Second

// pump sends packets until the session fails or ctx ends. Timestamps start
// at zero with the session's first keyframe; once a second of stream is
// sent, the session has delivered media and the backoff starts over.
func (p *Publisher) pump(ctx context.Context, sess Session, first *encode.Packet) error {
	base := first.DTS
	pkt := first
	delivered := false
	for {
		if pkt != nil {
			var err error
			if pkt.DTS >= base {
				if pkt.Kind == encode.Video {
					err = sess.WriteVideo(pkt, pkt.DTS-base)
					p.sentVideo.Add(1)
					p.outDTS.Store(int64(pkt.DTS))
				} else {
					err = sess.WriteAudio(pkt, pkt.DTS-base)
				}
				p.sentBytes.Add(uint64(len(pkt.Data)))
			}
			at := pkt.DTS - base
			pkt.Release()
			pkt = nil
			if err != nil {
				return err
			}
			if !delivered && at >= deliveredAfter {
				delivered = true
				p.opt.Backoff.Reset()
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-sess.Done():
			return sess.Err()
		case pkt = <-p.queue:
		}
	}
}

// failed records err and waits out the backoff, dropping what is queued
// meanwhile so that memory stays flat and the next session starts fresh.
func (p *Publisher) failed(ctx context.Context, err error) {
	var d time.Duration
	state := Reconnecting
	switch {
	case IsRejected(err):
		state = Refused
		d = p.opt.RejectedBackoff.Next()
	case errors.Is(err, ErrNoSpace):
		// Looking for free space costs a statfs and makes no file: look
		// every few seconds, so recording resumes soon after space is freed.
		d = p.opt.DiskRetry
	default:
		d = p.opt.Backoff.Next()
	}
	next := p.clk.Now().Add(d)
	problem := Explain(err, p.service)
	p.setState(func(s *Status) {
		s.State, s.LastError, s.Problem, s.LiveSince, s.NextAttempt = state, err.Error(), problem, time.Time{}, next
		s.Reconnects++ // counted when the retry is scheduled, not when it works
	})
	p.log.Warn("stream: "+state.String(), "err", err, "retry_in", d.Round(time.Millisecond))
	p.needKey.Store(true)
	fire, stop := p.clk.After(d)
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-fire:
			p.setState(func(s *Status) { s.State = Connecting })
			return
		case pkt := <-p.queue:
			p.drop(pkt)
		}
	}
}
