package box

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/pitchbox/pitchbox/audio"
	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/encode/h264"
	"github.com/pitchbox/pitchbox/frame"
	"github.com/pitchbox/pitchbox/stream"
)

// capture reads the source and hands frames on. When compose is behind,
// the frame is dropped (counted), never queued without bound: the camera
// is never stalled.
func (p *pipeline) capture(ctx context.Context, s *stage, out chan<- *frame.Frame) error {
	errs := newRateLog(p.log, 10*time.Second)
	var corrupt corruptLog
	for {
		f, err := p.src.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, ErrRenegotiate) {
				return err
			}
			errs.Error("box: source", err)
			continue
		}
		s.in.Add(1)
		p.stats.captured.Add(1)
		corrupt.check(p.log, p.src.Corrupt())
		handOn(s, out, f)
	}
}

// corruptLog logs, at most every 10 s, how many camera frames were
// dropped as corrupt since it last did.
type corruptLog struct {
	logged uint64
	at     time.Time
}

func (c *corruptLog) check(log *slog.Logger, n uint64) {
	if n == c.logged || time.Since(c.at) < 10*time.Second {
		return
	}
	log.Warn("box: dropped corrupt camera frames (USB errors?)", "frames", n-c.logged, "total", n)
	c.logged, c.at = n, time.Now()
}

// handOn passes f to the next stage, or drops it (counted) when that
// stage is behind.
func handOn(s *stage, out chan<- *frame.Frame, f *frame.Frame) {
	select {
	case out <- f:
		s.out.Add(1)
	default:
		s.dropped.Add(1)
		f.Release()
	}
}

// compose draws the scene on each frame, serves preview snapshots, and
// hands frames to the encoder while live.
func (p *pipeline) compose(ctx context.Context, s *stage, in <-chan *frame.Frame, out chan<- *frame.Frame) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case r := <-p.snap.req:
			p.snap.pending = r
		case f := <-in:
			s.in.Add(1)
			p.comp.Apply(f)
			p.snap.serve(f)
			if p.livePub.Load() == nil {
				f.Release()
				continue
			}
			handOn(s, out, f)
		}
	}
}

// encodeFailAfter is how long the encoder may fail on every frame before
// the stage gives up and the box rebuilds the pipeline (reopening a
// wedged hardware encoder).
const encodeFailAfter = 2 * time.Second

// encoder is the encode stage's state between frames.
type encoder struct {
	kc        encode.KeyframeClock
	silence   audio.Silence
	current   *stream.Publisher
	video     []*encode.Packet // reused
	audio     []*encode.Packet // reused
	failSince time.Duration    // PTS of the first frame of a run of errors; -1 when none
	err       error            // the last error of that run
	sei       seiWriter
	// noSEI: the encoder does not code H.264, so no SEI goes in.
	noSEI bool
}

// seiWriter puts the in-band metadata of what is on the picture into the
// encoded stream: the SEI of a frame.Meta in the access unit of the first
// frame that carries it, and again in every IDR while it is on (Repeat).
// Hardware encoders are pipelined, so the frames whose Meta changed are
// noted by their PTS (which every backend carries through to the access
// unit; frame numbers restart when a camera is reopened) until their
// access units come out.
type seiWriter struct {
	last    *frame.Meta // Meta of the last frame submitted
	on      *frame.Meta // Meta of the last access unit out
	pending []metaAt    // reused
}

// metaAt is a Meta that starts at the frame of PTS pts.
type metaAt struct {
	pts  time.Duration
	meta *frame.Meta
}

// submit notes f's Meta before f goes into the encoder.
func (w *seiWriter) submit(f *frame.Frame) {
	if f.Meta != w.last {
		w.last = f.Meta
		// Backends carry time in µs (x264's pts, V4L2's timeval).
		w.pending = append(w.pending, metaAt{f.PTS.Truncate(time.Microsecond), f.Meta})
	}
}

// write inserts the SEI pkt must carry: the newest change that reached
// it (a show and a clear that both did, when the encoder dropped the
// frames between, leave the clear), or the one on at an IDR. It
// allocates only when the packet's buffer must grow.
func (w *seiWriter) write(pkt *encode.Packet) {
	changed := false
	for len(w.pending) > 0 && w.pending[0].pts <= pkt.PTS.Truncate(time.Microsecond) {
		w.on, changed = w.pending[0].meta, true
		w.pending = w.pending[:copy(w.pending, w.pending[1:])]
	}
	if w.on != nil && (changed || pkt.Key && w.on.Repeat) {
		pkt.Data = h264.InsertBeforeVCL(pkt.Data, w.on.SEI)
	}
}

// encode encodes composited frames and hands the packets (with the
// constant silent track when there is no microphone) to the muxer.
func (p *pipeline) encode(ctx context.Context, s *stage, in <-chan *frame.Frame) error {
	e := &encoder{kc: encode.KeyframeClock{Interval: time.Duration(p.cfg.Encoder.KeyframeSeconds) * time.Second}, failSince: -1}
	if bs, ok := p.enc.(encode.Bitstream); ok && !bs.H264() {
		e.noSEI = true
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case f := <-in:
			s.in.Add(1)
			pts := f.PTS
			p.encodeFrame(e, f)
			f.Release()
			s.out.Add(1)
			if e.failSince >= 0 && pts-e.failSince >= encodeFailAfter {
				return fmt.Errorf("box: the encoder failed on every frame for %v: %w", pts-e.failSince, e.err)
			}
		}
	}
}

// encodeFrame encodes f for the current session and queues its packets.
// The caller releases f.
func (p *pipeline) encodeFrame(e *encoder, f *frame.Frame) {
	pub := p.livePub.Load()
	if pub != e.current {
		// A new session: restart the audio clock and begin with an IDR.
		e.current = pub
		e.silence = audio.Silence{Opus: p.audio.opus}
		e.kc.Request()
	}
	if pub == nil {
		return
	}
	if p.keyReq.Swap(false) {
		e.kc.Request()
	}
	var err error
	p.rate.apply(p.enc, p.cfg.Encoder.BitrateKbps, p.log)
	e.sei.submit(f)
	e.video, err = p.enc.Encode(e.video[:0], f, e.kc.Due(f.PTS))
	switch {
	case err != nil:
		p.encErrs.Error("box: encode", err)
		if e.failSince < 0 {
			e.failSince = f.PTS
		}
		e.err = err
	default:
		e.failSince, e.err = -1, nil
	}
	for _, pkt := range e.video {
		p.stats.encoded.Add(1)
		if !e.noSEI {
			e.sei.write(pkt)
		}
		if p.audio.constant() {
			e.audio = e.silence.Until(e.audio[:0], pkt.DTS)
			for _, a := range e.audio {
				p.mux.push(a)
			}
		}
		p.mux.push(pkt)
	}
}

// requestKeyframe asks for an IDR on the next encoded frame.
func (p *pipeline) requestKeyframe() { p.keyReq.Store(true) }
