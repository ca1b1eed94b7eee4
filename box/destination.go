package box

import (
	"context"
	"net/http"
	"path/filepath"
	"time"

	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/stream"
	"github.com/pitchbox/pitchbox/stream/srt"
	"github.com/pitchbox/pitchbox/stream/whip"
)

// RecordingsDir is where the box records when no URL is set.
func RecordingsDir(cfg *config.Config) string { return filepath.Join(cfg.StateDir, "recordings") }

// makeDestination is where cfg sends the stream: the RTMP(S), SRT or WHIP server, or a
// FLV recording in the state directory when no URL is set (onOpen is told
// each recording's path).
func makeDestination(cfg *config.Config, onOpen func(string)) (stream.Destination, error) {
	out := cfg.Output
	if out.Recording() {
		return &stream.File{Dir: RecordingsDir(cfg), OnOpen: onOpen,
			KeepFree: int64(cfg.Recording.KeepFreeMB) << 20,
			Split:    time.Duration(cfg.Recording.SplitMinutes) * time.Minute}, nil
	}
	switch out.Protocol() {
	case config.ProtoSRT:
		key, err := out.Key()
		if err != nil {
			return nil, err
		}
		return &srt.SRT{URL: out.URL, Key: key}, nil
	case config.ProtoWHIP:
		tok, err := out.Token()
		if err != nil {
			return nil, err
		}
		w := &whip.WHIP{URL: out.URL, Token: tok, StartKbps: cfg.Encoder.BitrateKbps}
		if out.CAFile != "" {
			tc, err := stream.TLSFromCAFile(out.CAFile)
			if err != nil {
				return nil, &config.Error{Key: "output.ca_file", Msg: err.Error()}
			}
			w.Client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tc}}
		}
		return w, nil
	}
	u, err := cfg.StreamURL()
	if err != nil {
		return nil, err
	}
	r := &stream.RTMP{URL: u}
	if out.CAFile != "" {
		if r.TLS, err = stream.TLSFromCAFile(out.CAFile); err != nil {
			return nil, &config.Error{Key: "output.ca_file", Msg: err.Error()}
		}
	}
	return r, nil
}

// ProbeDestination connects to the configured destination and asks to
// publish without sending media. While live the live stream answers: a
// second publisher on the key would knock the stream off (IVS) or be
// refused (nginx).
func (b *Box) ProbeDestination(ctx context.Context) control.Probe {
	cfg := b.set.current()
	if cfg.Output.Recording() {
		return control.Probe{OK: true, Message: "no destination set: the box records to a file"}
	}
	dest, err := makeDestination(cfg, nil)
	if err != nil {
		return control.Probe{Message: err.Error()}
	}
	r := dest.(interface {
		stream.Destination
		Probe(context.Context) error
	})
	if b.State() == control.Live {
		return control.Probe{OK: true, Message: "streaming to " + r.String() + " now: the connection works"}
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := r.Probe(ctx); err != nil {
		return control.Probe{Message: err.Error(), Rejected: stream.IsRejected(err)}
	}
	what := "the stream key"
	if cfg.Output.Protocol() == config.ProtoWHIP {
		what = "the token"
	}
	return control.Probe{OK: true, Message: "connected to " + r.String() + " and " + what + " was accepted"}
}
