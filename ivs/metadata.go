package ivs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ivs"
	"github.com/aws/aws-sdk-go-v2/service/ivs/types"
)

// MaxMetadata is the largest PutMetadata payload IVS takes, in bytes.
const MaxMetadata = 1024

// MetadataRate is how many PutMetadata calls IVS takes per channel in a
// second; MetadataWindow is the window the sender keeps them in, a little
// longer than a second so calls bunched up on the way still fit.
const (
	MetadataRate   = 5
	MetadataWindow = 1100 * time.Millisecond
)

// ErrMetadataClosed is what Send returns after Close.
var ErrMetadataClosed = errors.New("ivs: the metadata sender is closed")

// Backing off while IVS says the channel is not broadcasting (it takes a
// few seconds to see a new stream) or throttles.
const (
	firstBackoff = time.Second
	maxBackoff   = 16 * time.Second
)

// MetadataOptions are a MetadataSender's optional settings.
type MetadataOptions struct {
	// Logger gets the sender's few messages (nil: slog.Default()).
	Logger *slog.Logger
	// Now and After replace the clock (tests); nil: time.Now, time.After.
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time
}

// MetadataStats counts what a MetadataSender did.
type MetadataStats struct {
	// Sent is the calls IVS accepted; Coalesced the payloads replaced by a
	// newer one before they could be sent; Failed the payloads dropped
	// after an error other than ChannelNotBroadcasting or throttling.
	Sent, Coalesced, Failed int64
	// LastError is the last such error ("" for none).
	LastError string
}

// MetadataSender sends timed metadata to one channel with IVS
// PutMetadata from its own goroutine, which Close stops. Send never
// blocks: at most MetadataRate calls go out per MetadataWindow, and a
// payload that cannot go yet waits as the single pending one, replaced by
// any newer payload (the latest event is the one that matters). Calls are
// made only while the caller says the channel is live (SetLive); a
// payload given while off air waits for it. ChannelNotBroadcasting (IVS
// has not seen the stream yet, or no longer) and throttling keep the
// payload and retry after a back-off, quietly. It is safe for concurrent
// use.
type MetadataSender struct {
	client *ivs.Client
	arn    string
	log    *slog.Logger
	now    func() time.Time
	after  func(time.Duration) <-chan time.Time

	ctx    context.Context
	cancel context.CancelFunc
	wake   chan struct{}
	done   chan struct{}

	mu      sync.Mutex
	pending []byte
	live    bool
	closed  bool
	sent    []time.Time // the calls in the last window, oldest first
	retryAt time.Time   // no call before this (back-off)
	backoff time.Duration
	quiet   bool // ChannelNotBroadcasting already logged while live
	stats   MetadataStats
}

// NewMetadataSender starts a sender for channelARN on account a (its
// Endpoint, if set, replaces the regional IVS endpoint). It starts off
// air: call SetLive(true) when the stream is live.
func NewMetadataSender(a Account, channelARN string, o MetadataOptions) (*MetadataSender, error) {
	if err := a.Check(channelARN); err != nil {
		return nil, err
	}
	s := &MetadataSender{client: a.client(), arn: channelARN, log: o.Logger, now: o.Now, after: o.After,
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.after == nil {
		s.after = time.After
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	go s.loop()
	return s, nil
}

// CheckMetadata returns why IVS would refuse payload, or nil.
func CheckMetadata(payload []byte) error {
	switch {
	case len(payload) == 0:
		return errors.New("ivs: empty timed metadata")
	case len(payload) > MaxMetadata:
		return fmt.Errorf("ivs: timed metadata is %d bytes; IVS PutMetadata takes at most %d", len(payload), MaxMetadata)
	case !utf8.Valid(payload):
		return errors.New("ivs: timed metadata is not UTF-8 text")
	}
	return nil
}

// Send queues payload (such as a control.ProductEvent's JSON) to be sent
// as soon as the rate and the stream allow, replacing any payload still
// waiting. It never blocks; it refuses a payload IVS would refuse.
func (s *MetadataSender) Send(payload []byte) error {
	if err := CheckMetadata(payload); err != nil {
		return err
	}
	p := append([]byte(nil), payload...)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrMetadataClosed
	}
	if s.pending != nil {
		s.stats.Coalesced++
	}
	s.pending, s.retryAt, s.backoff = p, time.Time{}, 0
	s.mu.Unlock()
	s.poke()
	return nil
}

// SetLive says whether the channel is live: calls are made only while it
// is. Going off air keeps the pending payload for the next time.
func (s *MetadataSender) SetLive(live bool) {
	s.mu.Lock()
	changed := s.live != live
	s.live = live
	if changed {
		s.retryAt, s.backoff, s.quiet = time.Time{}, 0, false
	}
	s.mu.Unlock()
	s.poke()
}

// Stats returns the counts so far.
func (s *MetadataSender) Stats() MetadataStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Close stops the goroutine, abandoning a call in flight and any pending
// payload, and waits for it. It may be called more than once.
func (s *MetadataSender) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	<-s.done
	return nil
}

// poke wakes the goroutine without blocking.
func (s *MetadataSender) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// loop sends pending payloads when allowed, until Close.
func (s *MetadataSender) loop() {
	defer close(s.done)
	for {
		p, wait := s.next()
		if p != nil {
			s.put(p)
			continue
		}
		var timer <-chan time.Time
		if wait > 0 {
			timer = s.after(wait)
		}
		select {
		case <-s.ctx.Done():
			return
		case <-s.wake:
		case <-timer:
		}
	}
}

// next takes the pending payload if it may be sent now; otherwise it
// returns how long to wait (0: until woken).
func (s *MetadataSender) next() ([]byte, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending == nil || !s.live || s.closed {
		return nil, 0
	}
	now := s.now()
	for len(s.sent) > 0 && now.Sub(s.sent[0]) >= MetadataWindow {
		s.sent = s.sent[1:]
	}
	at := s.retryAt
	if len(s.sent) >= MetadataRate {
		if t := s.sent[0].Add(MetadataWindow); t.After(at) {
			at = t
		}
	}
	if at.After(now) {
		return nil, at.Sub(now)
	}
	p := s.pending
	s.pending = nil
	s.sent = append(s.sent, now)
	return p, 0
}

// put makes one PutMetadata call for p, without the SDK's retries (a
// retry is a new call against the rate), and handles its answer.
func (s *MetadataSender) put(p []byte) {
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	_, err := s.client.PutMetadata(ctx, &ivs.PutMetadataInput{ChannelArn: aws.String(s.arn), Metadata: aws.String(string(p))},
		func(o *ivs.Options) { o.RetryMaxAttempts = 1 })
	s.mu.Lock()
	defer s.mu.Unlock()
	var nb *types.ChannelNotBroadcasting
	var th *types.ThrottlingException
	switch {
	case err == nil:
		s.stats.Sent++
		s.backoff, s.quiet = 0, false
	case s.ctx.Err() != nil:
	case errors.As(err, &nb), errors.As(err, &th):
		if !s.quiet {
			s.log.Debug("ivs: timed metadata waits: the channel is not broadcasting yet, or IVS throttles; retrying")
			s.quiet = true
		}
		s.retry(p)
	default:
		s.stats.Failed++
		if e := apiError("PutMetadata", err).Error(); e != s.stats.LastError {
			s.log.Warn("ivs: timed metadata not sent", "err", e)
			s.stats.LastError = e
		}
	}
}

// retry keeps p pending (unless a newer payload came) and backs off.
// s.mu is held.
func (s *MetadataSender) retry(p []byte) {
	if s.pending == nil {
		s.pending = p
	}
	s.backoff = min(max(2*s.backoff, firstBackoff), maxBackoff)
	s.retryAt = s.now().Add(s.backoff)
}
