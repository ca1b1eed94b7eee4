package whip

import (
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/interceptor/pkg/gcc"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// The congestion controller's bounds. It starts at WHIP.StartKbps, or
// defaultStartKbps: the box's default encoder bitrate (IVS's
// recommendation for 720p), so that a box left at its defaults starts at
// the bitrate it sends and the ABR changes nothing at first. GCC takes a
// start that is too high down within a second of losses, but climbs
// from one too low by 8 % a second (about 13 s from 1000 to 2800).
// minEstimateKbps is the floor of pion's loss-based controller; 8500
// kbit/s is the most IVS takes.
const (
	defaultStartKbps = 2500
	minEstimateKbps  = 100
	maxEstimateKbps  = 8500
)

// feedbackStale is how long after the last congestion feedback the
// estimate is no longer reported: a server that sends none (it does not
// do TWCC), or stopped, leaves the ABR to its other rules rather than
// pinned to a figure that no longer means anything. Receivers send
// feedback every 50 to 100 ms while media arrives.
const feedbackStale = 2 * time.Second

// bwe is one session's congestion controller: Google Congestion Control
// (pion's send-side GCC), fed by the server's transport-wide congestion
// control (TWCC) feedback.
type bwe struct {
	startKbps int
	born      time.Time // for the monotonic clock of last
	// gcc is set when the PeerConnection builds its interceptors, before
	// the session is returned (so before any EstimateKbps).
	gcc *gcc.SendSideBWE
	// last is when the last TWCC feedback came, as time since born; 0:
	// never.
	last atomic.Int64
}

// register adds the congestion controller to ir and the TWCC header
// extension (with the transport-cc feedback, as browsers offer it) to m
// and ir. It must come before the NACK responder, so that retransmissions
// carry TWCC sequence numbers and count in the estimate.
//
// pion's GCC is used without its pacer (a no-op pacer): its leaky bucket
// queues without bound whatever exceeds 1.5 times the estimate, in a
// goroutine waking every 5 ms, and allocates for every packet. Here the
// encoder's bitrate follows the estimate (the ABR), and what exceeds the
// link meanwhile is lost rather than delayed: NACKs and the next IDR
// repair it.
func (b *bwe) register(m *webrtc.MediaEngine, ir *interceptor.Registry) error {
	b.born = time.Now()
	f, err := cc.NewInterceptor(func() (cc.BandwidthEstimator, error) {
		g, err := gcc.NewSendSideBWE(
			gcc.SendSideBWEInitialBitrate(b.startKbps*1000),
			gcc.SendSideBWEMinBitrate(minEstimateKbps*1000),
			gcc.SendSideBWEMaxBitrate(maxEstimateKbps*1000),
			gcc.SendSideBWEPacer(gcc.NewNoOpPacer()))
		if err != nil {
			return nil, err
		}
		b.gcc = g
		return feedbackWatch{g, b}, nil
	})
	if err != nil {
		return err
	}
	ir.Add(f)
	for _, kind := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecTypeAudio} {
		m.RegisterFeedback(webrtc.RTCPFeedback{Type: webrtc.TypeRTCPFBTransportCC}, kind)
	}
	return webrtc.ConfigureTWCCHeaderExtensionSender(m, ir)
}

// kbps is the estimate in kbit/s, or 0 before the first TWCC feedback
// and when none came for feedbackStale. It allocates nothing.
func (b *bwe) kbps() int {
	last := b.last.Load()
	if b.gcc == nil || last == 0 || time.Since(b.born)-time.Duration(last) > feedbackStale {
		return 0
	}
	return b.gcc.GetTargetBitrate() / 1000
}

// feedbackWatch is the estimator, noting when TWCC feedback comes.
type feedbackWatch struct {
	*gcc.SendSideBWE
	b *bwe
}

// WriteRTCP implements cc.BandwidthEstimator.
func (w feedbackWatch) WriteRTCP(pkts []rtcp.Packet, attr interceptor.Attributes) error {
	for _, p := range pkts {
		if _, ok := p.(*rtcp.TransportLayerCC); ok {
			w.b.last.Store(max(int64(time.Since(w.b.born)), 1))
			break
		}
	}
	return w.SendSideBWE.WriteRTCP(pkts, attr)
}
