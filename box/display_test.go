package box

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/display"
	"github.com/pitchbox/pitchbox/encode/x264"
	"github.com/pitchbox/pitchbox/internal/wait"
)

// TestDisplayStateWhileReconnecting runs a box live to a port nobody
// listens on: the screen's feed has the state, the reason without the
// retry time (the screen counts down itself) and when the next attempt
// is due, as status has them; the meter says why there is no sound, the
// graph has the target and no rate.
func TestDisplayStateWhileReconnecting(t *testing.T) {
	if !x264.Available {
		t.Fatal("this test needs the x264 backend (cgo + libx264-dev)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	c := testConfig(t)
	c.Audio.Device, c.Display.Device = "none", "none"
	c.Output.URL, c.Output.StreamKey = "rtmp://"+closed+"/live/", "sk_test"
	b, err := New(c, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	runBox(t, b)
	if err := b.GoLive("test"); err != nil {
		t.Fatal(err)
	}
	// Between retries the publisher waits for a keyframe (connecting):
	// read status and the screen's feed together until both see a retry.
	var st control.Status
	var ds display.State
	wait.For(t, 10*time.Second, "the box to retry, as status and the screen see it", func() bool {
		st, ds = b.Status(), b.DisplayState()
		return st.State.Failing() && !st.RetryAt.IsZero() && ds.Stream.Failing() && st.Stream != nil
	})
	if !ds.Stream.Failing() || ds.RetryAt.IsZero() || ds.RetryAt.Before(time.Now().Add(-time.Minute)) {
		t.Fatalf("the screen's feed: state %v, retry at %v; status: %v, %v", ds.Stream, ds.RetryAt, st.State, st.RetryAt)
	}
	if ds.Problem == "" || ds.Problem != st.Stream.Problem || strings.Contains(ds.Problem, "retrying") ||
		!strings.HasPrefix(st.Problem, ds.Problem) {
		t.Errorf("the screen's reason %q; status %q, the stream's %q", ds.Problem, st.Problem, st.Stream.Problem)
	}
	if ds.MicSilent != "no microphone" || ds.TargetKbps != 500 || ds.BitrateKbps != 0 || ds.Viewers != nil || ds.OnAir != 0 {
		t.Errorf("the screen's feed: mic %q, target %d, rate %.0f, viewers %+v, on air %v", ds.MicSilent, ds.TargetKbps, ds.BitrateKbps, ds.Viewers, ds.OnAir)
	}
	wait.For(t, 3*time.Second, "a data-rate sample", func() bool { r := b.DisplayState().Rates; return r.Len() > 0 })
	if r := b.DisplayState().Rates; r.At(r.Len()-1) != 0 {
		t.Errorf("the graph's last sample is %.0f kbps while nothing is sent", r.At(r.Len()-1))
	}
}

// TestMicSilent: the meter's words for each reason the box gives for a
// silent track.
func TestMicSilent(t *testing.T) {
	for reason, want := range map[string]string{
		"": "", "muted (audio.mute = true)": "muted",
		`no microphone configured (audio.device = "none")`:        "no microphone",
		"no microphone found (looking again every 2 s)":           "no microphone",
		"microphone lost: EIO (looking again every 2 s)":          "no microphone",
		"this build has no AAC encoder (built without cgo)":       "no sound",
		"AAC encoder unavailable: avcodec: cannot open the codec": "no sound",
	} {
		if got := micSilent(reason); got != want {
			t.Errorf("%q: %q, want %q", reason, got, want)
		}
	}
}
