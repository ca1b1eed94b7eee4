package viewer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pitchbox/pitchbox/control"
)

func fakeVendor(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range VendorFiles {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("// "+f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestExport(t *testing.T) {
	out := filepath.Join(t.TempDir(), "site")
	cfg := Config{PlaybackURL: "https://x.playback.live-video.net/api/video/v1/c.m3u8",
		TokenURL: "https://tokens.shop.example/", ChatEndpoint: "wss://edge.ivschat.eu-west-1.amazonaws.com"}
	if err := Export(out, fakeVendor(t), cfg); err != nil {
		t.Fatal(err)
	}
	for _, f := range append([]string{"index.html", "viewer.js", "viewer.css", "config.json"}, VendorFiles...) {
		p := filepath.Join(out, f)
		if strings.HasPrefix(f, "amazon-") {
			p = filepath.Join(out, "vendor", f)
		}
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(out, "config.json"))
	var got Config
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	cfg.ProductEventUUID = control.ProductEventUUID
	if got != cfg {
		t.Errorf("config.json = %+v, want %+v", got, cfg)
	}
}

func TestExportNeedsTheVendoredPlayer(t *testing.T) {
	err := Export(t.TempDir(), t.TempDir(), Config{PlaybackURL: "https://p.example/c.m3u8"})
	if err == nil || !strings.Contains(err.Error(), VendorScript) {
		t.Fatalf("err = %v, want one naming %s", err, VendorScript)
	}
}

func TestConfigCheck(t *testing.T) {
	for _, c := range []Config{
		{},
		{PlaybackURL: "javascript:alert(1)"},
		{PlaybackURL: "https://p.example/c.m3u8", TokenURL: "https://t.example/"},
		{PlaybackURL: "https://p.example/c.m3u8", TokenURL: "https://t.example/", ChatEndpoint: "https://edge.example"},
	} {
		if err := c.Check(); err == nil {
			t.Errorf("%+v passed", c)
		}
	}
}

// The page's built-in UUID is control's.
func TestPageKnowsTheProductEventUUID(t *testing.T) {
	b, err := page.ReadFile("viewer.js")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"`+control.ProductEventUUID+`"`) {
		t.Errorf("viewer.js lacks %s", control.ProductEventUUID)
	}
}
