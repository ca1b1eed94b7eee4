package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOutputWHIP(t *testing.T) {
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("eyJ.participant.token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Parse("t.toml", []byte("[output]\nurl = \"https://global.whip.live-video.net\"\nwhip_token_file = \""+tok+"\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Output.Protocol() != ProtoWHIP {
		t.Fatalf("protocol %v, want WHIP", c.Output.Protocol())
	}
	if got, err := c.Output.Token(); err != nil || got != "eyJ.participant.token" {
		t.Fatalf("token %q, %v", got, err)
	}
	if _, err := Parse("t.toml", []byte("[output]\nurl = \"http://127.0.0.1:8889/whip\"\n")); err != nil {
		t.Fatalf("loopback http: %v", err)
	}
	for cfg, want := range map[string]string{
		"[output]\nurl = \"http://ingest.example/whip\"\n":                                                "only allowed for a WHIP server on this machine",
		"[output]\nurl = \"https://abc.us-west-2.playback.live-video.net/api/video/v1/x.m3u8\"\n":         "playback URL",
		"[output]\nurl = \"https://global.whip.live-video.net\"\nstream_key = \"sk_secret\"\n":            "not used with WHIP",
		"[output]\nurl = \"rtmps://x.global-contribute.live-video.net:443/app/\"\nwhip_token = \"t0k\"\n": "only used with a WHIP URL",
		"[output]\nurl = \"https://global.whip.live-video.net\"\n[camera]\nwidth = 1920\nheight = 1080\n": "too large for WHIP",
		"[output]\nurl = \"https://global.whip.live-video.net\"\n[encoder]\nkeyframe_seconds = 4\n":       "allowed: 1 or 2",
		"[output]\nurl = \"https://global.whip.live-video.net\"\n[camera]\nfps = 60\n":                    "up to 30",
		"[output]\nurl = \"https://user:pw@whip.example/\"\n":                                             "must not hold a user",
	} {
		_, err := Parse("t.toml", []byte(cfg))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", cfg, err, want)
		}
		if err != nil && (strings.Contains(err.Error(), "sk_secret") || strings.Contains(err.Error(), "t0k") || strings.Contains(err.Error(), ":pw")) {
			t.Errorf("%q: error shows a secret: %v", cfg, err)
		}
	}
	// Portrait 720x1280 is inside the stage limit.
	if _, err := Parse("t.toml", []byte("[output]\nurl = \"https://global.whip.live-video.net\"\n[camera]\nwidth = 720\nheight = 1280\n")); err != nil {
		t.Fatalf("portrait 720p: %v", err)
	}
}
