package box

import (
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/stream"
)

// goLive starts the publisher (or the recorder). It is a no-op when live.
func (p *pipeline) goLive() {
	p.pubMu.Lock()
	defer p.pubMu.Unlock()
	if p.pub != nil {
		return
	}
	p.pub = stream.NewPublisher(p.dest, stream.Options{
		RequestKeyframe: p.requestKeyframe,
		AudioConfig:     p.audio.asc,
		Logger:          p.log,
	})
	p.mux.setPublisher(p.pub)
	p.livePub.Store(p.pub)
	p.abr = p.startABR(p.pub)
	p.log.Info("box: going live", "destination", p.dest.String())
}

// stopLive ends the session cleanly. It is a no-op when not live.
func (p *pipeline) stopLive() bool {
	p.pubMu.Lock()
	pub := p.pub
	p.pub = nil
	if pub != nil {
		p.closing = append(p.closing, pub)
	}
	p.livePub.Store(nil)
	p.mux.setPublisher(nil)
	abr := p.abr
	p.abr = nil
	p.pubMu.Unlock()
	if pub == nil {
		return false
	}
	p.stopABR(abr)
	pub.Close()
	p.endSession(pub)
	return true
}

// publisher is the live publisher, nil when not live.
func (p *pipeline) publisher() *stream.Publisher {
	p.pubMu.Lock()
	defer p.pubMu.Unlock()
	return p.pub
}

// streamState is the box's state as the publisher sees it; a recorder
// that connects or writes is Recording, never Live.
func (p *pipeline) streamState() control.State {
	pub := p.publisher()
	if pub == nil {
		return control.Off
	}
	return recordingState(pub.Status().State, p.cfg.Output.Recording())
}

// recordingState maps a publisher's state to the box's: writing to a
// local file (or opening one) is Recording.
func recordingState(s control.State, toFile bool) control.State {
	if toFile && (s == control.Live || s == control.Connecting) {
		return control.Recording
	}
	return s
}
