// Package viewer is the buyers' reference page: a static, phone-first page
// (index.html, viewer.js, viewer.css) with the Amazon IVS Player playing
// the channel, the buy card driven by the product events in the video
// (SEI) and in IVS timed metadata, and the IVS Chat room. Export writes it,
// the player files that scripts/ivs-player.sh vendors into viewer/vendor,
// and its config.json into a folder for any static host.
package viewer

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"github.com/pitchbox/pitchbox/control"
)

//go:embed index.html viewer.js viewer.css
var page embed.FS

// VendorScript fetches the player files into VendorDir.
const VendorScript = "scripts/ivs-player.sh"

// VendorDir is where VendorScript puts the player files, from the
// repository's root.
const VendorDir = "viewer/vendor"

// VendorFiles are the player files the page loads from vendor/.
var VendorFiles = []string{"amazon-ivs-player.js", "amazon-ivs-wasmworker.min.js", "amazon-ivs-wasmworker.min.wasm"}

// Config is the page's config.json.
type Config struct {
	// PlaybackURL is the channel's HLS playback URL (IVS GetChannel).
	PlaybackURL string `json:"playbackUrl"`
	// TokenURL is the buyers' chat-token vendor ("" for no chat).
	TokenURL string `json:"tokenUrl,omitempty"`
	// ChatEndpoint is the IVS Chat messaging WebSocket URL.
	ChatEndpoint string `json:"chatEndpoint,omitempty"`
	// ProductEventUUID tells pitchbox's SEI from others.
	ProductEventUUID string `json:"productEventUuid"`
	// Title is the page's heading ("" for "Live shop").
	Title string `json:"title,omitempty"`
}

// Check returns an error naming what is wrong with c.
func (c Config) Check() error {
	if err := checkURL("playback URL", c.PlaybackURL, "https", "http"); err != nil {
		return err
	}
	if (c.TokenURL == "") != (c.ChatEndpoint == "") {
		return errors.New("viewer: the chat needs both a token URL and a chat endpoint (or neither)")
	}
	if c.TokenURL != "" {
		if err := checkURL("token URL", c.TokenURL, "https", "http"); err != nil {
			return err
		}
		if err := checkURL("chat endpoint", c.ChatEndpoint, "wss", "ws"); err != nil {
			return err
		}
	}
	return nil
}

func checkURL(what, s string, schemes ...string) error {
	u, err := url.Parse(s)
	if s == "" || err != nil || u.Host == "" {
		return fmt.Errorf("viewer: the %s %q is not an absolute URL", what, s)
	}
	for _, sc := range schemes {
		if u.Scheme == sc {
			return nil
		}
	}
	return fmt.Errorf("viewer: the %s %q is not %s://", what, s, schemes[0])
}

// Export writes the page, the player files from vendorDir (into vendor/)
// and cfg (as config.json) into out, creating it.
func Export(out, vendorDir string, cfg Config) error {
	if cfg.ProductEventUUID == "" {
		cfg.ProductEventUUID = control.ProductEventUUID
	}
	if err := cfg.Check(); err != nil {
		return err
	}
	for _, f := range VendorFiles {
		if _, err := os.Stat(filepath.Join(vendorDir, f)); err != nil {
			return fmt.Errorf("viewer: the player file %s is missing from %s: run %s (it fetches the pinned amazon-ivs-player with npm) from the repository's root", f, vendorDir, VendorScript)
		}
	}
	if err := os.MkdirAll(filepath.Join(out, "vendor"), 0o755); err != nil {
		return err
	}
	err := fs.WalkDir(page, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := page.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(out, p), b, 0o644)
	})
	if err != nil {
		return err
	}
	for _, f := range VendorFiles {
		b, err := os.ReadFile(filepath.Join(vendorDir, f))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, "vendor", f), b, 0o644); err != nil {
			return err
		}
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "config.json"), append(b, '\n'), 0o644)
}
