// Package config is pitchbox's settings: the TOML schema with its defaults,
// validation that names the key at fault and what it allows, an atomic file
// store that never leaves a torn file, and the stream key kept as a secret.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pitchbox/pitchbox/control"
)

// Config is the whole configuration file.
type Config struct {
	StateDir  string    `toml:"state_dir"`
	Camera    Camera    `toml:"camera"`
	Encoder   Encoder   `toml:"encoder"`
	Output    Output    `toml:"output"`
	Control   Control   `toml:"control"`
	Presets   []Preset  `toml:"preset"`
	Log       LogConfig `toml:"log"`
	Audio     Audio     `toml:"audio"`
	Chat      Chat      `toml:"chat"`
	Buttons   Buttons   `toml:"buttons"`
	Button    []Button  `toml:"button"`
	Key       []Key     `toml:"key"`
	Panel     Panel     `toml:"panel"`
	AWS       AWS       `toml:"aws"`
	IVS       IVS       `toml:"ivs"`
	Display   Display   `toml:"display"`
	Metrics   Metrics   `toml:"metrics"`
	Recording Recording `toml:"recording"`
}

// Recording manages the local recordings (made when no output URL is set).
type Recording struct {
	// KeepFreeMB is how many MiB must stay free on the state directory's
	// disk: the oldest recordings are deleted to keep it so, and recording
	// stops (and says so) when none is left. 0: no limit.
	KeepFreeMB int `toml:"keep_free_mb"`
	// SplitMinutes starts a new file every this many minutes (1–1440).
	SplitMinutes int `toml:"split_minutes"`
}

// Metrics configures the Prometheus endpoint.
type Metrics struct {
	// Listen is the address /metrics is served on, such as
	// "127.0.0.1:9101"; "" (the default) or "off" for none. Any address
	// is allowed: the metrics hold no secret, but whoever reaches the
	// port can read them.
	Listen string `toml:"listen"`
}

// Enabled reports whether metrics are served.
func (m Metrics) Enabled() bool { return m.Listen != "" && m.Listen != "off" }

// Panel configures the local web panel.
type Panel struct {
	// Listen is the panel's address: ":8080" by default (":80" under
	// systemd), "" or "off" for no web panel.
	Listen string `toml:"listen"`
	// HTTPS serves the panel over TLS with a self-signed certificate made
	// on first start (its fingerprint is logged and shown on the display).
	HTTPS bool `toml:"https"`
	// Hosts are extra names the panel answers to (a DNS name, a port
	// forward), besides the box's own addresses, its hostname and
	// pitchbox.local. Requests naming any other host are refused (421), so
	// a web page cannot reach the panel through DNS rebinding.
	Hosts []string `toml:"hosts"`
}

// Enabled reports whether the web panel listens.
func (p Panel) Enabled() bool { return p.Listen != "" && p.Listen != "off" }

// AWS holds the account the box uses to discover its IVS channel's ingest
// server and stream key (and, with a chat room, to make chat tokens).
type AWS struct {
	AccessKeyID string `toml:"access_key_id"`
	// SecretAccessKeyFile names a 0600 file holding the secret access key.
	SecretAccessKeyFile string `toml:"secret_access_key_file"`
	Region              string `toml:"region"`
	ChannelARN          string `toml:"channel_arn"`
	// Endpoint overrides the IVS API endpoint (for tests and private
	// endpoints).
	Endpoint string `toml:"endpoint"`
}

// IVS configures what the box sends to its IVS channel besides the
// video (it needs [aws] channel_arn and the account's credentials).
type IVS struct {
	// TimedMetadata sends each product event (a preset shown or cleared)
	// through IVS PutMetadata while live, besides the SEI in the video:
	// players get it as a TEXT_METADATA_CUE.
	TimedMetadata bool `toml:"timed_metadata"`
}

// Display configures the attached screen.
type Display struct {
	// Device is "auto" (the first framebuffer, if any), "none", or a
	// framebuffer path such as /dev/fb0.
	Device string `toml:"device"`
}

// Audio configures the microphone and the AAC track.
type Audio struct {
	// Device is "auto" (a USB microphone first, else the first capture
	// card), "none", "hw:CARD,DEV", part of a card's id or name, or
	// "syncbeep" (a 1 kHz beep every 2 s, for checking lip sync).
	Device      string  `toml:"device"`
	Rate        int     `toml:"rate"`
	Channels    int     `toml:"channels"`
	BitrateKbps int     `toml:"bitrate_kbps"`
	GainDB      float64 `toml:"gain_db"`
	Mute        bool    `toml:"mute"`
}

// Chat connects the box to an IVS Chat room. It is on when room_arn or
// token_url is set.
type Chat struct {
	// RoomARN with AWS credentials from the environment
	// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) calls CreateChatToken.
	RoomARN string `toml:"room_arn"`
	// Region defaults to the one in RoomARN.
	Region string `toml:"region"`
	// TokenURL is the seller's own backend handing out tokens instead.
	TokenURL string `toml:"token_url"`
	UserID   string `toml:"user_id"`
	// Endpoint overrides the messaging websocket URL (default: the
	// region's IVS Chat endpoint).
	Endpoint string `toml:"endpoint"`
	// ViewerOrigins are the web origins (https://shop.example) whose
	// pages may ask the buyers' chat-token vendor for tokens (CORS).
	ViewerOrigins []string `toml:"viewer_origins"`
}

// Enabled reports whether a chat room is configured.
func (c Chat) Enabled() bool { return c.RoomARN != "" || c.TokenURL != "" }

// Buttons holds the settings shared by all physical controls.
type Buttons struct {
	// Layout "4-button" adds the reference board's buttons and LEDs (see
	// the README); "none" adds nothing.
	Layout      string `toml:"layout"`
	DebounceMS  int    `toml:"debounce_ms"`
	LongPressMS int    `toml:"long_press_ms"`
	// StatusLED and OverlayLED are GPIO line names.
	StatusLED  string `toml:"status_led"`
	OverlayLED string `toml:"overlay_led"`
}

// Button is a GPIO push button: line by name, or chip and offset.
type Button struct {
	Line       string `toml:"line"`
	Chip       string `toml:"chip"`
	Offset     int    `toml:"offset"`
	Press      string `toml:"press"`
	LongPress  string `toml:"long_press"`
	ActiveHigh bool   `toml:"active_high"`
}

// Key is a key of a USB keypad or foot pedal.
type Key struct {
	// Device is a path (/dev/input/by-id/…) or part of the device name.
	Device    string `toml:"device"`
	Key       string `toml:"key"`
	Press     string `toml:"press"`
	LongPress string `toml:"long_press"`
}

// Camera selects and sets up the picture source.
type Camera struct {
	// Device is "auto" (first capture device, else the test pattern),
	// "testpattern", "syncpattern" (the pattern flashing white every 2 s,
	// with audio.device = "syncbeep" for checking lip sync), or a device
	// path such as /dev/video0.
	Device string `toml:"device"`
	Width  int    `toml:"width"`
	Height int    `toml:"height"`
	FPS    int    `toml:"fps"`
	// Format is "auto" (a raw format when it reaches the size and frame
	// rate, else MJPEG, else the closest mode), or one of CameraFormats
	// to insist on it. Empty is "auto".
	Format string `toml:"format"`
	// Decoder decodes MJPEG: "auto" (the board's hardware decoder when it
	// has one, else the CPU), "cpu" or "m2m". Empty is "auto".
	Decoder string `toml:"decoder"`
}

// CameraFormats are the pixel formats [camera] format may name.
var CameraFormats = []string{"auto", "mjpeg", "yuyv", "nv12", "yu12"}

// CameraDecoders are the values [camera] decoder may take.
var CameraDecoders = []string{"auto", "cpu", "m2m"}

// Encoder configures H.264 encoding.
type Encoder struct {
	// Backend is "auto" (a V4L2 M2M H.264 encoder when the board has one,
	// else x264), "m2m" or "x264".
	Backend string `toml:"backend"`
	// Preset is the x264 speed preset (ultrafast … veryslow).
	Preset          string `toml:"preset"`
	BitrateKbps     int    `toml:"bitrate_kbps"`
	KeyframeSeconds int    `toml:"keyframe_seconds"`
	// Adaptive lowers the bitrate while the uplink cannot carry it (down
	// to MinBitrateKbps) and climbs back to BitrateKbps when it can
	// (default true).
	Adaptive bool `toml:"adaptive"`
	// MinBitrateKbps is the floor of the adaptive bitrate; 0 (unset) is
	// 600, or BitrateKbps when that is lower.
	MinBitrateKbps int `toml:"min_bitrate_kbps"`
}

// DefaultMinBitrateKbps is the adaptive bitrate's floor when
// encoder.min_bitrate_kbps is unset.
const DefaultMinBitrateKbps = 600

// MinKbps is the adaptive bitrate's floor: MinBitrateKbps, or when unset
// DefaultMinBitrateKbps capped at BitrateKbps.
func (e Encoder) MinKbps() int {
	if e.MinBitrateKbps > 0 {
		return e.MinBitrateKbps
	}
	return min(DefaultMinBitrateKbps, e.BitrateKbps)
}

// Output says where the stream goes.
type Output struct {
	// URL is the ingest URL without the key, e.g.
	// rtmps://HOST:443/app/. Empty: record to a file in the state directory.
	URL string `toml:"url"`
	// StreamKey inline, or StreamKeyFile naming a file of mode 0600.
	StreamKey     string `toml:"stream_key"`
	StreamKeyFile string `toml:"stream_key_file"`
	// CAFile is a PEM bundle to trust for rtmps, in place of the system's.
	CAFile string `toml:"ca_file"`
	// WHIPToken inline, or WHIPTokenFile naming a file of mode 0600: the
	// bearer token of a WHIP URL (an IVS stage's participant token).
	WHIPToken     string `toml:"whip_token"`
	WHIPTokenFile string `toml:"whip_token_file"`
	// Autostart goes live as soon as the box starts. Unset, the box
	// records at start when it has no destination, and never goes on air
	// by itself (a box the seller left live resumes, see box).
	Autostart *bool `toml:"autostart"`
}

// Control configures the local control socket.
type Control struct {
	Socket string `toml:"socket"`
}

// LogConfig configures logging.
type LogConfig struct {
	// Level is debug, info, warn or error.
	Level string `toml:"level"`
}

// Preset is an overlay the seller can show.
type Preset struct {
	// Name is the preset's label: free text in any script (see
	// checkPresetName). Its ID names it in the API and the panel's URLs.
	Name string `toml:"name"`
	// QR text, or Image: a PNG or JPEG path (relative paths are relative to
	// the config file).
	QR    string `toml:"qr"`
	Image string `toml:"image"`
	// Position is a corner or "center"; X and Y (fractions of the frame
	// width and height, top-left corner) place it freely instead.
	Position string   `toml:"position"`
	X        *float64 `toml:"x"`
	Y        *float64 `toml:"y"`
	// Size is the overlay's height as a fraction of the frame height;
	// DefaultPresetSize when left out (DefaultTextSize for text).
	Size float64 `toml:"size"`
	// Text is a lower third: one line of text on a dark bar.
	Text string `toml:"text"`
	// Title and Price make a product card, with an optional OldPrice
	// (struck through), URL (a QR on the card, and the buyers' link) and
	// Image (the product's photo).
	Title    string `toml:"title"`
	Price    string `toml:"price"`
	OldPrice string `toml:"old_price"`
	URL      string `toml:"url"`
	// ImageURL is where buyers' pages load the product's photo from (the
	// box's Image is a local file they cannot reach).
	ImageURL string `toml:"image_url"`
	// CountdownSeconds > 0 adds a countdown (M:SS) that starts when the
	// preset is shown. CountdownEnd says what happens at zero: "hold"
	// (the default) shows "ended", "clear" takes the preset off.
	CountdownSeconds int    `toml:"countdown_seconds"`
	CountdownEnd     string `toml:"countdown_end"`
}

// IsCard reports whether the preset is a product card.
func (p Preset) IsCard() bool { return p.Title != "" }

// Event is the product event buyers' players get when the preset goes on
// the picture (event control.EventShow, its countdown ending at endsAt
// when it has one) or comes off it (control.EventClear).
func (p Preset) Event(event string, endsAt time.Time) control.ProductEvent {
	e := control.ProductEvent{V: 1, Event: event, Preset: p.Name}
	if event != control.EventShow {
		return e
	}
	e.Title, e.Price, e.OldPrice, e.URL, e.ImageURL = p.Title, p.Price, p.OldPrice, p.URL, p.ImageURL
	if p.URL == "" && p.QR != "" && (strings.HasPrefix(p.QR, "https://") || strings.HasPrefix(p.QR, "http://")) {
		e.URL = p.QR // a QR preset's link is the buyers' link too
	}
	if p.CountdownSeconds > 0 {
		t := endsAt.UTC()
		e.CountdownEndsAt = &t
	}
	return e
}

// DefaultTextSize is a text preset's size when none is given: a lower
// third 10% of the frame height.
const DefaultTextSize = 0.1

// DefaultPresetSize is a preset's size when none is given: 30% of the
// frame height.
const DefaultPresetSize = 0.3

// ID is the id derived from the preset's name (see PresetID).
func (p Preset) ID() string { return PresetID(p.Name) }

// SetDefaults fills in what a preset may leave out.
func (p *Preset) SetDefaults() {
	if p.Size == 0 {
		p.Size = DefaultPresetSize
		if p.Text != "" {
			p.Size = DefaultTextSize
		}
	}
}

// Defaults returns the built-in configuration: camera or test pattern at
// 720p30, x264 ultrafast at 2500 kbps with a keyframe every 2 s, and a local
// recording in the state directory.
func Defaults() *Config {
	return &Config{
		StateDir:  DefaultStateDir(),
		Camera:    Camera{Device: "auto", Width: 1280, Height: 720, FPS: 30, Format: "auto", Decoder: "auto"},
		Encoder:   Encoder{Backend: "auto", Preset: "ultrafast", BitrateKbps: 2500, KeyframeSeconds: 2, Adaptive: true},
		Control:   Control{Socket: DefaultSocket()},
		Log:       LogConfig{Level: "info"},
		Audio:     Audio{Device: "auto", Rate: 44100, Channels: 2, BitrateKbps: 128},
		Chat:      Chat{UserID: "pitchbox"},
		Buttons:   Buttons{Layout: "none", DebounceMS: 30, LongPressMS: 800},
		Panel:     Panel{Listen: DefaultListen()},
		Display:   Display{Device: "auto"},
		Recording: Recording{KeepFreeMB: 1024, SplitMinutes: 60},
	}
}

// DefaultListen is ":80" under systemd (INVOCATION_ID set; the unit grants
// CAP_NET_BIND_SERVICE), else ":8080".
func DefaultListen() string {
	if os.Getenv("INVOCATION_ID") != "" {
		return ":80"
	}
	return ":8080"
}

// DefaultStateDir is $STATE_DIRECTORY (set by systemd), else
// /var/lib/pitchbox for root, else $XDG_STATE_HOME/pitchbox or
// ~/.local/state/pitchbox.
func DefaultStateDir() string {
	if d := os.Getenv("STATE_DIRECTORY"); d != "" {
		return strings.Split(d, ":")[0]
	}
	if os.Geteuid() == 0 {
		return "/var/lib/pitchbox"
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "pitchbox")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "pitchbox")
	}
	return filepath.Join(home, ".local", "state", "pitchbox")
}

// DefaultSocket is $RUNTIME_DIRECTORY/control.sock (set by systemd), else
// /run/pitchbox/control.sock for root, else
// $XDG_RUNTIME_DIR/pitchbox/control.sock, else control.sock in the default
// state directory.
func DefaultSocket() string {
	if d := os.Getenv("RUNTIME_DIRECTORY"); d != "" {
		return filepath.Join(strings.Split(d, ":")[0], "control.sock")
	}
	if os.Geteuid() == 0 {
		return "/run/pitchbox/control.sock"
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "pitchbox", "control.sock")
	}
	return filepath.Join(DefaultStateDir(), "control.sock")
}

// AutostartOn reports whether the box goes live at start: if autostart
// says so, else only when it records to a local file.
func (o Output) AutostartOn() bool {
	if o.Autostart == nil {
		return o.Recording()
	}
	return *o.Autostart
}

// Recording reports whether the output is a local recording (no URL).
func (o Output) Recording() bool { return o.URL == "" }

// Protocol is how the box sends its stream.
type Protocol int

// The protocols, chosen by output.url's scheme.
const (
	ProtoFile Protocol = iota // no URL: a local recording
	ProtoRTMP                 // rtmp:// or rtmps://
	ProtoSRT                  // srt://
	ProtoWHIP                 // https:// (http:// on loopback): WebRTC
)

func (p Protocol) String() string {
	return [...]string{"file", "RTMP", "SRT", "WHIP"}[p]
}

// Protocol says how the box sends to URL.
func (o Output) Protocol() Protocol {
	s := strings.ToLower(o.URL)
	switch {
	case s == "":
		return ProtoFile
	case strings.HasPrefix(s, "srt://"):
		return ProtoSRT
	case strings.HasPrefix(s, "https://"), strings.HasPrefix(s, "http://"):
		return ProtoWHIP
	}
	return ProtoRTMP
}

// Token returns the WHIP bearer token, reading WHIPTokenFile when set.
func (o Output) Token() (string, error) {
	if o.WHIPTokenFile == "" {
		return strings.TrimSpace(o.WHIPToken), nil
	}
	return readSecretFile("output.whip_token_file", o.WHIPTokenFile)
}

// Error is a problem with one setting. Its message names the key, the
// value at fault and what is allowed.
type Error struct {
	File string
	Key  string
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("config: ")
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one file, in file order.
type Errors []*Error

func (es Errors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// IsInvalid reports whether err comes from bad configuration (as opposed to
// a fault of the machine), so the caller can exit with the usage code.
func IsInvalid(err error) bool {
	var e *Error
	var es Errors
	return errors.As(err, &e) || errors.As(err, &es)
}

// StreamURL returns the publish URL: Output.URL with the stream key
// appended as the last path element. The key is resolved from StreamKey or
// StreamKeyFile.
func (c *Config) StreamURL() (string, error) {
	key, err := c.Output.Key()
	if err != nil {
		return "", err
	}
	u := c.Output.URL
	if key == "" {
		return u, nil
	}
	if !strings.HasSuffix(u, "/") {
		u += "/"
	}
	return u + url.PathEscape(key), nil
}

// Key returns the stream key, reading StreamKeyFile when set. The file must
// not be readable by group or others.
func (o Output) Key() (string, error) {
	if o.StreamKeyFile == "" {
		return strings.TrimSpace(o.StreamKey), nil
	}
	return readSecretFile("output.stream_key_file", o.StreamKeyFile)
}

// ChatRegion is Region, or the region named in RoomARN.
func (c Chat) ChatRegion() string {
	if c.Region != "" {
		return c.Region
	}
	f := strings.Split(c.RoomARN, ":")
	if len(f) >= 6 && f[0] == "arn" && f[2] == "ivschat" {
		return f[3]
	}
	return ""
}

// AWSRegion is Region, or the region named in ChannelARN.
func (a AWS) AWSRegion() string {
	if a.Region != "" {
		return a.Region
	}
	f := strings.Split(a.ChannelARN, ":")
	if len(f) >= 6 && f[0] == "arn" {
		return f[3]
	}
	return ""
}

// Secret reads the secret access key from SecretAccessKeyFile, which must
// be 0600. It is "" when no file is set.
func (a AWS) Secret() (string, error) {
	if a.SecretAccessKeyFile == "" {
		return "", nil
	}
	return readSecretFile("aws.secret_access_key_file", a.SecretAccessKeyFile)
}

// maxSecret bounds a secret file: keys and secrets are far shorter.
const maxSecret = 4096

// readSecretFile reads a secret from a regular file that only its owner
// may read.
func readSecretFile(key, path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", &Error{Key: key, Msg: fmt.Sprintf("%s: %v", path, errors.Unwrap(err))}
	}
	if !st.Mode().IsRegular() {
		// A device or a pipe could block the reader or never end.
		return "", &Error{Key: key, Msg: path + " is not a regular file (allowed: a file of mode 0600 holding the secret)"}
	}
	if st.Mode().Perm()&0o077 != 0 {
		return "", &Error{Key: key, Msg: fmt.Sprintf("%s has mode %04o; it holds a secret and must be 0600 (chmod 600 %s)", path, st.Mode().Perm(), path)}
	}
	if st.Size() > maxSecret {
		return "", &Error{Key: key, Msg: fmt.Sprintf("%s is %d bytes; a secret is at most %d", path, st.Size(), maxSecret)}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", &Error{Key: key, Msg: err.Error()}
	}
	k := strings.TrimSpace(string(b))
	if k == "" {
		return "", &Error{Key: key, Msg: path + " is empty; it must hold the secret"}
	}
	return k, nil
}

// Clone returns a deep copy of c.
func (c *Config) Clone() *Config {
	n := *c
	n.Presets = make([]Preset, len(c.Presets))
	for i, p := range c.Presets {
		if p.X != nil {
			x := *p.X
			p.X = &x
		}
		if p.Y != nil {
			y := *p.Y
			p.Y = &y
		}
		n.Presets[i] = p
	}
	if c.Presets == nil {
		n.Presets = nil
	}
	n.Button = append([]Button(nil), c.Button...)
	n.Key = append([]Key(nil), c.Key...)
	if c.Output.Autostart != nil {
		a := *c.Output.Autostart
		n.Output.Autostart = &a
	}
	return &n
}
