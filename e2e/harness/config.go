package harness

import (
	"fmt"
	"os"
	"strings"
)

// Preset is one [[preset]] of a test config.
type Preset struct {
	Name, QR, Image, Position string
	Size                      float64
}

// Config is the pitchbox configuration the tests and benchmarks use: the
// test pattern at 30 fps, x264 ultrafast, an RTMP(S) output.
type Config struct {
	StateDir      string
	Width, Height int
	BitrateKbps   int
	URL, Key      string
	// WHIPToken is output.whip_token (a WHIP URL's bearer token).
	WHIPToken string
	CAFile    string
	Socket    string
	LogLevel  string
	Presets   []Preset
	// CameraDevice defaults to "testpattern"; AudioDevice to "none".
	CameraDevice string
	AudioDevice  string
	AudioMute    bool
	// AudioRate and AudioChannels set [audio] rate and channels (0: the
	// box's defaults).
	AudioRate, AudioChannels int
	// ChatTokenURL and ChatEndpoint connect a chat room.
	ChatTokenURL, ChatEndpoint string
	// PanelListen is the web panel's address ("off" when empty).
	PanelListen string
	// PanelHTTPS serves the panel over TLS.
	PanelHTTPS bool
	// DefaultStart leaves [output] autostart out, as a seller's box has
	// it: the box goes on air only when told to. Unset, the tests' boxes
	// start live.
	DefaultStart bool
	// AWS is an [aws] section (region, keys, endpoint, channel ARN),
	// written when AWS.ChannelARN is set.
	AWS AWS
}

// AWS is the [aws] section of a test config; the secret is in a 0600
// file, as the box wants it.
type AWS struct {
	Region, AccessKeyID, SecretFile, Endpoint, ChannelARN string
}

// Write writes c as TOML to path (mode 0600: it holds the key).
func (c Config) Write(path string) error {
	var b strings.Builder
	cam, mic := c.CameraDevice, c.AudioDevice
	if cam == "" {
		cam = "testpattern"
	}
	if mic == "" {
		mic = "none"
	}
	fmt.Fprintf(&b, "state_dir = %q\n\n[camera]\ndevice = %q\nwidth = %d\nheight = %d\nfps = 30\n\n", c.StateDir, cam, c.Width, c.Height)
	fmt.Fprintf(&b, "[audio]\ndevice = %q\nmute = %v\n", mic, c.AudioMute)
	if c.AudioRate != 0 {
		fmt.Fprintf(&b, "rate = %d\n", c.AudioRate)
	}
	if c.AudioChannels != 0 {
		fmt.Fprintf(&b, "channels = %d\n", c.AudioChannels)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "[encoder]\nbackend = \"x264\"\npreset = \"ultrafast\"\nbitrate_kbps = %d\nkeyframe_seconds = 2\n\n", c.BitrateKbps)
	fmt.Fprintf(&b, "[output]\nurl = %q\nstream_key = %q\n", c.URL, c.Key)
	if !c.DefaultStart {
		b.WriteString("autostart = true\n")
	}
	if c.CAFile != "" {
		fmt.Fprintf(&b, "ca_file = %q\n", c.CAFile)
	}
	if c.WHIPToken != "" {
		fmt.Fprintf(&b, "whip_token = %q\n", c.WHIPToken)
	}
	fmt.Fprintf(&b, "\n[control]\nsocket = %q\n", c.Socket)
	listen := c.PanelListen
	if listen == "" {
		listen = "off"
	}
	fmt.Fprintf(&b, "\n[panel]\nlisten = %q\nhttps = %v\n", listen, c.PanelHTTPS)
	if c.ChatTokenURL != "" {
		fmt.Fprintf(&b, "\n[chat]\ntoken_url = %q\nendpoint = %q\n", c.ChatTokenURL, c.ChatEndpoint)
	}
	if a := c.AWS; a.ChannelARN != "" {
		fmt.Fprintf(&b, "\n[aws]\nregion = %q\naccess_key_id = %q\nsecret_access_key_file = %q\nendpoint = %q\nchannel_arn = %q\n",
			a.Region, a.AccessKeyID, a.SecretFile, a.Endpoint, a.ChannelARN)
	}
	if c.LogLevel != "" {
		fmt.Fprintf(&b, "\n[log]\nlevel = %q\n", c.LogLevel)
	}
	for _, p := range c.Presets {
		fmt.Fprintf(&b, "\n[[preset]]\nname = %q\n", p.Name)
		if p.QR != "" {
			fmt.Fprintf(&b, "qr = %q\n", p.QR)
		} else {
			fmt.Fprintf(&b, "image = %q\n", p.Image)
		}
		fmt.Fprintf(&b, "position = %q\nsize = %g\n", p.Position, p.Size)
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}
