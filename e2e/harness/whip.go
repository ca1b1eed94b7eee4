package harness

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/pion/webrtc/v4/pkg/media/h264writer"
	"github.com/pion/webrtc/v4/pkg/media/oggwriter"
)

// WHIPOptions configures StartWHIP.
type WHIPOptions struct {
	// Token is the bearer token the server requires (401 otherwise); ""
	// requires none.
	Token string
	// Redirect makes URL answer every POST with 307 Temporary Redirect to
	// RedirectURL, on a second listener (another port), as IVS's global
	// endpoint sends a publisher to a regional one.
	Redirect bool
	// Dir receives the recordings; "": a t.TempDir().
	Dir string
}

// WHIPRequest is one HTTP request the server received.
type WHIPRequest struct {
	Method, Path string
	// Listener is 1 for URL's listener, 2 for RedirectURL's.
	Listener int
	// TokenOK: Authorization was "Bearer <Token>" (no header when the
	// server requires no token).
	TokenOK bool
	// Status is the HTTP status the server answered.
	Status int
}

// WHIPTrackStats counts what arrived on a track: RTP packets, and
// keyframes (H.264 access units holding an IDR slice or an SPS).
type WHIPTrackStats struct {
	Packets, Keyframes int
}

// WHIPSession is what the server knows about one session.
type WHIPSession struct {
	ID string
	// H264 is the video recording (Annex B), Ogg the Opus one; each exists
	// once its track arrived, and is complete once Ended.
	H264, Ogg    string
	Video, Audio WHIPTrackStats
	// Connected: ICE and DTLS came up. Deleted: the publisher sent
	// DELETE. Ended: the server closed the session and its recordings.
	Connected, Deleted, Ended bool
}

// WHIPServer is a WHIP server in this process, on pion/webrtc, listening
// on 127.0.0.1 only. It records what it receives and every request.
type WHIPServer struct {
	// URL is the endpoint to publish to: http://127.0.0.1:PORT/whip.
	URL string
	// RedirectURL is the second listener's endpoint that URL redirects
	// to, http://localhost:PORT/whip (on 127.0.0.1 too); "" without
	// WHIPOptions.Redirect.
	RedirectURL string

	opts     WHIPOptions
	api      *webrtc.API
	udp      *silencer
	mux      ice.UDPMux
	servers  []*http.Server
	mu       sync.Mutex
	requests []WHIPRequest
	sessions []*whipSession
}

// whipSession is one publisher's PeerConnection and recordings.
type whipSession struct {
	WHIPSession // guarded by WHIPServer.mu
	pc          *webrtc.PeerConnection
	closing     bool // guarded by WHIPServer.mu: no more readers
	readers     sync.WaitGroup
	endOnce     sync.Once
}

// StartWHIP starts a WHIP server; it stops with the test.
func StartWHIP(t testing.TB, opts WHIPOptions) *WHIPServer {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &WHIPServer{opts: opts, udp: &silencer{PacketConn: c}}
	s.mux = webrtc.NewICEUDPMux(nil, s.udp)
	t.Cleanup(s.close)
	if s.api, err = whipServerAPI(s.mux); err != nil {
		t.Fatal(err)
	}
	s.URL = "http://" + s.listen(t, 1) + "/whip"
	if opts.Redirect {
		// Named localhost, not 127.0.0.1, it is another host to an HTTP
		// client, as IVS's regional endpoint is: Go's drops the
		// Authorization header on a redirect to another host name.
		_, port, _ := net.SplitHostPort(s.listen(t, 2))
		s.RedirectURL = "http://localhost:" + port + "/whip"
	}
	return s
}

// whipServerAPI takes H.264 (constrained baseline, packetization-mode
// 1) and Opus, answers NACKs and sends receiver reports and transport-wide
// congestion control feedback (as IVS does: the publisher's congestion
// controller needs it), all sessions on one UDP port (mux, on 127.0.0.1).
func whipServerAPI(mux ice.UDPMux) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	codecs := []struct {
		c webrtc.RTPCodecParameters
		k webrtc.RTPCodecType
	}{
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}, PayloadType: 102}, webrtc.RTPCodecTypeVideo},
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000,
			Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"}, PayloadType: 111}, webrtc.RTPCodecTypeAudio},
	}
	for _, c := range codecs {
		if err := m.RegisterCodec(c.c, c.k); err != nil {
			return nil, err
		}
	}
	ir := &interceptor.Registry{}
	if err := webrtc.ConfigureNack(m, ir); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureTWCCSender(m, ir); err != nil {
		return nil, err
	}
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEUDPMux(mux)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir),
		webrtc.WithSettingEngine(se)), nil
}

// listen serves listener n on a fresh 127.0.0.1 port and returns its
// address.
func (s *WHIPServer) listen(t testing.TB, n int) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, n)
	}), ReadHeaderTimeout: 5 * time.Second}
	s.mu.Lock()
	s.servers = append(s.servers, srv)
	s.mu.Unlock()
	go func() { _ = srv.Serve(l) }()
	return l.Addr().String()
}

// serve answers one request and records it.
func (s *WHIPServer) serve(w http.ResponseWriter, r *http.Request, listener int) {
	req := WHIPRequest{Method: r.Method, Path: r.URL.Path, Listener: listener, TokenOK: s.tokenOK(r)}
	defer func() {
		s.mu.Lock()
		s.requests = append(s.requests, req)
		s.mu.Unlock()
	}()
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/whip" && listener == 1 && s.opts.Redirect:
		w.Header().Set("Location", s.RedirectURL)
		req.Status = http.StatusTemporaryRedirect
	case !req.TokenOK:
		req.Status = http.StatusUnauthorized
	case r.Method == http.MethodPost && r.URL.Path == "/whip":
		req.Status = s.publish(w, r)
		return
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/resource/"):
		req.Status = s.remove(strings.TrimPrefix(r.URL.Path, "/resource/"))
	default:
		req.Status = http.StatusNotFound
	}
	w.WriteHeader(req.Status)
}

// tokenOK reports whether r carries the right Authorization.
func (s *WHIPServer) tokenOK(r *http.Request) bool {
	if s.opts.Token == "" {
		return r.Header.Get("Authorization") == ""
	}
	return r.Header.Get("Authorization") == "Bearer "+s.opts.Token
}

// publish answers an offer: 201 with the answer and the session's
// Location.
func (s *WHIPServer) publish(w http.ResponseWriter, r *http.Request) int {
	fail := func(code int, err error) int {
		http.Error(w, err.Error(), code)
		return code
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/sdp" {
		return fail(http.StatusUnsupportedMediaType, fmt.Errorf("content type %q, want application/sdp", ct))
	}
	offer, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return fail(http.StatusBadRequest, err)
	}
	pc, err := s.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return fail(http.StatusInternalServerError, err)
	}
	ss := s.addSession(pc)
	answer, err := answerOffer(pc, string(offer))
	if err != nil {
		s.end(ss)
		return fail(http.StatusBadRequest, err)
	}
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", "/resource/"+ss.ID)
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, answer)
	return http.StatusCreated
}

// answerOffer applies the offer and returns the answer with every
// candidate in it.
func answerOffer(pc *webrtc.PeerConnection, offer string) (string, error) {
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", err
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", err
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return "", err
	}
	select {
	case <-gathered:
	case <-time.After(5 * time.Second):
		return "", errors.New("ICE gathering did not complete")
	}
	return pc.LocalDescription().SDP, nil
}

// addSession registers a session on pc and records its tracks.
func (s *WHIPServer) addSession(pc *webrtc.PeerConnection) *whipSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := &whipSession{pc: pc}
	ss.ID = fmt.Sprint(len(s.sessions) + 1)
	s.sessions = append(s.sessions, ss)
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateConnected {
			s.mu.Lock()
			ss.Connected = true
			s.mu.Unlock()
		}
	})
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		s.mu.Lock()
		if ss.closing {
			s.mu.Unlock()
			return
		}
		ss.readers.Add(1)
		s.mu.Unlock()
		defer ss.readers.Done()
		s.record(ss, tr)
	})
	return ss
}

// record writes a track to its file and counts it, until the session
// ends.
func (s *WHIPServer) record(ss *whipSession, tr *webrtc.TrackRemote) {
	video := tr.Kind() == webrtc.RTPCodecTypeVideo
	var (
		w    media.Writer
		err  error
		path string
	)
	if video {
		path = filepath.Join(s.opts.Dir, "whip-"+ss.ID+".h264")
		w, err = h264writer.New(path)
	} else {
		path = filepath.Join(s.opts.Dir, "whip-"+ss.ID+".ogg")
		w, err = oggwriter.New(path, 48000, 2)
	}
	if err != nil {
		return
	}
	defer w.Close()
	s.mu.Lock()
	if video {
		ss.H264 = path
	} else {
		ss.Ogg = path
	}
	s.mu.Unlock()
	var lastKey uint32
	seenKey := false
	for {
		p, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		key := video && isKeyPacket(p.Payload) && (!seenKey || p.Timestamp != lastKey)
		if key {
			lastKey, seenKey = p.Timestamp, true
		}
		s.count(ss, video, key)
		_ = w.WriteRTP(p)
	}
}

// count adds a packet to a session's track.
func (s *WHIPServer) count(ss *whipSession, video, key bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &ss.Audio
	if video {
		st = &ss.Video
	}
	st.Packets++
	if key {
		st.Keyframes++
	}
}

// isKeyPacket reports whether an H.264 RTP payload (RFC 6184) holds or
// starts an IDR slice or an SPS: a single NAL unit, a STAP-A, or the
// first fragment of an FU-A.
func isKeyPacket(b []byte) bool {
	if len(b) < 2 {
		return false
	}
	key := func(t byte) bool { return t == 5 || t == 7 }
	switch t := b[0] & 0x1f; t {
	case 24: // STAP-A: 16-bit sizes, each followed by a NAL unit
		for i := 1; i+2 < len(b); {
			n := int(b[i])<<8 | int(b[i+1])
			if key(b[i+2] & 0x1f) {
				return true
			}
			i += 2 + n
		}
		return false
	case 28: // FU-A: the start bit and the fragmented unit's type
		return b[1]&0x80 != 0 && key(b[1]&0x1f)
	default:
		return key(t)
	}
}

// remove ends the session a DELETE names.
func (s *WHIPServer) remove(id string) int {
	s.mu.Lock()
	var found *whipSession
	for _, ss := range s.sessions {
		if ss.ID == id {
			found = ss
			ss.Deleted = true
		}
	}
	s.mu.Unlock()
	if found == nil {
		return http.StatusNotFound
	}
	s.end(found)
	return http.StatusOK
}

// end closes a session's PeerConnection and waits until its recordings
// are closed.
func (s *WHIPServer) end(ss *whipSession) {
	ss.endOnce.Do(func() {
		s.mu.Lock()
		ss.closing = true
		s.mu.Unlock()
		_ = ss.pc.GracefulClose()
		ss.readers.Wait()
		s.mu.Lock()
		ss.Ended = true
		s.mu.Unlock()
	})
}

// Silence makes the server vanish from the network without a word: from
// now on its UDP socket drops everything, in and out (no DTLS close, no
// ICE answers), as when the server or the route to it dies. The publisher
// notices after its ICE timeouts.
func (s *WHIPServer) Silence() { s.udp.on.Store(true) }

// Throttle makes the path from the publishers a bottleneck of kbps kbit/s
// (all sessions together): RTP and RTCP beyond the rate are dropped, as a
// congested link drops them, with a burst of 100 ms of the rate let
// through. ICE and DTLS always pass (they are small; ICE must not fail).
// 0 lifts the limit.
func (s *WHIPServer) Throttle(kbps int) { s.udp.throttle(kbps) }

// silencer is the server's UDP socket; on, it drops every datagram;
// throttled, the media beyond a rate.
type silencer struct {
	net.PacketConn
	on atomic.Bool

	limited atomic.Bool // kbps > 0
	mu      sync.Mutex
	kbps    int       // the rate; 0: none
	tokens  float64   // bytes that may pass now, at most burst
	filled  time.Time // when tokens was last filled
}

// ReadFrom discards datagrams while on, and those beyond the throttle,
// without allocating: a benchmark in this process then counts the
// publisher's allocations only.
func (c *silencer) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		if !c.on.Load() && !c.limited.Load() {
			return c.PacketConn.ReadFrom(p)
		}
		n, from, err := c.PacketConn.(*net.UDPConn).ReadFromUDPAddrPort(p)
		if err != nil {
			return 0, nil, err
		}
		if !c.on.Load() && c.admit(p[:n]) {
			return n, net.UDPAddrFromAddrPort(from), nil
		}
	}
}

func (c *silencer) WriteTo(p []byte, a net.Addr) (int, error) {
	if c.on.Load() {
		return len(p), nil
	}
	return c.PacketConn.WriteTo(p, a)
}

// throttle sets the rate (0: none), starting with a full bucket.
func (c *silencer) throttle(kbps int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.kbps, c.filled = max(kbps, 0), time.Now()
	c.tokens = c.burst()
	c.limited.Store(c.kbps > 0)
}

// burst is the most the bucket holds: 100 ms of the rate.
func (c *silencer) burst() float64 { return float64(c.kbps) * 1000 / 8 / 10 }

// admit reports whether datagram b passes the throttle, taking its bytes
// from the bucket: a token bucket filled at the rate. RTP and RTCP (RFC
// 7983: first byte 128 to 191) are throttled, ICE and DTLS pass.
func (c *silencer) admit(b []byte) bool {
	if len(b) == 0 || b[0] < 128 || b[0] > 191 {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.kbps == 0 {
		return true
	}
	now := time.Now()
	c.tokens = min(c.burst(), c.tokens+now.Sub(c.filled).Seconds()*float64(c.kbps)*1000/8)
	c.filled = now
	if c.tokens < float64(len(b)) {
		return false
	}
	c.tokens -= float64(len(b))
	return true
}

// Hangup ends every session as a server that ends them does: it closes
// their PeerConnections (DTLS close_notify) without waiting for DELETE.
func (s *WHIPServer) Hangup() {
	s.mu.Lock()
	sessions := append([]*whipSession(nil), s.sessions...)
	s.mu.Unlock()
	for _, ss := range sessions {
		s.end(ss)
	}
}

// Requests returns every request received so far, in order.
func (s *WHIPServer) Requests() []WHIPRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]WHIPRequest(nil), s.requests...)
}

// Sessions returns what the server knows about each session so far.
func (s *WHIPServer) Sessions() []WHIPSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]WHIPSession, len(s.sessions))
	for i, ss := range s.sessions {
		out[i] = ss.WHIPSession
	}
	return out
}

// Video and Audio total the track counts over every session.
func (s *WHIPServer) Video() WHIPTrackStats { return s.total(true) }

// Audio: see Video.
func (s *WHIPServer) Audio() WHIPTrackStats { return s.total(false) }

func (s *WHIPServer) total(video bool) WHIPTrackStats {
	var t WHIPTrackStats
	for _, ss := range s.Sessions() {
		st := ss.Audio
		if video {
			st = ss.Video
		}
		t.Packets += st.Packets
		t.Keyframes += st.Keyframes
	}
	return t
}

// close stops the listeners and ends every session.
func (s *WHIPServer) close() {
	s.mu.Lock()
	servers := s.servers
	s.mu.Unlock()
	for _, srv := range servers {
		_ = srv.Close()
	}
	s.Hangup()
	_ = s.mux.Close() // and its socket
}
