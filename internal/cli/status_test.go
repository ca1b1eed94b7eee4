package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/control"
)

// TestStatusSaysWhoCanSee: `pitchbox status` says in words whether buyers
// can see the stream, names the problem, and calls time recording what
// it is.
func TestStatusSaysWhoCanSee(t *testing.T) {
	for _, c := range []struct {
		st   control.Status
		want []string
		not  []string
	}{
		{control.Status{State: control.Recording, Problem: "No microphone: the stream has no sound",
			OnAirSince: time.Now().Add(-5 * time.Second), Stream: &control.StreamStatus{Destination: "recording in /x"}},
			[]string{"state:     recording (on the box only: nobody can see this)", "problem:   No microphone", "recording for: 5s"}, []string{"on air:"}},
		{control.Status{State: control.Live, OnAirSince: time.Now().Add(-time.Minute), Stream: &control.StreamStatus{}},
			[]string{"state:     live (buyers can see you)", "on air:    1m0s"}, []string{"problem:"}},
		{control.Status{State: control.Reconnecting, Problem: "Internet connection lost — retrying in 4 s", Stream: &control.StreamStatus{Reconnects: 3}},
			[]string{"reconnecting (buyers cannot see you)", "retrying in 4 s", "reconnects: 3"}, nil},
	} {
		var b bytes.Buffer
		printStatus(&b, c.st)
		for _, w := range c.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("status lacks %q:\n%s", w, b.String())
			}
		}
		for _, w := range c.not {
			if strings.Contains(b.String(), w) {
				t.Errorf("status has %q:\n%s", w, b.String())
			}
		}
	}
}
