package metrics

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/pitchbox/pitchbox/control"
)

// parse reads a scrape in the Prometheus text format, failing the test
// if it does not parse.
func parse(t *testing.T, r io.Reader) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("the scrape does not parse: %v", err)
	}
	return mfs
}

// value is the value of the series of name with the given label pairs
// (name, value, …); the test fails when there is no such series.
func value(t *testing.T, mfs map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	mf := mfs[name]
	if mf == nil {
		t.Fatalf("no metric %s", name)
	}
next:
	for _, m := range mf.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.GetLabel() {
				found = found || l.GetName() == labels[i] && l.GetValue() == labels[i+1]
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		}
		return m.GetUntyped().GetValue()
	}
	t.Fatalf("no series %s%v", name, labels)
	return 0
}

// scrapeHandler scrapes h once.
func scrapeHandler(t *testing.T, h http.Handler) (map[string]*dto.MetricFamily, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("Content-Type %q", ct)
	}
	body := rec.Body.String()
	return parse(t, strings.NewReader(body)), body
}

// TestCollectorReadsStatus: every metric comes from the status at the
// scrape, the stream state is 1 for the current state and 0 for each
// other one, every preset has a show counter, and no secret in the
// status reaches the scrape.
func TestCollectorReadsStatus(t *testing.T) {
	temp := 51.5
	st := control.Status{Version: "v1.2.3", State: control.Reconnecting, FPS: 29.9, BitrateKbps: 2480, TargetKbps: 2500,
		Camera: control.CameraLost, CPUTempC: &temp, Presets: []string{"buy", "sale"},
		Audio:  control.AudioStatus{PeakDBFS: -6.5, RMSDBFS: -20},
		Stream: &control.StreamStatus{Destination: "rtmps://ingest.example:443/app/sk_us-west-2_SECRET", LastError: "dial rtmps://ingest.example:443/app/sk_us-west-2_SECRET: refused"},
		Totals: control.Totals{Captured: 900, Encoded: 880, Reconnects: 2, SentBytes: 123456,
			Dropped: map[string]uint64{"capture": 3, "compose": 1}, Shows: map[string]uint64{"buy": 4, "gone": 1}}}
	mfs, body := scrapeHandler(t, Handler(func() control.Status { return st }, nil))
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"pitchbox_info", []string{"version", "v1.2.3"}, 1},
		{"pitchbox_frames_captured_total", nil, 900},
		{"pitchbox_frames_encoded_total", nil, 880},
		{"pitchbox_frames_dropped_total", []string{"stage", "capture"}, 3},
		{"pitchbox_frames_dropped_total", []string{"stage", "compose"}, 1},
		{"pitchbox_stream_reconnects_total", nil, 2},
		{"pitchbox_stream_bytes_sent_total", nil, 123456},
		{"pitchbox_encoder_target_kbps", nil, 2500},
		{"pitchbox_encoder_bitrate_kbps", nil, 2480},
		{"pitchbox_audio_peak_dbfs", nil, -6.5},
		{"pitchbox_audio_rms_dbfs", nil, -20},
		{"pitchbox_camera_fps", nil, 29.9},
		{"pitchbox_camera_lost", nil, 1},
		{"pitchbox_cpu_temperature_celsius", nil, 51.5},
		{"pitchbox_overlay_shows_total", []string{"preset", "buy"}, 4},
		{"pitchbox_overlay_shows_total", []string{"preset", "sale"}, 0},
		{"pitchbox_overlay_shows_total", []string{"preset", "gone"}, 1},
	} {
		if got := value(t, mfs, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if n := len(mfs["pitchbox_stream_state"].GetMetric()); n != len(control.States()) {
		t.Errorf("%d stream_state series, want one per state (%d)", n, len(control.States()))
	}
	for _, s := range control.States() {
		want := 0.0
		if s == control.Reconnecting {
			want = 1
		}
		if got := value(t, mfs, "pitchbox_stream_state", "state", s.String()); got != want {
			t.Errorf("stream_state{state=%q} = %v, want %v", s, got, want)
		}
	}
	for _, m := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_cpu_seconds_total", "process_resident_memory_bytes"} {
		if mfs[m] == nil {
			t.Errorf("no %s", m)
		}
	}
	if strings.Contains(body, "SECRET") || strings.Contains(body, "rtmps://") {
		t.Error("a secret or a URL reached the scrape")
	}
}

// TestServe: the endpoint is on its own listener, a taken port is an
// error naming the key (for the caller to log), and the server ends with
// its context.
func TestServe(t *testing.T) {
	st := control.Status{State: control.Off}
	h := Handler(func() control.Status { return st }, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	addr, stop, err := Serve(ctx, "127.0.0.1:0", h)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	mfs := parse(t, resp.Body)
	resp.Body.Close()
	if value(t, mfs, "pitchbox_stream_state", "state", "off") != 1 {
		t.Fatal("not idle")
	}
	if _, _, err := Serve(ctx, addr, h); err == nil || !strings.HasPrefix(err.Error(), "metrics: ") ||
		!strings.Contains(err.Error(), "metrics.listen") || !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("a taken port: %v", err)
	}
	cancel()
	stop() // waits for the server, already stopping with ctx
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Fatal("still listening after its context ended")
	}
}
