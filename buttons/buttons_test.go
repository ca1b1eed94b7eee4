package buttons

import (
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/pitchbox/pitchbox/control"
)

const ms = time.Millisecond

type step struct {
	at      time.Duration
	pressed bool
}

// run feeds steps (and ticks every millisecond between them) to a machine
// and returns the events with their times.
func run(m *Machine, start bool, steps []step, until time.Duration) (evs []Event, at []time.Duration) {
	evs, at, _ = runHeld(m, start, steps, until)
	return evs, at
}

func runHeld(m *Machine, start bool, steps []step, until time.Duration) (evs []Event, at, helds []time.Duration) {
	m.Start(start, 0)
	level := start
	i := 0
	for now := time.Duration(0); now <= until; now += ms {
		ev := None
		for i < len(steps) && steps[i].at <= now {
			level = steps[i].pressed
			i++
		}
		var held time.Duration
		ev, held = m.Feed(level, now)
		if ev != None {
			evs, at, helds = append(evs, ev), append(at, now), append(helds, held)
		}
	}
	return evs, at, helds
}

// chatter appends a burst of n edges 1–5 ms apart ending at level.
func chatter(r *rand.Rand, steps []step, t time.Duration, level bool, n int) ([]step, time.Duration) {
	l := !level
	for i := 0; i < n; i++ {
		l = !l
		steps = append(steps, step{t, l})
		t += time.Duration(1+r.IntN(5)) * ms
	}
	return append(steps, step{t, level}), t
}

func TestChatterGivesExactlyOnePress(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for trial := 0; trial < 200; trial++ {
		var steps []step
		tt := 100 * ms
		steps, tt = chatter(r, steps, tt, true, 2+r.IntN(7))
		tt += time.Duration(100+r.IntN(300)) * ms // held, under the long press
		steps, tt = chatter(r, steps, tt, false, 2+r.IntN(7))
		m := Machine{Settle: 30 * ms, Long: 800 * ms}
		evs, at := run(&m, false, steps, tt+200*ms)
		if len(evs) != 2 || evs[0] != Down || evs[1] != Up {
			t.Fatalf("trial %d: events %v at %v, want one down and one up", trial, evs, at)
		}
		if at[0] != 100*ms {
			t.Fatalf("trial %d: down at %v, want at the first edge (100ms)", trial, at[0])
		}
	}
}

func TestLongPressThreshold(t *testing.T) {
	bind := Binding{Press: Action{Verb: "next"}, LongPress: Action{Verb: "live", Arg: "toggle"}}
	for _, tc := range []struct {
		held     time.Duration
		wantLong bool
	}{{799 * ms, false}, {800 * ms, true}, {2 * time.Second, true}} {
		m := Machine{Settle: 30 * ms, Long: 800 * ms}
		evs, at, helds := runHeld(&m, false, []step{{10 * ms, true}, {10*ms + tc.held, false}}, 4*time.Second)
		var acts []string
		for i, e := range evs {
			if a, ok := bind.handle(e, helds[i], m.Long); ok {
				acts = append(acts, a.String())
			}
		}
		gotLong := len(evs) == 3 && evs[1] == Long
		if gotLong != tc.wantLong {
			t.Fatalf("held %v: events %v, long %v, want %v", tc.held, evs, gotLong, tc.wantLong)
		}
		if tc.wantLong && (len(acts) != 1 || acts[0] != "live toggle") {
			t.Fatalf("held %v: actions %v, want only the long action", tc.held, acts)
		}
		if !tc.wantLong && (len(acts) != 1 || acts[0] != "next") {
			t.Fatalf("held %v: actions %v, want only the short action, on release", tc.held, acts)
		}
		if tc.wantLong && at[1] != 10*ms+800*ms {
			t.Fatalf("long press fired at %v, want at the threshold", at[1])
		}
	}
}

func TestHeldAtStartupDoesNotFire(t *testing.T) {
	m := Machine{Settle: 30 * ms, Long: 800 * ms}
	evs, _ := run(&m, true, []step{{3 * time.Second, false}, {4 * time.Second, true}, {4*time.Second + 200*ms, false}}, 5*time.Second)
	if len(evs) != 2 || evs[0] != Down || evs[1] != Up {
		t.Fatalf("events %v: want nothing for the start-up hold, then one press", evs)
	}
}

// fakeBox records actions.
type fakeBox struct {
	mu      sync.Mutex
	presets []string
	scene   string
	live    bool
	log     []string
	shown   chan string
}

func (f *fakeBox) Show(name, source string) error {
	f.mu.Lock()
	f.scene = name
	f.log = append(f.log, "show "+name+" by "+source)
	ch := f.shown
	f.mu.Unlock()
	if ch != nil {
		ch <- name
	}
	return nil
}
func (f *fakeBox) Clear(source string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scene = ""
	f.log = append(f.log, "clear")
}
func (f *fakeBox) GoLive(string) error { f.mu.Lock(); f.live = true; f.mu.Unlock(); return nil }
func (f *fakeBox) StopLive(string)     { f.mu.Lock(); f.live = false; f.mu.Unlock() }
func (f *fakeBox) Presets() []string   { return f.presets }
func (f *fakeBox) Scene() string       { f.mu.Lock(); defer f.mu.Unlock(); return f.scene }
func (f *fakeBox) Live() bool          { f.mu.Lock(); defer f.mu.Unlock(); return f.live }
func (f *fakeBox) actions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

func TestActions(t *testing.T) {
	b := &fakeBox{presets: []string{"buy", "sale", "product"}}
	do := func(s string) {
		a, err := ParseAction(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Do(b, "test"); err != nil {
			t.Fatal(err)
		}
	}
	do("show 2")
	if b.scene != "sale" {
		t.Fatalf("show 2 → %q", b.scene)
	}
	do("next")
	do("next")
	if b.scene != "buy" {
		t.Fatalf("next wraps to %q", b.scene)
	}
	do("prev")
	if b.scene != "product" {
		t.Fatalf("prev wraps to %q", b.scene)
	}
	do("live toggle")
	do("clear")
	if !b.live || b.scene != "" {
		t.Fatalf("live %v scene %q", b.live, b.scene)
	}
	do("live toggle")
	if b.live {
		t.Fatal("toggle did not stop")
	}
	a, _ := ParseAction("show 9")
	if err := a.Do(b, "test"); err == nil || !strings.Contains(err.Error(), "3 presets") {
		t.Fatalf("show 9: %v", err)
	}
	for _, s := range []string{"jump", "show", "live maybe", "clear now"} {
		if _, err := ParseAction(s); err == nil || !strings.Contains(err.Error(), "allowed") {
			t.Errorf("ParseAction(%q) = %v", s, err)
		}
	}
}

// steppedPin is a GPIO input that a Button's goroutine and the test take
// turns on. Each WaitForEdge hands the test the timeout the button would
// wait for and parks until the test delivers an edge or lets the timeout
// pass; so the button reads the test's clock only while the test leaves it
// alone, and every edge is handled before the test goes on.
type steppedPin struct {
	*gpiotest.Pin
	turn chan time.Duration
	wake chan *gpio.Level // nil: the timeout passed
	stop chan struct{}    // closed: every wait ends at once
}

func (p *steppedPin) WaitForEdge(timeout time.Duration) bool {
	select {
	case p.turn <- timeout:
	case <-p.stop:
		return false
	}
	select {
	case l := <-p.wake:
		if l == nil {
			return false
		}
		_ = p.Out(*l)
		return true
	case <-p.stop:
		return false
	}
}

var (
	registerOnce sync.Once
	gpio17       = &steppedPin{Pin: &gpiotest.Pin{N: "GPIO17", Num: 17, L: gpio.High, EdgesChan: make(chan gpio.Level)}}
)

// fakeGPIO registers gpio17 as line GPIO17, so that FindLine and Start
// find it as they would a real one, and readies it for a test.
func fakeGPIO(t *testing.T) *steppedPin {
	registerOnce.Do(func() {
		if err := initHost(); err != nil {
			t.Logf("host: %v (expected without GPIO chips)", err)
		}
		if err := gpioreg.Register(gpio17); err != nil {
			t.Fatal(err)
		}
	})
	// No button runs on it between tests (Manager.Close waits for them).
	gpio17.turn, gpio17.wake, gpio17.stop = make(chan time.Duration), make(chan *gpio.Level), make(chan struct{})
	return gpio17
}

// stepper drives a steppedPin on a fake clock.
type stepper struct {
	t       *testing.T
	pin     *steppedPin
	now     atomic.Int64 // the button's clock, in nanoseconds
	holding bool         // the button is parked in WaitForEdge
	due     time.Duration
}

func (s *stepper) clock() time.Duration { return time.Duration(s.now.Load()) }

// hold waits until the button is parked in WaitForEdge: everything before
// (the last edge, its action) is done.
func (s *stepper) hold() {
	s.t.Helper()
	if s.holding {
		return
	}
	select {
	case d := <-s.pin.turn:
		s.holding, s.due = true, s.clock()+d
	case <-time.After(10 * time.Second):
		s.t.Fatal("the button did not come back to wait for an edge")
	}
}

// until runs the clock to at, letting every timeout on the way pass.
func (s *stepper) until(at time.Duration) {
	s.t.Helper()
	for {
		s.hold()
		if s.due > at {
			break
		}
		s.now.Store(int64(s.due))
		s.holding = false
		s.pin.wake <- nil
	}
	s.now.Store(int64(at))
}

// edge sets the line to l at time at.
func (s *stepper) edge(at time.Duration, l gpio.Level) {
	s.t.Helper()
	s.until(at)
	s.holding = false
	s.pin.wake <- &l
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestMissingLineIsReportedAndOthersRun(t *testing.T) {
	pin := fakeGPIO(t)
	box := &fakeBox{presets: []string{"buy"}}
	cfg := Config{Settle: 30 * ms, Long: 800 * ms, Buttons: []ButtonConfig{
		{Line: "GPIO99", Press: "clear"},
		{Line: "GPIO17", Press: "show buy"},
	}}
	s := &stepper{t: t, pin: pin}
	m, errs := Start(cfg, box, func() State { return State{} }, s.clock, quiet())
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			close(pin.stop)
			m.Close()
		}
	}
	defer stop()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), `"GPIO99"`) || !strings.Contains(errs[0].Error(), "GPIO17") {
		t.Fatalf("errors %v: want one naming GPIO99 and the available lines", errs)
	}
	// Contact chatter on GPIO17 (active low): the press acts on the first
	// edge, at once.
	s.edge(10*ms, gpio.Low)
	s.hold()
	if got := box.actions(); len(got) != 1 || got[0] != "show buy by button GPIO17" {
		t.Fatalf("actions %v right after the first edge, want the show from the button", got)
	}
	at := 10 * ms
	for i, l := range []gpio.Level{gpio.High, gpio.Low, gpio.High, gpio.Low} {
		at += time.Duration(1+i%3) * ms
		s.edge(at, l)
	}
	// Held, then released with chatter shorter than the settle time.
	at += 100 * ms
	for _, l := range []gpio.Level{gpio.High, gpio.Low, gpio.High} {
		s.edge(at, l)
		at += 2 * ms
	}
	s.until(at + 500*ms) // the release settles
	stop()
	if got := box.actions(); len(got) != 1 {
		t.Fatalf("actions %v, want one show from the button", got)
	}
}

// ledPin records the levels written to an LED, handing each to the test.
type ledPin struct {
	*gpiotest.Pin
	writes chan<- ledWrite
}

type ledWrite struct {
	led   string
	level gpio.Level
}

func (p *ledPin) Out(l gpio.Level) error {
	p.writes <- ledWrite{p.N, l}
	return nil
}

func TestLEDsFollowState(t *testing.T) {
	writes := make(chan ledWrite)
	l := LEDs{Status: &ledPin{&gpiotest.Pin{N: "status"}, writes}, Overlay: &ledPin{&gpiotest.Pin{N: "overlay"}, writes}}
	// st is read by the loop before it writes the LEDs, and set by the
	// test between receiving those writes and sending the next tick.
	st := State{Stream: control.Live}
	ticks := make(chan time.Time)
	ctx, cancel := contextWithCancel()
	defer cancel()
	done := make(chan struct{})
	go func() { l.run(ctx, func() State { return st }, ticks); close(done) }()
	// update returns what the loop wrote for one state: status, overlay.
	update := func() (status, overlay gpio.Level) {
		t.Helper()
		for _, want := range []string{"status", "overlay"} {
			select {
			case w := <-writes:
				if w.led != want {
					t.Fatalf("the %s LED was written, want the %s LED next", w.led, want)
				}
				if want == "status" {
					status = w.level
				} else {
					overlay = w.level
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("the LED loop did not write the %s LED", want)
			}
		}
		return status, overlay
	}
	// step makes next the state and ticks: one update.
	step := func(next State) (status, overlay gpio.Level) {
		t.Helper()
		st = next
		ticks <- time.Time{}
		return update()
	}
	if s, o := update(); s != gpio.High || o != gpio.Low {
		t.Fatalf("live, no overlay, at start: status %v, overlay %v; want on, off", s, o)
	}
	for i := 0; i < 3; i++ {
		if s, o := step(State{Stream: control.Live}); s != gpio.High || o != gpio.Low {
			t.Fatalf("live, no overlay, tick %d: status %v, overlay %v; want steady on, off", i, s, o)
		}
	}
	for i := 0; i < 3; i++ {
		if s, o := step(State{Stream: control.Live, Overlay: true}); s != gpio.High || o != gpio.High {
			t.Fatalf("live with an overlay, tick %d: status %v, overlay %v; want both on", i, s, o)
		}
	}
	for _, stream := range []control.State{control.Connecting, control.Reconnecting, control.Refused} {
		var levels []gpio.Level
		for i := 0; i < 4; i++ {
			s, o := step(State{Stream: stream})
			levels = append(levels, s)
			if o != gpio.Low {
				t.Fatalf("%s: overlay LED %v with no overlay, want off", stream, o)
			}
			if i > 0 && s == levels[i-1] {
				t.Fatalf("%s: status LED %v, want it blinking (a change every tick)", stream, levels)
			}
		}
	}
	for i := 0; i < 3; i++ {
		if s, _ := step(State{Stream: control.Off}); s != gpio.Low {
			t.Fatalf("idle, tick %d: status LED %v, want off", i, s)
		}
	}
	st = State{Stream: control.Live, Overlay: true}
	cancel()
	if s, o := update(); s != gpio.Low || o != gpio.Low {
		t.Fatalf("on stopping: status %v, overlay %v; want both off", s, o)
	}
	<-done
}

func TestKeyCodes(t *testing.T) {
	if c, err := KeyCode("KEY_1"); err != nil || c != 2 {
		t.Fatalf("KEY_1 = %d, %v", c, err)
	}
	if c, _ := KeyCode("key_pagedown"); c != 109 {
		t.Fatalf("KEY_PAGEDOWN = %d", c)
	}
	if _, err := KeyCode("KEY_NOPE"); err == nil || !strings.Contains(err.Error(), "KEY_ENTER") {
		t.Fatalf("err = %v", err)
	}
}
