package ivs

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	ivssdk "github.com/aws/aws-sdk-go-v2/service/ivs"

	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/ivs/ivstest"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []fakeTimer
}

// fakeTimer is an After waiting for its time.
type fakeTimer struct {
	at time.Time
	c  chan time.Time
}

// Now is the clock's time.
func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After fires when the clock has been moved d past now.
func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := fakeTimer{c.now.Add(d), make(chan time.Time, 1)}
	c.timers = append(c.timers, t)
	return t.c
}

// Advance moves the clock and fires the timers due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.timers[:0]
	for _, t := range c.timers {
		if t.at.After(c.now) {
			kept = append(kept, t)
			continue
		}
		t.c <- c.now
	}
	c.timers = kept
}

// eventually polls cond for up to 5 s of real time, moving the clock by
// step (0: not at all) between tries.
func eventually(t *testing.T, clk *fakeClock, step time.Duration, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		if step > 0 {
			clk.Advance(step)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// newSender starts the fake API (on the test's clock) and a sender on it,
// logging to logs.
func newSender(t *testing.T, logs io.Writer) (*ivstest.Server, *MetadataSender, *fakeClock) {
	t.Helper()
	clk := &fakeClock{now: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	api := ivstest.New("AKIDTEST", arn, "x", "sk")
	api.Now = clk.Now
	t.Cleanup(api.Close)
	a := Account{AccessKeyID: "AKIDTEST", SecretAccessKey: "shh", Region: "us-west-2", Endpoint: api.URL}
	s, err := NewMetadataSender(a, arn, MetadataOptions{Now: clk.Now, After: clk.After,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return api, s, clk
}

// event is a product event's JSON.
func event(t *testing.T, preset string) []byte {
	t.Helper()
	b, err := control.ProductEvent{Event: control.EventShow, Preset: preset, Title: "Mug", Price: "19,90 €"}.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMetadataSize: a product event goes to IVS as it is; a payload over
// 1 KB, an empty one or one that is not UTF-8 is refused by Send with a
// clear error and never reaches IVS, and the fake refuses an oversize
// call made around the sender as IVS does.
func TestMetadataSize(t *testing.T) {
	api, s, clk := newSender(t, io.Discard)
	api.SetLive(1, "HEALTHY")
	s.SetLive(true)
	ev := event(t, "mug")
	if err := s.Send(ev); err != nil {
		t.Fatal(err)
	}
	eventually(t, clk, 0, "the event", func() bool { return len(api.Metadata()) == 1 })
	if got := api.Metadata()[0]; got != string(ev) {
		t.Fatalf("IVS got %q, want %q", got, ev)
	}
	big := bytes.Repeat([]byte("x"), MaxMetadata+1)
	if err := s.Send(big); err == nil || !strings.Contains(err.Error(), "1025 bytes") || !strings.Contains(err.Error(), "at most 1024") {
		t.Fatalf("1025 bytes: %v", err)
	}
	if err := s.Send(nil); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("empty: %v", err)
	}
	if err := s.Send([]byte{0xff, 0xfe}); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Fatalf("not UTF-8: %v", err)
	}
	if err := s.Send(bytes.Repeat([]byte("y"), MaxMetadata)); err != nil {
		t.Fatalf("exactly 1 KB: %v", err)
	}
	eventually(t, clk, 0, "the 1 KB payload", func() bool { return len(api.Metadata()) == 2 })
	// Around the sender, IVS's own check.
	_, err := s.client.PutMetadata(t.Context(), &ivsPutMetadataInput{ChannelArn: ptr(arn), Metadata: ptr(string(big))})
	if err == nil || !strings.Contains(err.Error(), "ValidationException") {
		t.Fatalf("fake took 1025 bytes: %v", err)
	}
	if p := api.Puts(); len(p) != 3 || p[2].Error != "ValidationException" || s.Stats().Sent != 2 {
		t.Fatalf("puts %+v, stats %+v", p, s.Stats())
	}
}

// ptr is a pointer to v.
func ptr[T any](v T) *T { return &v }

// TestMetadataRate: five events in a burst go out at once; more within the
// window coalesce to the latest, which goes when the window allows; IVS
// never throttles the sender, and a burst made around it is throttled.
func TestMetadataRate(t *testing.T) {
	api, s, clk := newSender(t, io.Discard)
	api.SetLive(1, "HEALTHY")
	s.SetLive(true)
	for i := range MetadataRate {
		s.Send(event(t, fmt.Sprint("p", i)))
		eventually(t, clk, 0, "event sent", func() bool { return len(api.Metadata()) == i+1 })
	}
	for i := 5; i < 9; i++ {
		s.Send(event(t, fmt.Sprint("p", i)))
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(api.Puts()); n != MetadataRate {
		t.Fatalf("%d calls within the window, want %d", n, MetadataRate)
	}
	clk.Advance(MetadataWindow - time.Millisecond)
	time.Sleep(50 * time.Millisecond)
	if n := len(api.Puts()); n != MetadataRate {
		t.Fatalf("%d calls before the window ended", n)
	}
	clk.Advance(time.Millisecond)
	eventually(t, clk, 0, "the latest event", func() bool { return len(api.Metadata()) == MetadataRate+1 })
	if got := api.Metadata()[MetadataRate]; !strings.Contains(got, `"preset":"p8"`) {
		t.Fatalf("sent %s, want the latest (p8)", got)
	}
	st := s.Stats()
	if st.Sent != 6 || st.Coalesced != 3 || st.Failed != 0 {
		t.Fatalf("stats %+v", st)
	}
	for _, p := range api.Puts() {
		if p.Error != "" {
			t.Fatalf("IVS refused a call: %+v", p)
		}
	}
	// A burst around the sender: the fake throttles the 5th call in the
	// second (one call already in it).
	var throttled error
	for range MetadataRate {
		_, throttled = s.client.PutMetadata(t.Context(), &ivsPutMetadataInput{ChannelArn: ptr(arn), Metadata: ptr("x")},
			withoutRetries)
	}
	if throttled == nil || !strings.Contains(throttled.Error(), "ThrottlingException") {
		t.Fatalf("6 calls in a second: %v", throttled)
	}
}

// TestMetadataNotLive: nothing is sent while the caller says off air (the
// latest event waits for going live); ChannelNotBroadcasting (IVS has not
// seen the stream yet) is retried quietly with a back-off until IVS sees
// it; Close stops the goroutine and later Sends are refused.
func TestMetadataNotLive(t *testing.T) {
	var logs bytes.Buffer
	api, s, clk := newSender(t, &logs)
	s.Send(event(t, "early"))
	s.Send(event(t, "first"))
	time.Sleep(50 * time.Millisecond)
	if n := len(api.Puts()); n != 0 {
		t.Fatalf("%d calls while off air", n)
	}
	s.SetLive(true) // the box is live; IVS has not seen the stream yet
	eventually(t, clk, 0, "a first try", func() bool { return len(api.Puts()) == 1 })
	eventually(t, clk, 100*time.Millisecond, "retries", func() bool { return len(api.Puts()) >= 3 })
	for _, p := range api.Puts() {
		if p.Error != "ChannelNotBroadcasting" {
			t.Fatalf("call %+v", p)
		}
	}
	api.SetLive(1, "HEALTHY")
	eventually(t, clk, 100*time.Millisecond, "the event once live", func() bool { return len(api.Metadata()) == 1 })
	if !strings.Contains(api.Metadata()[0], `"preset":"first"`) {
		t.Fatalf("sent %s", api.Metadata()[0])
	}
	if st := s.Stats(); st.Failed != 0 || st.LastError != "" || st.Coalesced != 1 || logs.Len() != 0 {
		t.Fatalf("stats %+v, logs %q", st, logs.String())
	}
	// Off air again: the caller says so, nothing goes out.
	s.SetLive(false)
	n := len(api.Puts())
	s.Send(event(t, "later"))
	time.Sleep(50 * time.Millisecond)
	if len(api.Puts()) != n {
		t.Fatal("a call while off air")
	}
	s.Close()
	s.Close()
	if err := s.Send(event(t, "x")); err != ErrMetadataClosed {
		t.Fatalf("send after close: %v", err)
	}
}

// TestMetadataErrors: a refusal other than not-broadcasting or throttling
// drops the payload, is counted and logged once, not once per event.
func TestMetadataErrors(t *testing.T) {
	var logs bytes.Buffer
	api, s, clk := newSender(t, &logs)
	api.SetLive(1, "HEALTHY")
	api.ChannelARN += "x" // IVS no longer knows the channel
	s.SetLive(true)
	for i := range 3 {
		s.Send(event(t, fmt.Sprint("p", i)))
		eventually(t, clk, 0, "a refusal", func() bool { return s.Stats().Failed == int64(i+1) })
	}
	if st := s.Stats(); !strings.Contains(st.LastError, "PutMetadata: ResourceNotFoundException") {
		t.Fatalf("stats %+v", st)
	}
	if n := strings.Count(logs.String(), "not sent"); n != 1 {
		t.Fatalf("%d warnings: %s", n, logs.String())
	}
	if _, err := NewMetadataSender(Account{Region: "us-west-2"}, arn, MetadataOptions{}); err == nil {
		t.Fatal("a sender without keys")
	}
}

// ivsPutMetadataInput is the SDK's input, for calls made around the sender.
type ivsPutMetadataInput = ivssdk.PutMetadataInput

// withoutRetries makes a call once.
func withoutRetries(o *ivssdk.Options) { o.RetryMaxAttempts = 1 }
