package whip

import (
	"context"
	"io"
	"net"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/logging"
	"github.com/pion/webrtc/v4"
)

// ICE timing: a keepalive (a STUN binding request, which also keeps the
// server's consent, RFC 7675) every second; Disconnected after 4 s without
// a word from the server, Failed 4 s later, which ends the session.
const (
	iceKeepalive    = time.Second
	iceDisconnected = 4 * time.Second
	iceFailed       = 4 * time.Second
)

// The codecs offered: exactly these two. Payload types are the usual
// dynamic ones.
var (
	h264Codec = webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType:    webrtc.MimeTypeH264,
			ClockRate:   90000,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
		},
		PayloadType: 102,
	}
	opusCodec = webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType:    webrtc.MimeTypeOpus,
			ClockRate:   48000,
			Channels:    2,
			SDPFmtpLine: "minptime=10;useinbandfec=1",
		},
		PayloadType: 111,
	}
)

// newAPI is a pion API offering H.264 and Opus only, with congestion
// control (b, see bwe.register), NACK retransmission (Wi-Fi loses
// packets) and RTCP sender reports (which let the receiver sync audio to
// video). For a server on this machine it gathers loopback candidates
// only. Each session has its own API, so b serves one PeerConnection.
func newAPI(loopback bool, b *bwe) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(h264Codec, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, err
	}
	if err := m.RegisterCodec(opusCodec, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	if err := b.register(m, ir); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureNack(m, ir); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, err
	}
	var se webrtc.SettingEngine
	// pion logs to stderr past the box's log; the session reports what
	// matters (its end and why) itself.
	se.LoggerFactory = &logging.DefaultLoggerFactory{Writer: io.Discard, DefaultLogLevel: logging.LogLevelDisabled}
	se.SetICETimeouts(iceDisconnected, iceFailed, iceKeepalive)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	if loopback {
		se.SetIncludeLoopbackCandidate(true)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir),
		webrtc.WithSettingEngine(se)), nil
}

// offer creates the offer and waits for ICE gathering to complete (WHIP
// here is not trickled), at most gatherTimeout: then it offers the
// candidates found so far.
func offer(ctx context.Context, pc *webrtc.PeerConnection) (string, error) {
	o, err := pc.CreateOffer(nil)
	if err != nil {
		return "", err
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(o); err != nil {
		return "", err
	}
	t := time.NewTimer(gatherTimeout)
	defer t.Stop()
	select {
	case <-gathered:
	case <-t.C:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return pc.LocalDescription().SDP, nil
}
