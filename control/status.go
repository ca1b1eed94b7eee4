package control

import (
	"time"

	"github.com/pitchbox/pitchbox/chat"
)

// Status is the box's state as the control API reports it.
type Status struct {
	Version string `json:"version"`
	State   State  `json:"state"`
	// Problem says in plain words what keeps the box from doing what the
	// seller asked ("Internet connection lost — retrying in 4 s"), or
	// warns of what buyers will miss (no microphone); Detail is the
	// technical text behind it, for whoever sets the box up.
	Problem string `json:"problem,omitempty"`
	Detail  string `json:"detail,omitempty"`
	// RetryAt is when the next attempt to connect is due.
	RetryAt time.Time `json:"retry_at,omitzero"`
	// LiveRequested is the seller's intent: live was started and not
	// stopped. It survives settings changes and, saved on disk, restarts.
	LiveRequested bool `json:"live_requested"`
	// OnAirSince is when the stream went on air; settings changes and
	// short reconnects do not reset it, a stop does.
	OnAirSince time.Time `json:"on_air_since,omitzero"`
	// Applying is true while the pipeline is rebuilt with new settings.
	Applying bool `json:"applying_settings,omitempty"`
	// Viewers is the IVS channel's live stream as IVS reports it, when
	// the box has an AWS account.
	Viewers       *Viewers    `json:"viewers,omitempty"`
	Camera        CameraState `json:"camera"`
	Source        string      `json:"source"`
	Size          string      `json:"size"`
	Encoder       string      `json:"encoder"`
	Scene         string      `json:"scene"`
	Presets       []string    `json:"presets"`
	FPS           float64     `json:"fps"`
	BitrateKbps   float64     `json:"bitrate_kbps"`
	TargetKbps    int         `json:"target_kbps"` // the encoder's set bitrate
	Captured      uint64      `json:"captured_frames"`
	Encoded       uint64      `json:"encoded_frames"`
	DroppedFrames uint64      `json:"dropped_frames"`
	// CorruptFrames counts camera frames dropped because they could not
	// be decoded (USB errors truncate or garble MJPEG frames).
	CorruptFrames uint64        `json:"camera_corrupt_frames"`
	UptimeSeconds int64         `json:"uptime_seconds"`
	Recording     string        `json:"recording,omitempty"`
	LastAction    *LastAction   `json:"last_action,omitempty"`
	Controls      []string      `json:"control_problems,omitempty"`
	Stages        []StageStatus `json:"stages,omitempty"`
	Stream        *StreamStatus `json:"stream,omitempty"`
	Audio         AudioStatus   `json:"audio"`
	Chat          *chat.Status  `json:"chat,omitempty"`
	// CPUTempC is the SoC temperature where the board reports one.
	CPUTempC *float64 `json:"cpu_temp_c,omitempty"`
	// ApplyError says why the last settings change was undone.
	ApplyError string `json:"apply_error,omitempty"`
	// Totals count over the box's whole run, across rebuilds and
	// sessions; the counters above start again with each pipeline.
	Totals Totals `json:"totals"`
}

// Viewers is what IVS GetStream says about the live stream.
type Viewers struct {
	Count int `json:"count"`
	// Health is IVS's stream health: HEALTHY, STARVING or UNKNOWN.
	Health string    `json:"health"`
	At     time.Time `json:"at"`
	Error  string    `json:"error,omitempty"`
}

// Totals are counters since the box started: they never go back, while
// the pipeline's own counters start from zero with each rebuild and the
// stream's with each session. Metrics are made of them.
type Totals struct {
	Captured uint64 `json:"captured_frames"`
	Encoded  uint64 `json:"encoded_frames"`
	// Dropped counts frames dropped by stage name, because the next
	// stage was behind.
	Dropped    map[string]uint64 `json:"dropped_frames"`
	Reconnects uint64            `json:"stream_reconnects"`
	SentBytes  uint64            `json:"stream_sent_bytes"`
	// Shows counts how often each preset was put on the picture.
	Shows map[string]uint64 `json:"overlay_shows"`
}

// LastAction is the last control action, for status.
type LastAction struct {
	Action string    `json:"action"`
	Source string    `json:"source"`
	At     time.Time `json:"at"`
}

// StageStatus is one pipeline stage's state and counters: frames (or
// packets) taken in, handed on, and dropped because the next stage was
// behind.
type StageStatus struct {
	Name    string     `json:"name"`
	State   StageState `json:"state"`
	In      uint64     `json:"in"`
	Out     uint64     `json:"out"`
	Dropped uint64     `json:"dropped"`
	Error   string     `json:"error,omitempty"`
}

// StreamStatus is the publisher's part of status.
type StreamStatus struct {
	State       State  `json:"state"`
	Destination string `json:"destination"`
	LastError   string `json:"last_error,omitempty"`
	// Problem is LastError in plain words, without the retry time.
	Problem     string    `json:"problem,omitempty"`
	Connects    uint64    `json:"connects"`
	Reconnects  uint64    `json:"reconnects"`
	Dropped     uint64    `json:"dropped_packets"`
	SentVideo   uint64    `json:"sent_video_frames"`
	SentBytes   uint64    `json:"sent_bytes"`
	LiveSince   time.Time `json:"live_since,omitzero"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
}

// AudioStatus is the sound part of status.
type AudioStatus struct {
	Source       string  `json:"source"`
	SilentReason string  `json:"silent_reason,omitempty"`
	PeakDBFS     float64 `json:"peak_dbfs"`
	RMSDBFS      float64 `json:"rms_dbfs"`
	Corrected    int64   `json:"drift_corrected_samples"`
}
