package config

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"math"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// finite reports whether v is a number (not NaN, not ±Inf).
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// checkDevice accepts a path under /dev that is a character device, or
// that does not exist yet (a camera plugged in later); links are followed
// and must stay under /dev.
func checkDevice(path string) error {
	if !strings.HasPrefix(path, "/dev/") || filepath.Clean(path) != path {
		return errors.New("is not a device path under /dev")
	}
	real, err := filepath.EvalSymlinks(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case !strings.HasPrefix(real, "/dev/"):
		return errors.New("leads outside /dev")
	}
	st, err := os.Stat(real)
	if err != nil {
		return err
	}
	if st.Mode()&fs.ModeCharDevice == 0 {
		return errors.New("is not a character device")
	}
	return nil
}

// checkFile reports a missing or unreadable file, or a folder.
func checkFile(path string) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errors.New("no such file")
	case err != nil:
		return err
	case st.IsDir():
		return errors.New("is a folder, not an image file")
	}
	return nil
}

func parseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		// The text may hold a key pasted by mistake: do not echo it.
		return nil, errors.New("is not a valid URL (expected e.g. rtmps://HOST:443/app/)")
	}
	return u, nil
}

// MaxPresetName is the longest preset name, in characters.
const MaxPresetName = 40

// maxPresetID is the longest id derived from a preset name, in
// characters.
const maxPresetID = 32

// checkPresetName says what is wrong with a preset name, "" for nothing:
// any text of 1 to MaxPresetName characters, in any script, with spaces
// inside but not at either end, and no control characters.
func checkPresetName(s string) string {
	switch n := utf8.RuneCountInString(s); {
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case n == 0:
		return "must be set"
	case n > MaxPresetName:
		return fmt.Sprintf("is %d characters long (allowed: 1 to %d)", n, MaxPresetName)
	case strings.TrimSpace(s) != s:
		return "begins or ends with a space (allowed: spaces between words only)"
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "holds a line break, tab or other control character (allowed: text on one line)"
	}
	return ""
}

// PresetID derives the id that names a preset in the API and in the
// panel's URLs from its name. A plain name (1 to 32 ASCII letters, digits,
// '-' and '_', as every name was before names became free text) is its
// own id, so older configs, scripts and buttons keep working. Any other
// name becomes a slug: its letters and digits, in any script and in lower
// case, with each run of anything else as one '-', at most 32 characters;
// a name with no letter or digit at all (say, only emoji) gets
// "preset-" and a hash of the name.
func PresetID(name string) string {
	if plainName(name) {
		return name
	}
	var b strings.Builder
	n, dash := 0, false
	for _, r := range strings.ToLower(name) {
		if n == maxPresetID {
			break
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) {
			if dash && n > 0 {
				if n >= maxPresetID-1 {
					break
				}
				b.WriteByte('-')
				n++
			}
			b.WriteRune(r)
			n, dash = n+1, false
			continue
		}
		dash = true
	}
	if n == 0 {
		h := fnv.New32a()
		h.Write([]byte(name))
		return fmt.Sprintf("preset-%08x", h.Sum32())
	}
	return b.String()
}

// plainName reports whether s is 1 to 32 ASCII letters, digits, '-' and
// '_'.
func plainName(s string) bool {
	if len(s) == 0 || len(s) > maxPresetID {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// checkPresetNameID reports a bad preset name under key, and a name whose
// id another preset has already (seen maps ids to names).
func checkPresetNameID(name, key string, seen map[string]string, bad func(string, string, ...any)) {
	if why := checkPresetName(name); why != "" {
		if name == "" {
			bad(key, "%s", why)
		} else {
			bad(key, "%q %s", name, why)
		}
		return
	}
	id := PresetID(name)
	switch other, ok := seen[id]; {
	case ok && other == name:
		bad(key, "%q is used by another preset", name)
	case ok:
		bad(key, "%q is too like %q: both get the id %q (rename one)", name, other, id)
	}
	seen[id] = name
}

// checkWHIPURL checks an http(s) output URL, which is a WHIP endpoint. It
// returns what is wrong, "" when nothing is. A playback URL (what viewers
// open) is named as such.
func checkWHIPURL(u *url.URL) string {
	host := strings.ToLower(u.Hostname())
	switch {
	case u.Host == "":
		return "has no host (expected a WHIP endpoint such as https://global.whip.live-video.net)"
	case strings.HasSuffix(strings.ToLower(u.Path), ".m3u8") || strings.Contains(host, ".playback.live-video.net"):
		return "is a playback URL (what viewers open); the box needs an ingest URL: rtmps://…:443/app/ for a channel, or https://global.whip.live-video.net for a stage"
	case u.Scheme == "http" && !loopbackHost(host):
		return "http:// is only allowed for a WHIP server on this machine (allowed: rtmps://HOST:443/app/ or rtmp:// for a channel, srt://, https:// for a WHIP endpoint)"
	case u.User != nil:
		return "must not hold a user or password; put the WHIP token in output.whip_token_file"
	}
	return ""
}

// loopbackHost reports whether host names this machine.
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Stage limits of WebRTC (WHIP) publishing: IVS real-time stages take
// up to 720p with an IDR every 1–2 s.
const (
	whipMaxLong  = 1280
	whipMaxShort = 720
)

// validateWHIP checks the settings that only matter, or only exist, for
// WHIP: the token, and a picture and keyframe interval inside the stage
// limits. A token file that cannot be read comes back as its own error.
func (c *Config) validateWHIP(bad func(string, string, ...any)) (es []*Error) {
	out := c.Output
	if out.WHIPToken != "" && out.WHIPTokenFile != "" {
		bad("output.whip_token", "set whip_token or whip_token_file, not both")
	}
	if out.Protocol() != ProtoWHIP {
		if out.WHIPToken != "" || out.WHIPTokenFile != "" {
			bad("output.whip_token", "is only used with a WHIP URL (https://…); output.url is %s", out.Protocol())
		}
		return nil
	}
	if out.StreamKey != "" || out.StreamKeyFile != "" {
		bad("output.stream_key", "is not used with WHIP; put the stage's participant token in output.whip_token_file")
	}
	if w, h := c.Camera.Width, c.Camera.Height; max(w, h) > whipMaxLong || min(w, h) > whipMaxShort {
		bad("camera.width", "%dx%d is too large for WHIP (allowed: up to %dx%d, either way round: the limit of IVS real-time stages)", w, h, whipMaxLong, whipMaxShort)
	}
	if c.Camera.FPS > 30 {
		bad("camera.fps", "%d is not allowed with WHIP (allowed: up to 30: WebRTC's constrained baseline level 3.1 stops at 720p30)", c.Camera.FPS)
	}
	if k := c.Encoder.KeyframeSeconds; k < 1 || k > 2 {
		bad("encoder.keyframe_seconds", "%d is not allowed with WHIP (allowed: 1 or 2: IVS real-time stages cut the stream otherwise)", k)
	}
	if out.WHIPTokenFile != "" {
		if _, err := out.Token(); err != nil {
			var e *Error
			if errors.As(err, &e) {
				es = append(es, e)
			}
		}
	}
	return es
}
