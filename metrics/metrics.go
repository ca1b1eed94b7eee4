// Package metrics serves the box's Prometheus metrics ([metrics] listen):
// a collector that reads the box's status when it is scraped, so nothing
// is counted per frame for it, beside the Go runtime and process
// collectors. Labels carry stage, state and preset names and the
// version, never a URL or a key.
package metrics

import (
	"maps"
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pitchbox/pitchbox/control"
)

// desc makes the description of a pitchbox_ metric.
func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("pitchbox_"+name, help, labels, nil)
}

// Collector reads the box's status at scrape time and turns it into
// metrics.
type Collector struct {
	status func() control.Status

	info, captured, dropped, encoded, reconnects, sent *prometheus.Desc
	state, target, bitrate, peak, rms, fps, lost, temp *prometheus.Desc
	shows                                              *prometheus.Desc
}

// NewCollector makes a Collector reading status (the box's Status).
func NewCollector(status func() control.Status) *Collector {
	return &Collector{
		status:     status,
		info:       desc("info", "The running pitchbox: 1, labelled with its version.", "version"),
		captured:   desc("frames_captured_total", "Frames captured from the camera (or the test pattern, or the camera-lost slate)."),
		dropped:    desc("frames_dropped_total", "Frames a stage dropped because the next one was behind.", "stage"),
		encoded:    desc("frames_encoded_total", "Video frames the H.264 encoder put out."),
		reconnects: desc("stream_reconnects_total", "Times the stream was opened again after it broke."),
		sent:       desc("stream_bytes_sent_total", "Bytes of media sent to the destination (or written to the recording)."),
		state:      desc("stream_state", "1 for the box's current stream state, 0 for the others.", "state"),
		target:     desc("encoder_target_kbps", "The bitrate the encoder is set to, in kbit/s."),
		bitrate:    desc("encoder_bitrate_kbps", "The bitrate the encoder put out over the last second or more, in kbit/s."),
		peak:       desc("audio_peak_dbfs", "The microphone's recent peak level in dBFS (-120 for silence)."),
		rms:        desc("audio_rms_dbfs", "The microphone's recent RMS level in dBFS (-120 for silence)."),
		fps:        desc("camera_fps", "Frames captured per second, over the last second or more."),
		lost:       desc("camera_lost", "1 while the camera is missing and the slate is on air."),
		temp:       desc("cpu_temperature_celsius", "The SoC temperature, where the board reports one."),
		shows:      desc("overlay_shows_total", "Times each preset was put on the picture.", "preset"),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.info, c.captured, c.dropped, c.encoded, c.reconnects, c.sent,
		c.state, c.target, c.bitrate, c.peak, c.rms, c.fps, c.lost, c.temp, c.shows} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: one status read per scrape.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	st := c.status()
	t := st.Totals
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	gauge(c.info, 1, st.Version)
	counter(c.captured, t.Captured)
	counter(c.encoded, t.Encoded)
	for stage, n := range t.Dropped {
		counter(c.dropped, n, stage)
	}
	counter(c.reconnects, t.Reconnects)
	counter(c.sent, t.SentBytes)
	for _, s := range control.States() {
		gauge(c.state, b2f(s == st.State), s.String())
	}
	gauge(c.target, float64(st.TargetKbps))
	gauge(c.bitrate, st.BitrateKbps)
	gauge(c.peak, st.Audio.PeakDBFS)
	gauge(c.rms, st.Audio.RMSDBFS)
	gauge(c.fps, st.FPS)
	gauge(c.lost, b2f(st.Camera == control.CameraLost))
	if st.CPUTempC != nil {
		gauge(c.temp, *st.CPUTempC)
	}
	// Every preset has its series from the start; one shown and since
	// deleted keeps its count.
	shows := maps.Clone(t.Shows)
	if shows == nil {
		shows = map[string]uint64{}
	}
	for _, p := range st.Presets {
		shows[p] += 0
	}
	for _, p := range slices.Sorted(maps.Keys(shows)) {
		counter(c.shows, shows[p], p)
	}
}

// b2f is 1 for true, 0 for false.
func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
