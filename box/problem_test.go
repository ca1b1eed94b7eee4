package box

import (
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/control"
)

// TestExplainSaysTheMostPressingThing: a failing stream comes first,
// with its retry countdown from the injected clock; then new settings,
// a lost camera, a silent track, recording only.
func TestExplainSaysTheMostPressingThing(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	lost := &control.StreamStatus{Problem: "Internet connection lost", LastError: "stream: EOF", NextAttempt: now.Add(3200 * time.Millisecond)}
	for _, c := range []struct {
		st                control.Status
		problem, detail   string
		retryAtFromStream bool
	}{
		{control.Status{State: control.Reconnecting, Stream: lost, Camera: control.CameraLost},
			"Internet connection lost — retrying in 4 s", "stream: EOF", true},
		{control.Status{State: control.Refused, Stream: &control.StreamStatus{Problem: "IVS refused the stream key", NextAttempt: now.Add(-time.Second)}},
			"IVS refused the stream key — retrying now", "", true},
		{control.Status{State: control.Connecting, Applying: true}, "Applying the new settings…", "", false},
		{control.Status{State: control.Live, ApplyError: "x: undone"}, "The last settings change did not work and was undone", "x: undone", false},
		{control.Status{State: control.Live, Camera: control.CameraLost, Source: "/dev/video0"}, "Camera not found: buyers see the “back soon” picture", "/dev/video0", false},
		{control.Status{State: control.Live, Audio: control.AudioStatus{SilentReason: "muted (audio.mute = true)"}}, "Sound is muted: buyers hear nothing", "muted (audio.mute = true)", false},
		{control.Status{State: control.Live, Audio: control.AudioStatus{SilentReason: "no microphone found"}}, "No microphone: the stream has no sound", "no microphone found", false},
		{control.Status{State: control.Recording}, "Recording on the box only: nobody can see this. Set up IVS to go live.", "", false},
		{control.Status{State: control.Live}, "", "", false},
	} {
		st := c.st
		explain(&st, now)
		if st.Problem != c.problem || st.Detail != c.detail {
			t.Errorf("%v: problem %q detail %q, want %q %q", c.st.State, st.Problem, st.Detail, c.problem, c.detail)
		}
		if c.retryAtFromStream != !st.RetryAt.IsZero() || strings.Contains(st.Problem, "stream:") {
			t.Errorf("%v: retry at %v", c.st.State, st.RetryAt)
		}
	}
}
