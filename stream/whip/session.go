package whip

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/stream"
)

// Sample durations before there is a previous timestamp to measure from.
const (
	firstVideoDuration = time.Second / 30
	firstAudioDuration = 20 * time.Millisecond
)

// A session reports its link's estimate to the ABR.
var _ stream.Estimator = (*session)(nil)

// errClosed is Err after Close.
var errClosed = errors.New("whip: closed")

// session is one WHIP session: a PeerConnection sending H.264 and Opus,
// and the resource URL that ends it.
type session struct {
	pc           *webrtc.PeerConnection
	video, audio *webrtc.TrackLocalStaticSample
	sig          signal
	resource     *url.URL // nil until the answer, or when the server gave none
	bwe          *bwe     // the congestion controller

	// Owned by the writers: WriteVideo and WriteAudio may run at the same
	// time, each from one goroutine.
	vl, al lane

	connected chan struct{} // closed when the PeerConnection first connects
	connOnce  sync.Once
	// end is done when the session ends; its cause is why (fail).
	end       context.Context
	stop      context.CancelCauseFunc
	closeOnce sync.Once
	closeErr  error
	readers   sync.WaitGroup // the RTCP readers
}

// newSession builds the PeerConnection, POSTs its offer to u and applies
// the answer. The media connection is not up yet: see connect.
// startKbps is where its congestion controller starts.
func newSession(ctx context.Context, u *url.URL, token string, client *http.Client, startKbps int) (*session, error) {
	b := &bwe{startKbps: startKbps}
	api, err := newAPI(isLoopback(u.Hostname()), b)
	if err != nil {
		return nil, fmt.Errorf("whip: %w", err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("whip: %w", err)
	}
	s := &session{pc: pc, sig: signal{client: client, token: token, origin: u}, bwe: b,
		connected: make(chan struct{})}
	s.end, s.stop = context.WithCancelCause(context.Background())
	pc.OnConnectionStateChange(func(webrtc.PeerConnectionState) { s.stateChanged() })
	if err := s.addTracks(); err != nil {
		s.Close()
		return nil, fmt.Errorf("whip: %w", err)
	}
	sdp, err := offer(ctx, pc)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("whip: creating the offer: %w", err)
	}
	answer, resource, err := s.sig.post(ctx, u, sdp)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.resource = resource
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		s.Close()
		return nil, &stream.RejectedError{Reason: "the WHIP server's answer cannot be used: " + maskToken(err.Error(), token)}
	}
	return s, nil
}

// addTracks adds the sendonly H.264 and Opus tracks, and starts a reader
// of each sender's RTCP: pion's NACK handling sees only the RTCP read.
func (s *session) addTracks() error {
	var err error
	if s.video, err = webrtc.NewTrackLocalStaticSample(h264Codec.RTPCodecCapability, "video", "pitchbox"); err != nil {
		return err
	}
	if s.audio, err = webrtc.NewTrackLocalStaticSample(opusCodec.RTPCodecCapability, "audio", "pitchbox"); err != nil {
		return err
	}
	for _, track := range []webrtc.TrackLocal{s.video, s.audio} {
		tr, err := s.pc.AddTransceiverFromTrack(track,
			webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
		if err != nil {
			return err
		}
		s.readers.Add(1)
		go s.readRTCP(tr.Sender())
	}
	return nil
}

// readRTCP reads what the server says about a track (receiver reports,
// NACKs) until the PeerConnection closes; the interceptors act on it.
func (s *session) readRTCP(sender *webrtc.RTPSender) {
	defer s.readers.Done()
	buf := make([]byte, 1500)
	for {
		if _, _, err := sender.Read(buf); err != nil {
			return
		}
	}
}

// connect waits until ICE and DTLS are up, at most connectTimeout.
func (s *session) connect(ctx context.Context) error {
	t := time.NewTimer(connectTimeout)
	defer t.Stop()
	select {
	case <-s.connected:
		return nil
	case <-s.end.Done():
		return context.Cause(s.end)
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return fmt.Errorf("whip: no media connection to the WHIP server within %v (is UDP blocked?)", connectTimeout)
	}
}

// stateChanged follows the PeerConnection's state. pion calls it on a new
// goroutine for each change, so it reads the current state rather than
// trusting the order of calls.
func (s *session) stateChanged() {
	switch s.pc.ConnectionState() {
	case webrtc.PeerConnectionStateConnected:
		s.connOnce.Do(func() { close(s.connected) })
	case webrtc.PeerConnectionStateFailed:
		select {
		case <-s.connected:
			s.fail(fmt.Errorf("whip: connection lost: nothing heard from the WHIP server for %v (ICE failed)",
				iceDisconnected+iceFailed))
		default:
			s.fail(errors.New("whip: no media connection to the WHIP server (ICE or DTLS failed; is UDP blocked?)"))
		}
	case webrtc.PeerConnectionStateClosed:
		// Unless Close did it (then Err is errClosed already), pion
		// closes on the server's DTLS close_notify.
		s.fail(errors.New("whip: the WHIP server ended the session"))
	}
}

// fail ends the session with err, unless it has ended already.
func (s *session) fail(err error) { s.stop(err) }

// lane is one track's writer state, owned by the goroutine that writes
// the track.
type lane struct {
	sample media.Sample  // reused by every write
	last   time.Duration // the previous sample's ts
	seen   bool          // a sample was written
}

// WriteVideo implements stream.Session: p.Data is one H.264 access unit
// in Annex B, sent as one sample lasting from the previous video ts to
// ts. It allocates nothing itself (pion's packetizer does).
func (s *session) WriteVideo(p *encode.Packet, ts time.Duration) error {
	return s.write(s.video, &s.vl, p, ts, firstVideoDuration)
}

// WriteAudio implements stream.Session: p.Data is one Opus packet (20
// ms).
func (s *session) WriteAudio(p *encode.Packet, ts time.Duration) error {
	return s.write(s.audio, &s.al, p, ts, firstAudioDuration)
}

// write sends p as track's next sample, lasting from l's previous ts to
// ts (first for the first sample), unless the session has ended.
func (s *session) write(track *webrtc.TrackLocalStaticSample, l *lane, p *encode.Packet, ts, first time.Duration) error {
	if err := s.Err(); err != nil {
		return err
	}
	l.sample.Data = p.Data
	l.sample.Duration = l.step(ts, first)
	err := track.WriteSample(l.sample)
	l.sample.Data = nil // the packet goes back to its pool
	return err
}

// step returns how long after the previous sample ts comes, or first for
// the first sample and for a ts not after the previous one (the RTP clock
// must go forward), and records ts.
func (l *lane) step(ts, first time.Duration) time.Duration {
	d := ts - l.last
	if !l.seen || d <= 0 {
		d = first
	}
	l.last, l.seen = ts, true
	return d
}

// EstimateKbps implements stream.Estimator: what GCC estimates the link
// to the server carries, in kbit/s, from the server's TWCC feedback; 0
// before the first feedback, and when none came for the last 2 s (a
// server that sends none). It allocates nothing, and is safe to call at
// any time, after Close too.
func (s *session) EstimateKbps() int { return s.bwe.kbps() }

// Done implements stream.Session: closed when the connection fails (the
// caller then opens a new session, with a new POST) and on Close.
func (s *session) Done() <-chan struct{} { return s.end.Done() }

// Err implements stream.Session: nil while the session lasts.
func (s *session) Err() error { return context.Cause(s.end) }

// Close implements stream.Session: it DELETEs the session resource
// (errors ignored, at most deleteTimeout) and closes the PeerConnection,
// waiting for the goroutines it started.
func (s *session) Close() error {
	s.closeOnce.Do(func() {
		s.fail(errClosed)
		if s.resource != nil {
			s.sig.remove(s.resource)
		}
		s.closeErr = s.pc.GracefulClose()
		s.readers.Wait()
	})
	return s.closeErr
}
