package box

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bluenviron/gortmplib"

	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/encode/x264"
	"github.com/pitchbox/pitchbox/internal/syncbuf"
	"github.com/pitchbox/pitchbox/internal/wait"
	"github.com/pitchbox/pitchbox/ivs/ivstest"
)

const testChannel = "arn:aws:ivs:us-west-2:123456789012:channel/boxViewers"

// rtmpSink accepts RTMP publishers on 127.0.0.1 and reads whatever they
// send until the test ends; it returns the URL to publish to.
func rtmpSink(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu     sync.Mutex
		wg     sync.WaitGroup
		conns  []net.Conn
		closed bool
	)
	serve := func(nc net.Conn) {
		defer wg.Done()
		defer nc.Close()
		sc := &gortmplib.ServerConn{RW: nc}
		if sc.Initialize() != nil || sc.AcceptConn() != nil || !sc.Publish || sc.AcceptAction() != nil {
			return
		}
		for {
			if _, err := sc.Read(); err != nil {
				return
			}
		}
	}
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if closed {
				nc.Close()
			} else {
				conns = append(conns, nc)
				wg.Add(1)
				go serve(nc)
			}
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		closed = true
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "rtmp://" + ln.Addr().String() + "/live/"
}

// awsConfig points c's [aws] account at api.
func awsConfig(t *testing.T, c *config.Config, api *ivstest.Server) {
	t.Helper()
	secret := filepath.Join(t.TempDir(), "aws.secret")
	if err := os.WriteFile(secret, []byte("shh-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.AWS = config.AWS{AccessKeyID: api.AccessKeyID, SecretAccessKeyFile: secret, ChannelARN: api.ChannelARN, Endpoint: api.URL}
}

// TestViewersWhileLive runs a real box live to a local RTMP server with
// its [aws] account on the fake IVS API: while live, status and the
// screen's feed show the count and health IVS serves; GetStream is
// called at most once per interval; a channel IVS says is not
// broadcasting shows nobody watching, without an error or a log line;
// stopping clears it. The screen's graph gets a sample a second.
func TestViewersWhileLive(t *testing.T) {
	if !x264.Available {
		t.Fatal("this test needs the x264 backend (cgo + libx264-dev)")
	}
	defer func(d time.Duration) { viewersEvery = d }(viewersEvery)
	viewersEvery = 300 * time.Millisecond
	api := ivstest.New("AKIDBOXTEST", testChannel, "127.0.0.1", "sk")
	t.Cleanup(api.Close)
	c := testConfig(t)
	c.Audio.Device, c.Display.Device = "none", "none"
	c.Output.URL, c.Output.StreamKey = rtmpSink(t), "sk_test"
	awsConfig(t, c, api)
	var logs syncbuf.Buffer
	b, err := New(c, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	runBox(t, b)
	api.SetLive(7, "HEALTHY")
	time.Sleep(2 * viewersEvery)
	if n := api.StreamCalls.Load(); n != 0 || b.Status().Viewers != nil {
		t.Fatalf("off air: %d GetStream calls, viewers %+v; want none", n, b.Status().Viewers)
	}
	if err := b.GoLive("test"); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 10*time.Second, "the box to go live", func() bool { return b.State() == control.Live })
	wait.For(t, 3*time.Second, "7 viewers in status", func() bool {
		v := b.Status().Viewers
		return v != nil && v.Count == 7 && v.Health == "HEALTHY" && v.Error == ""
	})
	if v := b.DisplayState().Viewers; v == nil || v.Count != 7 || v.Health != "HEALTHY" {
		t.Fatalf("the screen's feed has viewers %+v, want 7, HEALTHY", v)
	}
	start, calls := time.Now(), api.StreamCalls.Load()
	time.Sleep(2 * time.Second)
	// +2: the first call at once, and one that may be in flight as the
	// count was taken.
	n, most := api.StreamCalls.Load()-calls, int64(time.Since(start)/viewersEvery)+2
	if n < 2 || n > most {
		t.Errorf("%d GetStream calls in %v at one per %v: want 2 to %d", n, time.Since(start).Round(time.Millisecond), viewersEvery, most)
	}
	api.SetOffAir()
	switched := time.Now()
	wait.For(t, 3*time.Second, "no viewers once IVS says the channel is not broadcasting", func() bool {
		v := b.Status().Viewers
		return v != nil && v.At.After(switched) && v.Count == 0
	})
	if v := b.Status().Viewers; v.Error != "" || v.Health != "" {
		t.Errorf("not broadcasting: %+v, want no error and no health", v)
	}
	if r := b.DisplayState().Rates; r.Len() < 2 || r.At(r.Len()-1) <= 0 {
		t.Errorf("the data-rate graph has %d samples, the last %.0f kbps, after seconds on air", r.Len(), r.At(r.Len()-1))
	}
	b.StopLive("test")
	wait.For(t, 3*time.Second, "no viewers once stopped", func() bool { return b.Status().Viewers == nil })
	if l := logs.String(); strings.Contains(l, "viewer count") || strings.Contains(l, "shh-secret") {
		t.Errorf("the log mentions the viewer count or the secret:\n%s", l)
	}
}

// TestPollViewers drives one watch's poller with the state, the config
// and the clock injected: nothing is asked off air or without a channel;
// live, GetStream is called at most once per interval; an error shows
// in Viewers and is logged once, not on every call; a count IVS could
// not make (-1) keeps the last one.
func TestPollViewers(t *testing.T) {
	api := ivstest.New("AKIDPOLL", testChannel, "127.0.0.1", "sk")
	defer api.Close()
	c := config.Defaults()
	awsConfig(t, c, api)
	var cfg atomic.Pointer[config.Config]
	cfg.Store(c)
	var state atomic.Int64
	var logs syncbuf.Buffer
	w := &watch{every: time.Second, state: func() control.State { return control.State(state.Load()) },
		config: cfg.Load, kbps: func() float64 { return 0 }, log: slog.New(slog.NewTextHandler(&logs, nil))}
	ctx, t0 := context.Background(), time.Now()
	at := func(d time.Duration) *control.Viewers { w.poll(ctx, t0.Add(d)); return w.lastViewers() }

	api.SetLive(3, "STARVING")
	if v := at(0); v != nil || api.StreamCalls.Load() != 0 {
		t.Fatalf("off: viewers %+v after %d calls", v, api.StreamCalls.Load())
	}
	state.Store(int64(control.Live))
	if v := at(0); v == nil || v.Count != 3 || v.Health != "STARVING" || api.StreamCalls.Load() != 1 {
		t.Fatalf("live: viewers %+v after %d calls", v, api.StreamCalls.Load())
	}
	api.SetLive(-1, "HEALTHY")
	at(500 * time.Millisecond)
	if n := api.StreamCalls.Load(); n != 1 {
		t.Fatalf("asked again after half the interval (%d calls)", n)
	}
	if v := at(time.Second); v.Count != 3 || v.Health != "HEALTHY" || api.StreamCalls.Load() != 2 {
		t.Fatalf("a count of -1: viewers %+v after %d calls, want the last count kept", v, api.StreamCalls.Load())
	}
	wrong := c.Clone()
	wrong.AWS.AccessKeyID = "AKIDWRONG"
	cfg.Store(wrong)
	for i := 2; i < 5; i++ {
		if v := at(time.Duration(i) * time.Second); v == nil || !strings.Contains(v.Error, "AccessDenied") {
			t.Fatalf("a refused account: viewers %+v", v)
		}
	}
	if n := strings.Count(logs.String(), "cannot get the viewer count"); n != 1 {
		t.Errorf("the refused account logged %d times in 3 calls, want once:\n%s", n, logs.String())
	}
	cfg.Store(c)
	api.SetOffAir()
	if v := at(5 * time.Second); v == nil || v.Count != 0 || v.Error != "" || !strings.Contains(logs.String(), "is back") {
		t.Fatalf("not broadcasting: viewers %+v; log:\n%s", v, logs.String())
	}
	noAWS := config.Defaults()
	cfg.Store(noAWS)
	calls := api.StreamCalls.Load()
	if v := at(9 * time.Second); v != nil || api.StreamCalls.Load() != calls {
		t.Fatalf("without [aws]: viewers %+v, %d calls", v, api.StreamCalls.Load()-calls)
	}
}
