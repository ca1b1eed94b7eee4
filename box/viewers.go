package box

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/display"
	"github.com/pitchbox/pitchbox/ivs"
)

// viewersEvery is the least time between two GetStream calls: IVS counts
// a new viewer within about 15 s, and allows 5 calls a second per
// account, shared with whatever else uses it. Tests shorten it.
var viewersEvery = 15 * time.Second

// askTimeout bounds one GetStream call.
const askTimeout = 10 * time.Second

// watch follows what buyers get while the box runs: once a second the
// bitrate sent (the screen's data-rate graph), and while the box is live
// with an AWS account ([aws] channel_arn), what IVS says of the stream:
// the viewer count and health, asked at most once per every.
type watch struct {
	every  time.Duration
	state  func() control.State
	config func() *config.Config
	kbps   func() float64
	each   func() // once a second, beside the rate sample
	log    *slog.Logger

	// The poller's own: the channel client for the config it was made
	// from (nil without an account, err why), the last call, the last
	// error logged.
	cfg     *config.Config
	ch      *ivs.Channel
	chErr   error
	lastAsk time.Time
	lastErr string

	mu      sync.Mutex
	viewers *control.Viewers
	rates   display.Rates
}

// watchViewers asks IVS for the live stream's viewer count and health
// while the box is live and has an AWS account, and samples the bitrate
// sent each second for the screen; the returned func stops both and
// waits for them.
func (b *Box) watchViewers(ctx context.Context) (stop func()) {
	w := &watch{every: viewersEvery, state: b.State, config: b.set.current, kbps: b.sentKbps, each: b.metaTick, log: b.log}
	b.watch.Store(w)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); w.sampleRates(ctx) }()
	go func() { defer wg.Done(); w.pollViewers(ctx) }()
	return func() {
		cancel()
		wg.Wait()
		b.watch.CompareAndSwap(w, nil)
	}
}

// watching is b's watch, nil when b is not running.
func (b *Box) watching() *watch { return b.watch.Load() }

// viewers is the last GetStream answer, nil when there is none.
func (b *Box) viewers() *control.Viewers {
	w := b.watching()
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.viewers == nil {
		return nil
	}
	v := *w.viewers
	return &v
}

// sentKbps is the bitrate sent now: 0 when nothing is, as in Status. It
// also notes when the stream went on air, so that a box nobody asks for
// status (no panel, no screen) still knows.
func (b *Box) sentKbps() float64 {
	p := b.pipeline()
	s := b.State()
	if p == nil || s != control.Live && s != control.Recording {
		return 0
	}
	if pub := p.publisher(); pub != nil {
		ps := pub.Status()
		b.onAir(s, &ps)
	}
	_, kbps := p.stats.rates(p.sentBytes())
	return kbps
}

// sampleRates adds the bitrate sent to the rates once a second.
func (w *watch) sampleRates(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if w.each != nil {
				w.each()
			}
			k := w.kbps()
			w.mu.Lock()
			w.rates.Push(k)
			w.mu.Unlock()
		}
	}
}

// history is the last minute of the bitrate sent.
func (w *watch) history() display.Rates {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rates
}

// pollViewers asks IVS while the box is live, at most once per every;
// it looks at the state every second (or every, if shorter), so that
// the count shows within a second of going live.
func (w *watch) pollViewers(ctx context.Context) {
	t := time.NewTicker(min(time.Second, w.every))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			w.poll(ctx, now)
		}
	}
}

// poll asks GetStream if the box is live, has an account and did not
// ask within every; off air, or without an account, there is no answer.
func (w *watch) poll(ctx context.Context, now time.Time) {
	if w.state() != control.Live {
		w.set(nil)
		return
	}
	ch, err := w.channel()
	switch {
	case ch == nil && err == nil:
		w.set(nil)
		return
	case !w.lastAsk.IsZero() && now.Sub(w.lastAsk) < w.every:
		return
	}
	w.lastAsk = now
	var s ivs.Stream
	if err == nil {
		actx, cancel := context.WithTimeout(ctx, min(askTimeout, w.every))
		s, err = ch.Stream(actx)
		cancel()
	}
	if ctx.Err() == nil {
		w.set(w.answer(s, err, now))
	}
}

// channel is the IVS client for the current config's account and
// channel: nil and no error when there is no channel_arn, nil and why
// when the account cannot be used.
func (w *watch) channel() (*ivs.Channel, error) {
	cfg := w.config()
	if cfg == w.cfg {
		return w.ch, w.chErr
	}
	w.cfg, w.ch, w.chErr = cfg, nil, nil
	if cfg.AWS.ChannelARN == "" {
		return nil, nil
	}
	acct, err := awsAccount(cfg.AWS)
	if err == nil {
		w.ch, err = ivs.NewChannel(acct, cfg.AWS.ChannelARN)
	}
	w.chErr = err
	return w.ch, err
}

// awsAccount is the [aws] account (its secret read from its file), or
// without an access key the one in the environment (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN).
func awsAccount(a config.AWS) (ivs.Account, error) {
	acct := ivs.Account{AccessKeyID: a.AccessKeyID, Region: a.AWSRegion(), Endpoint: a.Endpoint}
	if a.AccessKeyID == "" {
		acct.AccessKeyID, acct.SecretAccessKey = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
		acct.SessionToken = os.Getenv("AWS_SESSION_TOKEN")
		return acct, nil
	}
	s, err := a.Secret()
	acct.SecretAccessKey = s
	return acct, err
}

// answer is what the screen and status show for a GetStream answer. A
// channel not broadcasting (IVS has not seen the stream yet, or no
// longer) has nobody watching and is not an error; a count IVS could
// not make (-1) keeps the last one. Errors are logged when they change,
// not on every call.
func (w *watch) answer(s ivs.Stream, err error, now time.Time) *control.Viewers {
	v := &control.Viewers{At: now}
	switch {
	case errors.Is(err, ivs.ErrNotBroadcasting):
	case err != nil:
		v.Error = err.Error()
	case s.ViewerCount < 0:
		v.Health = s.Health
		if last := w.lastViewers(); last != nil {
			v.Count = last.Count
		}
	default:
		v.Count, v.Health = int(s.ViewerCount), s.Health
	}
	if v.Error != w.lastErr {
		if v.Error != "" {
			w.log.Warn("box: cannot get the viewer count from IVS; trying again", "every", w.every, "err", v.Error)
		} else {
			w.log.Info("box: the viewer count from IVS is back")
		}
		w.lastErr = v.Error
	}
	return v
}

// set stores the last answer.
func (w *watch) set(v *control.Viewers) {
	w.mu.Lock()
	w.viewers = v
	w.mu.Unlock()
}

// lastViewers is the last answer.
func (w *watch) lastViewers() *control.Viewers {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.viewers
}
