package box

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/pitchbox/pitchbox/control"
)

// explain sets st.Problem, in a seller's words, to the most pressing thing
// that keeps the box from doing what the seller asked, or that buyers
// will miss, and st.Detail to the technical text behind it.
func explain(st *control.Status, now time.Time) {
	ss := st.Stream
	switch {
	case st.State.Failing() && ss != nil:
		st.RetryAt = ss.NextAttempt
		st.Problem, st.Detail = ss.Problem+retryIn(ss.NextAttempt, now), ss.LastError
	case st.Applying:
		st.Problem = "Applying the new settings…"
	case st.ApplyError != "":
		st.Problem, st.Detail = "The last settings change did not work and was undone", st.ApplyError
	case st.Camera == control.CameraLost:
		st.Problem, st.Detail = "Camera not found: buyers see the “back soon” picture", st.Source
	case strings.HasPrefix(st.Audio.SilentReason, "muted"):
		st.Problem, st.Detail = "Sound is muted: buyers hear nothing", st.Audio.SilentReason
	case st.Audio.SilentReason != "":
		st.Problem, st.Detail = "No microphone: the stream has no sound", st.Audio.SilentReason
	case st.State == control.Recording:
		st.Problem = "Recording on the box only: nobody can see this. Set up IVS to go live."
	}
}

// retryIn is " — retrying in N s" for an attempt due at at, or "" when
// none is scheduled.
func retryIn(at, now time.Time) string {
	if at.IsZero() {
		return ""
	}
	d := at.Sub(now)
	if d <= 0 {
		return " — retrying now"
	}
	return fmt.Sprintf(" — retrying in %d s", int(math.Ceil(d.Seconds())))
}
