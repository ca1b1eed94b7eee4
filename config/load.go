package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/stream/srturl"
)

// Load reads and validates the TOML file at path on top of Defaults.
// Relative paths in the file are made relative to the file's folder.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &Error{File: path, Msg: "file does not exist"}
		}
		return nil, &Error{File: path, Msg: err.Error()}
	}
	return Parse(path, data)
}

// Parse decodes and validates TOML text; name labels errors.
func Parse(name string, data []byte) (*Config, error) {
	c := Defaults()
	md, err := toml.Decode(string(data), c)
	if err != nil {
		return nil, &Error{File: name, Msg: strings.TrimPrefix(err.Error(), "toml: ")}
	}
	if und := md.Undecoded(); len(und) > 0 {
		var es Errors
		unknown := map[string]bool{}
		for _, k := range und {
			unknown[k.String()] = true
		}
		for _, k := range und {
			if len(k) > 1 && unknown[k[:len(k)-1].String()] {
				continue // inside an unknown table: that table is the one error
			}
			es = append(es, &Error{File: name, Key: k.String(), Msg: unknownKey(k)})
		}
		return nil, es
	}
	if name != "" {
		c.resolvePaths(filepath.Dir(name))
	}
	for i := range c.Presets {
		c.Presets[i].SetDefaults()
	}
	if err := c.Validate(); err != nil {
		var es Errors
		if errors.As(err, &es) {
			for _, e := range es {
				e.File = name
			}
		}
		return nil, err
	}
	return c, nil
}

var sectionKeys = map[string][]string{
	"":          {"state_dir", "camera", "encoder", "output", "control", "preset", "log", "audio", "chat", "buttons", "button", "key", "panel", "aws", "ivs", "display", "metrics", "recording"},
	"metrics":   {"listen"},
	"recording": {"keep_free_mb", "split_minutes"},
	"panel":     {"listen", "https", "hosts"},
	"aws":       {"access_key_id", "secret_access_key_file", "region", "channel_arn", "endpoint"},
	"ivs":       {"timed_metadata"},
	"display":   {"device"},
	"chat":      {"room_arn", "region", "token_url", "user_id", "endpoint", "viewer_origins"},
	"audio":     {"device", "rate", "channels", "bitrate_kbps", "gain_db", "mute"},
	"buttons":   {"layout", "debounce_ms", "long_press_ms", "status_led", "overlay_led"},
	"button":    {"line", "chip", "offset", "press", "long_press", "active_high"},
	"key":       {"device", "key", "press", "long_press"},
	"camera":    {"device", "width", "height", "fps", "format", "decoder"},
	"encoder":   {"backend", "preset", "bitrate_kbps", "keyframe_seconds", "adaptive", "min_bitrate_kbps"},
	"output":    {"url", "stream_key", "stream_key_file", "ca_file", "whip_token", "whip_token_file", "autostart"},
	"control":   {"socket"},
	"log":       {"level"},
	"preset":    {"name", "qr", "image", "text", "title", "price", "old_price", "url", "image_url", "countdown_seconds", "countdown_end", "position", "x", "y", "size"},
}

// unknownKey says what is allowed where k was found: the keys of its
// section, or the sections when k is itself an unknown section.
func unknownKey(k toml.Key) string {
	if len(k) == 1 {
		keys := sectionKeys[""]
		msg := "unknown key or section (allowed at the top: " + strings.Join(keys, ", ") + ")"
		if near := closest(k[0], keys); near != "" {
			msg += "; did you mean " + near + "?"
		}
		return msg
	}
	sec := k[len(k)-2]
	keys := sectionKeys[sec]
	msg := fmt.Sprintf("unknown key in [%s] (allowed there: %s)", sec, strings.Join(keys, ", "))
	if near := closest(k[len(k)-1], keys); near != "" {
		msg += "; did you mean " + near + "?"
	}
	return msg
}

// closest is the name in names at most two edits from s, or "".
func closest(s string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(s, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func (c *Config) resolvePaths(dir string) {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	abs(&c.StateDir)
	abs(&c.Output.StreamKeyFile)
	abs(&c.Output.CAFile)
	abs(&c.Control.Socket)
	abs(&c.AWS.SecretAccessKeyFile)
	for i := range c.Presets {
		abs(&c.Presets[i].Image)
	}
}

// X264Presets are the speed presets x264 knows, fastest first.
var X264Presets = []string{"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"}

// Positions are the named overlay positions.
var Positions = []string{"top-left", "top-right", "bottom-left", "bottom-right", "center"}

// Validate checks every setting and returns Errors listing each problem.
func (c *Config) Validate() error {
	var es Errors
	bad := func(key, format string, a ...any) {
		es = append(es, &Error{Key: key, Msg: fmt.Sprintf(format, a...)})
	}
	if c.StateDir == "" {
		bad("state_dir", "must not be empty")
	}
	c.validateMedia(bad)
	for _, e := range c.validateOutput(bad) {
		es = append(es, e)
	}
	c.validateServices(bad)
	seen := map[string]string{} // preset id → name
	for i, p := range c.Presets {
		validatePreset(i, p, seen, bad)
	}
	c.validateControls(bad)
	if len(es) > 0 {
		return es
	}
	return nil
}

// validateMedia checks the camera, audio and encoder sections.
func (c *Config) validateMedia(bad func(string, string, ...any)) {
	cam := c.Camera
	if cam.Device != "auto" && cam.Device != "testpattern" && cam.Device != "syncpattern" {
		if err := checkDevice(cam.Device); err != nil {
			bad("camera.device", "%q: %v (allowed: \"auto\", \"testpattern\", \"syncpattern\", or a device path such as \"/dev/video0\")", cam.Device, err)
		}
	}
	au := c.Audio
	if au.Device == "" {
		bad("audio.device", "must not be empty (allowed: \"auto\", \"none\", \"hw:CARD,DEV\", part of a card's name, \"syncbeep\")")
	}
	if au.Rate != 44100 && au.Rate != 48000 {
		bad("audio.rate", "%d is not allowed (allowed: 44100, 48000)", au.Rate)
	}
	if au.Channels != 1 && au.Channels != 2 {
		bad("audio.channels", "%d is not allowed (allowed: 1, 2)", au.Channels)
	}
	if au.BitrateKbps < 64 || au.BitrateKbps > 320 {
		bad("audio.bitrate_kbps", "%d is not allowed (allowed: 64 to 320; IVS recommends at least 96)", au.BitrateKbps)
	}
	if !finite(au.GainDB) || au.GainDB < -20 || au.GainDB > 30 {
		bad("audio.gain_db", "%g is not allowed (allowed: -20 to 30)", au.GainDB)
	}
	if cam.Width < 160 || cam.Width > 3840 || cam.Width%2 != 0 {
		bad("camera.width", "%d is not allowed (allowed: an even number from 160 to 3840)", cam.Width)
	}
	if cam.Height < 120 || cam.Height > 2160 || cam.Height%2 != 0 {
		bad("camera.height", "%d is not allowed (allowed: an even number from 120 to 2160)", cam.Height)
	}
	if cam.FPS < 1 || cam.FPS > 60 {
		bad("camera.fps", "%d is not allowed (allowed: 1 to 60)", cam.FPS)
	}
	if cam.Format != "" && !slices.Contains(CameraFormats, cam.Format) {
		bad("camera.format", "%q is not allowed (allowed: %s)", cam.Format, quoted(CameraFormats))
	}
	if cam.Decoder != "" && !slices.Contains(CameraDecoders, cam.Decoder) {
		bad("camera.decoder", "%q is not allowed (allowed: %s)", cam.Decoder, quoted(CameraDecoders))
	}
	enc := c.Encoder
	if enc.Backend != "auto" && enc.Backend != "x264" && enc.Backend != "m2m" {
		bad("encoder.backend", "%q is not allowed (allowed: \"auto\" (hardware if present, else x264), \"m2m\", \"x264\")", enc.Backend)
	}
	if !slices.Contains(X264Presets, enc.Preset) {
		bad("encoder.preset", "%q is not allowed (allowed: %s)", enc.Preset, strings.Join(X264Presets, ", "))
	}
	if enc.BitrateKbps < 100 || enc.BitrateKbps > 8500 {
		bad("encoder.bitrate_kbps", "%d is not allowed (allowed: 100 to 8500; IVS disconnects above its channel type's limit)", enc.BitrateKbps)
	}
	if enc.KeyframeSeconds < 1 || enc.KeyframeSeconds > 10 {
		bad("encoder.keyframe_seconds", "%d is not allowed (allowed: 1 to 10; IVS wants 2)", enc.KeyframeSeconds)
	}
	if m := enc.MinBitrateKbps; m != 0 && (m < 100 || m > enc.BitrateKbps) {
		bad("encoder.min_bitrate_kbps", "%d is not allowed (allowed: 100 to encoder.bitrate_kbps, here %d; the adaptive bitrate never goes below it)", m, enc.BitrateKbps)
	}
}

// validateOutput checks the output section; a stream key file that cannot
// be read comes back as its own error.
func (c *Config) validateOutput(bad func(string, string, ...any)) (es []*Error) {
	out := c.Output
	if out.URL != "" {
		u, err := parseURL(out.URL)
		switch {
		case err != nil:
			bad("output.url", "%v", err)
		case u.Scheme == "srt":
			if err := srturl.Check(out.URL, out.StreamKey != "" || out.StreamKeyFile != ""); err != nil {
				bad("output.url", "%v", err)
			}
		case u.Scheme == "https" || u.Scheme == "http":
			if msg := checkWHIPURL(u); msg != "" {
				bad("output.url", "%s", msg)
			}
		case u.Scheme != "rtmp" && u.Scheme != "rtmps":
			bad("output.url", "scheme %q is not allowed (allowed: rtmp://, rtmps://, srt://, and https:// for WHIP)", u.Scheme)
		case u.Host == "":
			bad("output.url", "has no host (expected e.g. rtmps://HOST:443/app/)")
		}
	}
	es = append(es, c.validateWHIP(bad)...)
	if out.StreamKey != "" && out.StreamKeyFile != "" {
		bad("output.stream_key", "set stream_key or stream_key_file, not both")
	}
	if out.URL == "" && (out.StreamKey != "" || out.StreamKeyFile != "") {
		bad("output.url", "is empty but a stream key is set; give the ingest URL (e.g. rtmps://HOST:443/app/)")
	}
	if out.StreamKeyFile != "" {
		if _, err := out.Key(); err != nil {
			var e *Error
			if errors.As(err, &e) {
				es = append(es, e)
			}
		}
	}
	if out.CAFile != "" {
		if _, err := os.Stat(out.CAFile); err != nil {
			bad("output.ca_file", "%s: %v", out.CAFile, errors.Unwrap(err))
		}
	}
	return es
}

// validateServices checks the log, chat, panel, metrics, display and aws
// sections.
func (c *Config) validateServices(bad func(string, string, ...any)) {
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "%q is not allowed (allowed: debug, info, warn, error)", c.Log.Level)
	}
	if ch := c.Chat; ch.RoomARN != "" && ch.TokenURL != "" {
		bad("chat.room_arn", "set room_arn or token_url, not both")
	} else if ch.RoomARN != "" && ch.ChatRegion() == "" {
		bad("chat.room_arn", "%q is not a room ARN (expected arn:aws:ivschat:REGION:ACCOUNT:room/ID)", ch.RoomARN)
	} else if ch.TokenURL != "" && !strings.HasPrefix(ch.TokenURL, "https://") && !strings.HasPrefix(ch.TokenURL, "http://") {
		bad("chat.token_url", "must be an http:// or https:// URL")
	}
	if l := c.Panel.Listen; l != "" && l != "off" && !validListen(l) {
		bad("panel.listen", "%q is not allowed (allowed: HOST:PORT or :PORT such as \":8080\", or \"off\")", l)
	}
	if l := c.Metrics.Listen; l != "" && l != "off" && !validListen(l) {
		bad("metrics.listen", "%q is not allowed (allowed: HOST:PORT or :PORT such as \"127.0.0.1:9101\", or \"off\")", l)
	}
	for i, h := range c.Panel.Hosts {
		if h == "" || strings.ContainsAny(h, "/ @?#") {
			bad(fmt.Sprintf("panel.hosts[%d]", i), "%q is not allowed (allowed: a host name or address, optionally with :PORT)", h)
		}
	}
	if d := c.Display.Device; d != "auto" && d != "none" {
		if err := checkDevice(d); err != nil {
			bad("display.device", "%q: %v (allowed: \"auto\", \"none\", or a framebuffer path such as \"/dev/fb0\")", d, err)
		}
	}
	if r := c.Recording; r.KeepFreeMB < 0 || r.KeepFreeMB > 1<<20 {
		bad("recording.keep_free_mb", "%d is not allowed (allowed: 0 for no limit, or 1 to 1048576 MB)", r.KeepFreeMB)
	}
	if r := c.Recording; r.SplitMinutes < 1 || r.SplitMinutes > 1440 {
		bad("recording.split_minutes", "%d is not allowed (allowed: 1 to 1440 minutes)", r.SplitMinutes)
	}
	if a := c.AWS; a.ChannelARN != "" && !strings.HasPrefix(a.ChannelARN, "arn:") {
		bad("aws.channel_arn", "%q is not a channel ARN (expected arn:aws:ivs:REGION:ACCOUNT:channel/ID)", a.ChannelARN)
	}
	if a := c.AWS; a.Endpoint != "" && !strings.HasPrefix(a.Endpoint, "https://") && !strings.HasPrefix(a.Endpoint, "http://") {
		bad("aws.endpoint", "must be an http:// or https:// URL")
	}
	if c.IVS.TimedMetadata && c.AWS.ChannelARN == "" {
		bad("ivs.timed_metadata", "needs [aws] channel_arn (and the account's credentials) to call IVS PutMetadata")
	}
	for i, o := range c.Chat.ViewerOrigins {
		if !validOrigin(o) {
			bad(fmt.Sprintf("chat.viewer_origins[%d]", i), "%q is not allowed (allowed: an origin such as \"https://shop.example\" or \"http://localhost:8000\", without a path)", o)
		}
	}
}

// validOrigin reports whether o is a web origin: http or https, a host,
// an optional port, and nothing else.
func validOrigin(o string) bool {
	u, err := url.Parse(o)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.Path == "" &&
		u.User == nil && u.RawQuery == "" && u.Fragment == "" && !strings.HasSuffix(o, "/")
}

// validListen reports whether l is an address to listen on: HOST:PORT or
// :PORT.
func validListen(l string) bool {
	_, port, err := net.SplitHostPort(l)
	return err == nil && port != ""
}

func validatePreset(i int, p Preset, seen map[string]string, bad func(string, string, ...any)) {
	key := func(k string) string {
		if p.Name != "" {
			return fmt.Sprintf("preset[%q].%s", p.Name, k)
		}
		return fmt.Sprintf("preset[%d].%s", i, k)
	}
	checkPresetNameID(p.Name, key("name"), seen, bad)
	validatePresetKind(p, key, bad)
	validatePresetEvent(p, key, bad)
	if (p.X == nil) != (p.Y == nil) {
		bad(key("x"), "x and y go together; set both or neither")
	}
	if p.X != nil && p.Y != nil {
		if p.Position != "" {
			bad(key("position"), "set position or x/y, not both")
		}
		if !finite(*p.X) || !finite(*p.Y) || *p.X < 0 || *p.X >= 1 || *p.Y < 0 || *p.Y >= 1 {
			bad(key("x"), "x = %g, y = %g are not allowed (allowed: fractions of the frame from 0 up to 1)", *p.X, *p.Y)
		}
	} else if p.Position != "" && !slices.Contains(Positions, p.Position) {
		bad(key("position"), "%q is not allowed (allowed: %s)", p.Position, strings.Join(Positions, ", "))
	}
	if !finite(p.Size) || p.Size <= 0 || p.Size > 1 {
		bad(key("size"), "%g is not allowed (allowed: a fraction of the frame height above 0, at most 1, e.g. 0.3)", p.Size)
	}
}

// validatePresetKind checks which keys go together: exactly one of qr,
// image, text or title (a card, whose photo image may be), a card's price,
// and a countdown's keys.
func validatePresetKind(p Preset, key func(string) string, bad func(string, string, ...any)) {
	var kinds []string
	for k, v := range map[string]string{"qr": p.QR, "text": p.Text, "title": p.Title} {
		if v != "" {
			kinds = append(kinds, k)
		}
	}
	sort.Strings(kinds)
	switch {
	case len(kinds) > 1:
		bad(key(kinds[0]), "set one of qr, image, text or title (a product card), not %s", strings.Join(kinds, " and "))
	case p.Image != "" && (p.QR != "" || p.Text != ""):
		bad(key("image"), "set %s or image, not both (an image goes alone, or with title as a product card's photo)", kinds[0])
	case len(kinds) == 0 && p.Image == "":
		bad(key("qr"), "set qr (text to encode), image (a PNG or JPEG path), text (a lower third) or title and price (a product card)")
	}
	if p.Image != "" {
		// Whether it decodes (and a QR fits) is checked where the preset
		// is rendered, when the box loads it.
		if err := checkFile(p.Image); err != nil {
			bad(key("image"), "%s: %v", p.Image, err)
		}
	}
	if p.Title != "" && p.Price == "" {
		bad(key("price"), "a product card (title) needs a price, e.g. price = \"19,90 €\"")
	}
	for _, kv := range [][2]string{{"price", p.Price}, {"old_price", p.OldPrice}, {"url", p.URL}, {"image_url", p.ImageURL}} {
		if kv[1] != "" && p.Title == "" {
			bad(key(kv[0]), "%s goes on a product card: set title too", kv[0])
		}
	}
	for _, kv := range [][2]string{{"url", p.URL}, {"image_url", p.ImageURL}} {
		if kv[1] == "" {
			continue
		}
		if u, err := url.Parse(kv[1]); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad(key(kv[0]), "%q is not allowed (allowed: an https:// or http:// link)", kv[1])
		}
	}
	if p.CountdownSeconds < 0 || p.CountdownSeconds > MaxCountdownSeconds {
		bad(key("countdown_seconds"), "%d is not allowed (allowed: 1 to %d, i.e. up to 99:59; 0 or left out for none)", p.CountdownSeconds, MaxCountdownSeconds)
	}
	switch {
	case p.CountdownEnd != "" && p.CountdownSeconds == 0:
		bad(key("countdown_end"), "goes with countdown_seconds")
	case p.CountdownEnd != "" && p.CountdownEnd != "hold" && p.CountdownEnd != "clear":
		bad(key("countdown_end"), "%q is not allowed (allowed: hold, clear)", p.CountdownEnd)
	}
}

// MaxCountdownSeconds is the longest countdown: 99:59.
const MaxCountdownSeconds = 99*60 + 59

// validatePresetEvent refuses a preset whose product event would not fit
// in control.MaxProductEvent bytes (the SEI and IVS metadata limit).
func validatePresetEvent(p Preset, key func(string) string, bad func(string, string, ...any)) {
	// The longest time JSON writes: nanoseconds and all.
	ends := time.Date(2999, 12, 31, 23, 59, 59, 999999999, time.UTC)
	e := p.Event(control.EventShow, ends)
	if _, err := e.JSON(); err != nil {
		k := "title"
		if !p.IsCard() {
			k = "name"
			if p.QR != "" {
				k = "qr"
			}
		}
		bad(key(k), "preset %q is too long for the buyers' product event: %s", p.Name, strings.TrimPrefix(err.Error(), "control: "))
	}
}

// PresetNames lists preset names, sorted, for messages.
func (c *Config) PresetNames() []string {
	n := make([]string, len(c.Presets))
	for i, p := range c.Presets {
		n[i] = p.Name
	}
	sort.Strings(n)
	return n
}

// quoted lists values as "a", "b", "c" for an error message.
func quoted(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}
