//go:build hil

package vmtest

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gen2brain/alsa"

	"github.com/pitchbox/pitchbox/audio"
	"github.com/pitchbox/pitchbox/box"
	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/internal/wait"
)

// goertzel returns the power of freq in x (sampled at rate).
func goertzel(x []float32, freq float64, rate int) float64 {
	w := 2 * math.Pi * freq / float64(rate)
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s0 := float64(v) + c*s1 - s2
		s2, s1 = s1, s0
	}
	return (s1*s1 + s2*s2 - c*s1*s2) / float64(len(x)*len(x))
}

// playTone plays hz into the loopback card's device 1 until ctx ends; the
// box captures it from device 0.
func playTone(ctx context.Context, t *testing.T, card int, hz float64) <-chan error {
	done := make(chan error, 1)
	pcm, err := alsa.PcmOpen(uint(card), 1, alsa.PCM_OUT, &alsa.Config{Channels: 2, Rate: 44100, PeriodSize: 882, PeriodCount: 4, Format: alsa.PCM_FORMAT_S16_LE})
	if err != nil {
		t.Fatalf("open loopback playback: %v", err)
	}
	go func() {
		defer pcm.Close()
		buf := make([]int16, 882*2)
		n := 0
		for ctx.Err() == nil {
			for i := 0; i < 882; i++ {
				v := int16(12000 * math.Sin(2*math.Pi*hz*float64(n)/44100))
				buf[2*i], buf[2*i+1] = v, v
				n++
			}
			if _, err := pcm.WriteI(buf, 882); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	return done
}

// loopbackBox runs a box on the test pattern with the loopback card as its
// microphone, recording; stop ends it and waits.
func loopbackBox(t *testing.T) (*box.Box, *config.Config, func()) {
	t.Helper()
	c := config.Defaults()
	// The VM's root is a small RAM disk: keep a little free, not the
	// 1 GiB an SD card keeps.
	c.Recording.KeepFreeMB = 8
	c.StateDir = t.TempDir()
	c.Camera = config.Camera{Device: "testpattern", Width: 320, Height: 240, FPS: 30}
	c.Encoder.BitrateKbps = 400
	c.Audio.Device = "Loopback"
	b, stop := runBox(t, c)
	return b, c, stop
}

// TestALSAToneReachesStream plays a tone into snd-aloop; the box's own
// ALSA capture takes it, encodes AAC into its recording, and the tone's
// frequency is found in the decoded track.
func TestALSAToneReachesStream(t *testing.T) {
	card, _, err := audio.FindCard("Loopback")
	if err != nil {
		t.Fatal(err)
	}
	const hz = 880.0
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	played := playTone(ctx, t, card, hz)

	b, c, stop := loopbackBox(t)
	time.Sleep(5 * time.Second)
	st := b.Status()
	stop()
	cancel()
	if err := <-played; err != nil {
		t.Fatalf("playing the tone: %v", err)
	}
	t.Logf("audio status while running: %+v", st.Audio)
	if st.Audio.SilentReason != "" || st.Audio.PeakDBFS < -20 {
		t.Fatalf("audio %+v: want the loopback microphone with signal", st.Audio)
	}
	recs, _ := filepath.Glob(filepath.Join(c.StateDir, "recordings", "*.flv"))
	if len(recs) != 1 {
		t.Fatalf("recordings %v", recs)
	}
	asc, frames, err := flvAAC(recs[0])
	if err != nil {
		t.Fatal(err)
	}
	pcm, rate, err := decodeAAC(asc, frames)
	if err != nil {
		t.Fatal(err)
	}
	if len(pcm) < rate*3 {
		t.Fatalf("only %d samples decoded", len(pcm))
	}
	mid := pcm[len(pcm)/3 : 2*len(pcm)/3]
	on := goertzel(mid, hz, rate)
	off := math.Max(goertzel(mid, hz/2, rate), goertzel(mid, hz*1.5, rate))
	var rms float64
	for _, v := range mid {
		rms += float64(v) * float64(v)
	}
	rms = math.Sqrt(rms / float64(len(mid)))
	t.Logf("recording: %d AAC frames, %d Hz; %g Hz power %.2e vs neighbours %.2e, RMS %.3f", len(frames), rate, hz, on, off, rms)
	if on < 100*off || rms < 0.05 {
		t.Fatalf("the %g Hz tone is not in the stream (power %.2e vs %.2e, RMS %.3f)", hz, on, off, rms)
	}
}

// TestMicUnplugAndReplug unbinds the loopback card mid-run: the box keeps
// the track going with silence, says why, and takes the card back when it
// returns.
func TestMicUnplugAndReplug(t *testing.T) {
	b, _, stop := loopbackBox(t)
	defer stop()
	reason := func() string { return b.Status().Audio.SilentReason }
	mic := func() bool { a := b.Status().Audio; return a.SilentReason == "" && strings.HasPrefix(a.Source, "hw:") }
	wait.For(t, 5*time.Second, "the microphone", mic)
	sys := "/sys/bus/platform/drivers/snd_aloop/"
	if err := os.WriteFile(sys+"unbind", []byte("snd_aloop.0"), 0o200); err != nil {
		t.Fatal(err)
	}
	d := wait.For(t, 5*time.Second, "status to say the microphone is lost", func() bool { return strings.Contains(reason(), "lost") })
	t.Logf("unplugged: %q after %v", reason(), d.Round(time.Millisecond))
	encodedBefore := b.Status().Encoded
	if err := os.WriteFile(sys+"bind", []byte("snd_aloop.0"), 0o200); err != nil {
		t.Fatal(err)
	}
	d = wait.For(t, 8*time.Second, "the microphone back", mic)
	t.Logf("plugged back: %s after %v", b.Status().Audio.Source, d.Round(time.Millisecond))
	if b.Status().Encoded <= encodedBefore || b.Status().State != control.Recording {
		t.Fatal("the stream stopped while the microphone was away")
	}
}
