package sdnotify

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/pitchbox/pitchbox/control"
)

// Intervals the Watchdog steps at.
const (
	// ReadyEvery is how often it looks for the first frames before
	// READY=1, so that systemd hears of them soon.
	ReadyEvery = 100 * time.Millisecond
	// StatusEvery is how often STATUS= is brought up to date when systemd
	// set no watchdog.
	StatusEvery = 10 * time.Second
)

// Clock makes the tickers the Watchdog steps on. A test drives its own.
type Clock interface {
	// Ticker ticks every d until stop is called.
	Ticker(d time.Duration) (ticks <-chan time.Time, stop func())
}

// realClock is time.Ticker.
type realClock struct{}

// Ticker implements Clock with a time.Ticker.
func (realClock) Ticker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// Options configure a Watchdog.
type Options struct {
	// Conn is where notifications go (nil: nowhere).
	Conn *Conn
	// Status is the box's status, read once a step.
	Status func() control.Status
	// Timeout is systemd's watchdog timeout (WatchdogTimeout); pings go
	// out every third of it. 0: no pings are due, STATUS= is updated
	// every StatusEvery.
	Timeout time.Duration
	Log     *slog.Logger
	// Clock is real time when nil.
	Clock Clock
}

// Watchdog tells systemd how the box is: READY=1 once the pipeline has
// captured frames, WATCHDOG=1 on each step only while frames flow (the
// box's captured-frames total advanced since the last step and, while
// live, its encoded-frames total too), and STATUS= whenever the state in
// words changes. A capture or encode stage that is stuck stops the pings,
// and systemd restarts the box.
type Watchdog struct {
	o       Options
	ready   bool
	last    control.Totals // the totals at the last step
	status  string         // the last STATUS= sent
	failing bool           // the last send failed (logged once)
	stall   string         // why the last step did not ping
	stepped chan<- Report  // tests: each step's report
}

// Report is what one step saw and sent.
type Report struct {
	// Msg is the datagram sent, "" for none.
	Msg string
	// Ping reports WATCHDOG=1 in Msg; Stalled says why not, once ready.
	Ping    bool
	Stalled string
}

// New makes a Watchdog; Run runs it.
func New(o Options) *Watchdog {
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Watchdog{o: o}
}

// PingEvery is how often Run steps once the box is ready: a third of the
// watchdog timeout, or StatusEvery without one.
func (w *Watchdog) PingEvery() time.Duration {
	if w.o.Timeout > 0 {
		return w.o.Timeout / 3
	}
	return StatusEvery
}

// Run steps every ReadyEvery until the box is ready, then every
// PingEvery, until ctx ends; then it sends STOPPING=1.
func (w *Watchdog) Run(ctx context.Context) {
	every := ReadyEvery
	for ctx.Err() == nil {
		ticks, stop := w.o.Clock.Ticker(every)
		w.until(ctx, ticks, w.ready)
		stop()
		every = w.PingEvery()
	}
	w.send("STOPPING=1\nSTATUS=stopping")
}

// until steps on every tick until ctx ends or, when ready is false, the
// box becomes ready.
func (w *Watchdog) until(ctx context.Context, ticks <-chan time.Time, ready bool) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			r := w.Step()
			if w.stepped != nil {
				select {
				case w.stepped <- r:
				case <-ctx.Done():
					return
				}
			}
			if w.ready != ready {
				return
			}
		}
	}
}

// Step reads the status once and sends what it says: READY=1 when frames
// have been captured for the first time, WATCHDOG=1 when they flowed
// since the last step, STATUS= when the words changed.
func (w *Watchdog) Step() Report {
	st := w.o.Status()
	var r Report
	var lines []string
	switch {
	case !w.ready && st.Totals.Captured > 0:
		w.ready = true
		lines = append(lines, "READY=1")
	case w.ready:
		r.Stalled = stalled(w.last, st)
		if r.Ping = r.Stalled == ""; r.Ping {
			lines = append(lines, "WATCHDOG=1")
		}
		w.logStall(r.Stalled)
	}
	w.last = st.Totals
	if s := StatusLine(st, w.ready); s != w.status {
		w.status = s
		lines = append(lines, "STATUS="+s)
	}
	if len(lines) > 0 {
		r.Msg = strings.Join(lines, "\n")
		w.send(r.Msg)
	}
	return r
}

// stalled says which frames stopped flowing since last, "" when they
// flow: captured frames always, encoded frames while live (or trying to
// be).
func stalled(last control.Totals, st control.Status) string {
	switch {
	case st.Totals.Captured <= last.Captured:
		return "no frame captured"
	case st.State.Trying() && st.Totals.Encoded <= last.Encoded:
		return "no frame encoded while " + st.State.String()
	}
	return ""
}

// logStall logs when frames stop flowing and when they flow again.
func (w *Watchdog) logStall(why string) {
	switch {
	case why != "" && w.stall == "":
		w.o.Log.Warn("sdnotify: frames stopped flowing; no watchdog ping until they flow again", "why", why)
	case why == "" && w.stall != "":
		w.o.Log.Info("sdnotify: frames flow again; watchdog pings resumed")
	}
	w.stall = why
}

// send sends msg, logging the first failure of a run of them.
func (w *Watchdog) send(msg string) {
	err := w.o.Conn.Send(msg)
	switch {
	case err != nil && !w.failing:
		w.o.Log.Warn("sdnotify: cannot notify systemd", "err", err)
	case err == nil && w.failing:
		w.o.Log.Info("sdnotify: notifying systemd again")
	}
	w.failing = err != nil
}

// StatusLine is the box's state in words for `systemctl status`: "live,
// 29.9 fps, 2500 kbps", "recording, …", "idle, 30.0 fps",
// "reconnecting: <why>" …; with ready false, that it waits for frames.
func StatusLine(st control.Status, ready bool) string {
	if !ready {
		return "starting: waiting for the first frames"
	}
	rates := fmt.Sprintf("%.1f fps, %.0f kbps", st.FPS, st.BitrateKbps)
	var s string
	switch st.State {
	case control.Off:
		s = fmt.Sprintf("off, %.1f fps", st.FPS)
	case control.Live:
		s = "live, " + rates
	case control.Recording:
		s = "recording, " + rates
	case control.Reconnecting, control.Refused:
		s = st.State.String()
		if st.Stream != nil && st.Stream.LastError != "" {
			s += ": " + oneLine(st.Stream.LastError, 200)
		}
	default:
		s = st.State.String()
	}
	if st.Camera == control.CameraLost {
		s += "; camera lost, showing the slate"
	}
	return s
}

// oneLine is s on one line, cut to at most n bytes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}
