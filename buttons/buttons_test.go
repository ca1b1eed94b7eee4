package buttons

import (
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/gpio/gpiotest"
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

var registerOnce sync.Once
var fakeLines = map[string]*gpiotest.Pin{}

// fakeGPIO registers gpiotest pins as lines GPIO17, GPIO27 (a button) and
// GPIO26 (an LED) so FindLine and Start find them as they would real ones.
func fakeGPIO(t *testing.T) map[string]*gpiotest.Pin {
	registerOnce.Do(func() {
		if err := initHost(); err != nil {
			t.Logf("host: %v (expected without GPIO chips)", err)
		}
		for i, n := range []string{"GPIO17", "GPIO27", "GPIO26"} {
			p := &gpiotest.Pin{N: n, Num: 17 + i, L: gpio.High, EdgesChan: make(chan gpio.Level)}
			if err := gpioreg.Register(p); err != nil {
				t.Fatal(err)
			}
			fakeLines[n] = p
		}
	})
	return fakeLines
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestMissingLineIsReportedAndOthersRun(t *testing.T) {
	pins := fakeGPIO(t)
	box := &fakeBox{presets: []string{"buy"}}
	cfg := Config{Settle: 30 * ms, Long: 800 * ms, Buttons: []ButtonConfig{
		{Line: "GPIO99", Press: "clear"},
		{Line: "GPIO17", Press: "show buy"},
	}}
	start := time.Now()
	m, errs := Start(cfg, box, func() State { return State{} }, func() time.Duration { return time.Since(start) }, quiet())
	defer m.Close()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), `"GPIO99"`) || !strings.Contains(errs[0].Error(), "GPIO17") {
		t.Fatalf("errors %v: want one naming GPIO99 and the available lines", errs)
	}
	// Contact chatter on GPIO17, in real time: exactly one press.
	p := pins["GPIO17"]
	for i, l := range []gpio.Level{gpio.Low, gpio.High, gpio.Low, gpio.High, gpio.Low} {
		p.EdgesChan <- l
		time.Sleep(time.Duration(1+i%3) * ms)
	}
	time.Sleep(100 * ms)
	for _, l := range []gpio.Level{gpio.High, gpio.Low, gpio.High} {
		p.EdgesChan <- l
		time.Sleep(2 * ms)
	}
	time.Sleep(100 * ms)
	if got := box.actions(); len(got) != 1 || got[0] != "show buy by button GPIO17" {
		t.Fatalf("actions %v, want one show from the button", got)
	}
}

func TestLEDsFollowState(t *testing.T) {
	pins := fakeGPIO(t)
	led := pins["GPIO26"]
	var mu sync.Mutex
	st := State{Stream: "live"}
	state := func() State { mu.Lock(); defer mu.Unlock(); return st }
	l := LEDs{Status: led}
	set := func(s string) { mu.Lock(); st.Stream = s; mu.Unlock() }
	level := func() gpio.Level { led.Lock(); defer led.Unlock(); return led.L }
	done := make(chan struct{})
	ctx, cancel := contextWithCancel()
	go func() { l.Run(ctx, state, 5*ms); close(done) }()
	time.Sleep(20 * ms)
	if level() != gpio.High {
		t.Fatal("status LED not steady on while live")
	}
	set("reconnecting")
	seen := map[gpio.Level]bool{}
	for i := 0; i < 20; i++ {
		seen[level()] = true
		time.Sleep(3 * ms)
	}
	if !seen[gpio.High] || !seen[gpio.Low] {
		t.Fatal("status LED not blinking while reconnecting")
	}
	set("idle")
	time.Sleep(20 * ms)
	if level() != gpio.Low {
		t.Fatal("status LED on while idle")
	}
	cancel()
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
