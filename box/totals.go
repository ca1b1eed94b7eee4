package box

import (
	"maps"

	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/stream"
)

// The box's totals (control.Totals) are the counters of the pipelines and
// stream sessions that have ended, kept in the Box, plus those of the ones
// running. A pipeline that is uninstalled stays "retiring" until it is
// closed and its final counters are added, and a publisher being closed
// stays "closing" likewise, so no total ever goes back, not even for a
// moment.

// addTotals adds o's counters to t.
func addTotals(t *control.Totals, o control.Totals) {
	t.Captured += o.Captured
	t.Encoded += o.Encoded
	t.Reconnects += o.Reconnects
	t.SentBytes += o.SentBytes
	for k, v := range o.Dropped {
		if t.Dropped == nil {
			t.Dropped = map[string]uint64{}
		}
		t.Dropped[k] += v
	}
}

// cloneTotals copies t, maps included.
func cloneTotals(t control.Totals) control.Totals {
	t.Dropped = maps.Clone(t.Dropped)
	t.Shows = maps.Clone(t.Shows)
	return t
}

// totals are p's counters so far: frames, the frames its stages dropped,
// and the stream counters of its sessions.
func (p *pipeline) totals() control.Totals {
	t := control.Totals{Captured: p.stats.captured.Load(), Encoded: p.stats.encoded.Load(),
		Dropped: map[string]uint64{}}
	for _, s := range p.stageStatus() {
		t.Dropped[s.Name] += s.Dropped
	}
	p.pubMu.Lock()
	defer p.pubMu.Unlock()
	t.Reconnects, t.SentBytes = p.ended.Reconnects, p.ended.SentBytes
	pubs := p.closing
	if p.pub != nil {
		pubs = append(pubs[:len(pubs):len(pubs)], p.pub)
	}
	for _, pub := range pubs {
		s := pub.Status()
		t.Reconnects += s.Reconnects
		t.SentBytes += s.SentBytes
	}
	return t
}

// endSession adds the counters of pub, now closed, to the pipeline's
// ended sessions and stops counting it as closing.
func (p *pipeline) endSession(pub *stream.Publisher) {
	s := pub.Status()
	p.pubMu.Lock()
	defer p.pubMu.Unlock()
	p.ended.Reconnects += s.Reconnects
	p.ended.SentBytes += s.SentBytes
	for i, c := range p.closing {
		if c == pub {
			p.closing = append(p.closing[:i], p.closing[i+1:]...)
			break
		}
	}
}

// retire adds the counters of p, uninstalled and closed, to the box's.
func (b *Box) retire(p *pipeline) {
	t := p.totals()
	b.mu.Lock()
	defer b.mu.Unlock()
	addTotals(&b.past, t)
	if b.retiring == p {
		b.retiring = nil
	}
}

// totals are the box's counters since it started.
func (b *Box) totals() control.Totals {
	b.mu.Lock()
	t := cloneTotals(b.past)
	t.Shows = maps.Clone(b.shows)
	live := []*pipeline{b.pipe, b.retiring}
	b.mu.Unlock()
	for _, p := range live {
		if p != nil {
			addTotals(&t, p.totals())
		}
	}
	return t
}

// sentBytes is what p's sessions have sent so far.
func (p *pipeline) sentBytes() uint64 {
	return p.totals().SentBytes
}
