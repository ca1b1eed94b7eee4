package box

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pitchbox/pitchbox/audio"
	"github.com/pitchbox/pitchbox/audio/aac"
	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/frame"
)

// retryMic is how often a missing microphone is looked for again.
const retryMic = 2 * time.Second

// audioPath is the stream's sound: the microphone (or the sync beep)
// through gain, meter and drift correction into AAC-LC — or, when muted,
// without a microphone or without an encoder, the constant silent track.
type audioPath struct {
	cfg  config.Audio
	log  *slog.Logger
	enc  *aac.Encoder // nil: constant silent frames
	pipe *audio.Pipeline
	asc  []byte

	mu     sync.Mutex
	source string
	reason string // why the track is silent, "" when it is not
}

// AudioStatus is the sound part of status.
type AudioStatus struct {
	Source       string  `json:"source"`
	SilentReason string  `json:"silent_reason,omitempty"`
	PeakDBFS     float64 `json:"peak_dbfs"`
	RMSDBFS      float64 `json:"rms_dbfs"`
	Corrected    int64   `json:"drift_corrected_samples"`
}

func newAudioPath(cfg config.Audio, log *slog.Logger) *audioPath {
	a := &audioPath{cfg: cfg, log: log, asc: audio.AudioSpecificConfig}
	switch {
	case cfg.Mute:
		a.reason = "muted (audio.mute = true)"
	case cfg.Device == "none":
		a.reason = "no microphone configured (audio.device = \"none\")"
	case !aac.Available:
		a.reason = "this build has no AAC encoder (built without cgo)"
	}
	if a.reason != "" {
		a.source = "silent track"
		log.Info("audio: sending a silent AAC track", "why", a.reason)
		return a
	}
	enc, err := aac.New(cfg.Rate, cfg.Channels, cfg.BitrateKbps)
	if err != nil {
		a.reason, a.source = "AAC encoder unavailable: "+err.Error(), "silent track"
		log.Warn("audio: sending a silent AAC track", "why", a.reason)
		return a
	}
	a.enc, a.asc = enc, enc.Config()
	a.pipe = audio.NewPipeline(cfg.Rate, cfg.Channels, enc.FrameSize(), cfg.GainDB)
	return a
}

// constant reports whether the track is the constant silent one, made on
// the video goroutine's clock.
func (a *audioPath) constant() bool { return a.enc == nil }

func (a *audioPath) set(source, reason string) {
	a.mu.Lock()
	changed := a.reason != reason
	a.source, a.reason = source, reason
	a.mu.Unlock()
	if changed && reason != "" {
		a.log.Warn("audio: silent", "why", reason)
	} else if changed {
		a.log.Info("audio: microphone", "source", source)
	}
}

func (a *audioPath) status() AudioStatus {
	a.mu.Lock()
	st := AudioStatus{Source: a.source, SilentReason: a.reason, PeakDBFS: -120, RMSDBFS: -120}
	a.mu.Unlock()
	if a.pipe != nil {
		st.PeakDBFS, st.RMSDBFS = a.pipe.Meter.Levels()
		st.Corrected = a.pipe.Corrected.Load()
	}
	return st
}

func (a *audioPath) open(ctx context.Context) (audio.Source, error) {
	if a.cfg.Device == "syncbeep" {
		return audio.NewBeep(ctx, a.cfg.Rate, a.cfg.Channels), nil
	}
	card, dev, err := audio.FindCard(a.cfg.Device)
	if err != nil {
		return nil, err
	}
	return audio.OpenALSA(card, dev, a.cfg.Rate, a.cfg.Channels)
}

// run captures and encodes until ctx ends, handing packets to out. While
// the microphone is missing it keeps the track going with silence on the
// same sample clock, and looks for the microphone again.
func (a *audioPath) run(ctx context.Context, out func(*encode.Packet)) {
	if a.enc == nil {
		return
	}
	defer a.enc.Close()
	ch := a.cfg.Channels
	buf := make([]int16, a.cfg.Rate/50*ch) // 20 ms periods
	var pkts []*encode.Packet
	emit := func(pcm []int16) {
		var err error
		pkts, err = a.enc.Encode(pkts[:0], pcm, a.pipe.Origin())
		if err != nil {
			a.log.Error("audio: encode", "err", err)
		}
		for _, p := range pkts {
			out(p)
		}
	}
	var src audio.Source
	var lastTry time.Time
	lost := "" // why the microphone went away, kept in status while it is looked for
	pace := time.NewTimer(0)
	defer pace.Stop()
	defer func() {
		if src != nil {
			src.Close()
		}
	}()
	for ctx.Err() == nil {
		if src == nil && time.Since(lastTry) >= retryMic {
			lastTry = time.Now()
			s, err := a.open(ctx)
			switch {
			case err == nil:
				src, lost = s, ""
				a.set(s.Describe(), "")
			case lost != "":
				a.set("silence", lost)
			case errors.Is(err, audio.ErrNoMicrophone) && a.cfg.Device == "auto":
				a.set("silence", "no microphone found (looking again every 2 s)")
			default:
				a.set("silence", "no microphone: "+err.Error()+" (looking again every 2 s)")
			}
		}
		if src != nil {
			n, at, err := src.Read(buf)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				src.Close()
				src, lastTry = nil, time.Now()
				lost = fmt.Sprintf("microphone lost: %v (looking again every 2 s)", err)
				a.set("silence", lost)
				continue
			}
			a.pipe.Push(buf[:n*ch], at, emit)
			continue
		}
		// No microphone: silence on the sample clock, in real time.
		clear(buf)
		at := a.pipe.Next()
		if !a.pipe.Started() {
			at = frame.Now()
		}
		a.pipe.Push(buf, at, emit)
		if d := at + 20*time.Millisecond - frame.Now(); d > 0 {
			pace.Reset(d)
			select {
			case <-ctx.Done():
				return
			case <-pace.C:
			}
		}
	}
}
