package metrics

import (
	"context"
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/pitchbox/pitchbox/box"
	"github.com/pitchbox/pitchbox/box/boxtest"
	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/internal/wait"
)

// scrapeURL scrapes url once over HTTP.
func scrapeURL(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	return parse(t, resp.Body)
}

// runRecordingBox runs a box on the test pattern, recording with x264,
// with one preset, until the test ends.
func runRecordingBox(t *testing.T) *box.Box {
	cfg := boxtest.Config(t)
	cfg.Presets = []config.Preset{{Name: "buy", QR: "https://shop.example/1", Position: "center", Size: 0.5}}
	b, _ := boxtest.Run(t, cfg, nil)
	return b
}

// TestScrapeWhileRecording runs the box on its test pattern, recording
// with x264, serves its metrics on a loopback port, and scrapes twice:
// both scrapes parse, the frame, byte and show counters move between
// them, and the gauges say what the box does.
func TestScrapeWhileRecording(t *testing.T) {
	b := runRecordingBox(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, stop, err := Serve(ctx, "127.0.0.1:0", Handler(b.Status, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	url := "http://" + addr + "/metrics"
	wait.For(t, 10*time.Second, "the recording to be live with its rates measured", func() bool {
		st := b.Status()
		return st.State == control.Recording && st.Totals.SentBytes > 0 && st.FPS > 0
	})
	first := scrapeURL(t, url)
	last := b.Status().Totals
	if err := b.Show("buy", "test"); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 10*time.Second, "frames captured, encoded and recorded since the first scrape", func() bool {
		now := b.Status().Totals
		return now.Captured > last.Captured && now.Encoded > last.Encoded && now.SentBytes > last.SentBytes
	})
	second := scrapeURL(t, url)
	for _, m := range [][]string{{"pitchbox_frames_captured_total"}, {"pitchbox_frames_encoded_total"},
		{"pitchbox_stream_bytes_sent_total"}, {"pitchbox_overlay_shows_total", "preset", "buy"}} {
		a, z := value(t, first, m[0], m[1:]...), value(t, second, m[0], m[1:]...)
		t.Logf("%s%v: %v then %v", m[0], m[1:], a, z)
		if z <= a {
			t.Errorf("%s%v did not move: %v then %v", m[0], m[1:], a, z)
		}
	}
	checkGauges(t, second)
}

// checkGauges checks what a scrape of the recording box says besides the
// counters.
func checkGauges(t *testing.T, mfs map[string]*dto.MetricFamily) {
	t.Helper()
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"pitchbox_stream_state", []string{"state", "recording"}, 1},
		{"pitchbox_stream_state", []string{"state", "off"}, 0},
		{"pitchbox_encoder_target_kbps", nil, 500},
		{"pitchbox_stream_reconnects_total", nil, 0},
		{"pitchbox_audio_peak_dbfs", nil, -120}, // no microphone: silence
	} {
		if got := value(t, mfs, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if fps := value(t, mfs, "pitchbox_camera_fps"); fps < 20 || fps > 40 {
		t.Errorf("camera_fps = %v, want about 30", fps)
	}
	if g := value(t, mfs, "go_goroutines"); g < 5 {
		t.Errorf("go_goroutines = %v", g)
	}
	value(t, mfs, "process_cpu_seconds_total")
	for _, stage := range []string{"capture", "compose", "encode"} {
		value(t, mfs, "pitchbox_frames_dropped_total", "stage", stage) // there, whatever the count
	}
}
