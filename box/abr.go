package box

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/stream"
)

// abrEvery is how often the adaptive bitrate looks at the link.
const abrEvery = 500 * time.Millisecond

// bitrate is the encoder's target: the configured bitrate, or while live
// with encoder.adaptive the adaptive controller's. The controller's
// goroutine sets it; the encode stage applies it between frames (x264
// must not be reconfigured while it encodes).
type bitrate struct {
	target atomic.Int64 // kbit/s; 0: the configured bitrate
	// The encode stage's own: the bitrate the encoder has (0: the
	// configured one) and the last one it refused (not tried again).
	applied, refused int
}

// kbps is the target, configured being the configured bitrate.
func (b *bitrate) kbps(configured int) int {
	if t := int(b.target.Load()); t > 0 {
		return t
	}
	return configured
}

// apply sets enc's bitrate to the target when it changed. Only the encode
// stage calls it.
func (b *bitrate) apply(enc encode.Encoder, configured int, log *slog.Logger) {
	want, have := b.kbps(configured), b.applied
	if have == 0 {
		have = configured
	}
	if want == have || want == b.refused {
		return
	}
	bs, ok := enc.(encode.BitrateSetter)
	if !ok {
		return
	}
	if err := bs.SetBitrate(want); err != nil {
		b.refused = want
		log.Warn("box: the encoder kept its bitrate", "kbps", have, "err", err)
		return
	}
	b.applied, b.refused = want, 0
}

// abrLoop is the adaptive bitrate's goroutine for one publisher.
type abrLoop struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// startABR adapts the encoder's bitrate to what pub's link carries, when
// encoder.adaptive is on, the encoder can change its bitrate and pub
// streams (a recording's disk is not a link). Stop it with stopABR.
func (p *pipeline) startABR(pub *stream.Publisher) *abrLoop {
	c := p.cfg.Encoder
	if _, ok := p.enc.(encode.BitrateSetter); !ok || !c.Adaptive || p.cfg.Output.Recording() {
		return nil
	}
	p.rate.target.Store(0)
	ctx, cancel := context.WithCancel(context.Background())
	l := &abrLoop{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		p.runABR(ctx, pub, stream.NewABR(c.BitrateKbps, c.MinKbps()))
	}()
	return l
}

// stopABR stops l (nil: none) and puts the configured bitrate back.
func (p *pipeline) stopABR(l *abrLoop) {
	if l == nil {
		return
	}
	l.cancel()
	<-l.done
	p.rate.target.Store(0)
}

// runABR looks at the link every abrEvery until ctx ends. Changes are
// logged as they come: the controller makes them 2 s apart at most.
func (p *pipeline) runABR(ctx context.Context, pub *stream.Publisher, a *stream.ABR) {
	t := time.NewTicker(abrEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			l := pub.Link()
			from := a.Target()
			if kbps, changed := a.Update(now, l); changed {
				p.rate.target.Store(int64(kbps))
				p.log.Info("box: adaptive bitrate", "from_kbps", from, "to_kbps", kbps,
					"backlog_ms", l.Backlog.Milliseconds(), "queued", l.Queued)
			}
		}
	}
}
