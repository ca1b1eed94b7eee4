package cli

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pitchbox/pitchbox/ivs/ivstest"
	"github.com/pitchbox/pitchbox/viewer"
)

// TestViewerExport writes the buyers' page with the playback URL from the
// fake IVS API's GetChannel and the chat endpoint from [chat] room_arn.
func TestViewerExport(t *testing.T) {
	api := ivstest.New("AKIDTEST", "arn:aws:ivs:eu-west-1:123456789012:channel/abc", "x", "sk")
	defer api.Close()
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte("very-secret\n"), 0o600)
	cfg := filepath.Join(dir, "pitchbox.toml")
	os.WriteFile(cfg, []byte("state_dir = \""+dir+"\"\n[aws]\naccess_key_id = \"AKIDTEST\"\nsecret_access_key_file = \""+secret+
		"\"\nendpoint = \""+api.URL+"\"\nchannel_arn = \""+api.ChannelARN+"\"\n[chat]\nroom_arn = \""+api.RoomARN+"\"\n"), 0o600)
	vendor := filepath.Join(dir, "vendor")
	os.MkdirAll(vendor, 0o755)
	for _, f := range viewer.VendorFiles {
		os.WriteFile(filepath.Join(vendor, f), []byte("x"), 0o644)
	}
	out := filepath.Join(dir, "site")
	var stdout strings.Builder
	err := cmdViewer([]string{"export", "--out", out, "--config", cfg, "--vendor", vendor, "--token-url", "https://tokens.shop.example/"}, &stdout)
	if err != nil {
		t.Fatal(err)
	}
	var got viewer.Config
	b, _ := os.ReadFile(filepath.Join(out, "config.json"))
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.PlaybackURL != "https://example.invalid/p.m3u8" || got.ChatEndpoint != "wss://edge.ivschat.eu-west-1.amazonaws.com" ||
		got.TokenURL != "https://tokens.shop.example/" {
		t.Errorf("config.json: %+v", got)
	}
	if _, err := os.Stat(filepath.Join(out, "vendor", viewer.VendorFiles[0])); err != nil {
		t.Error(err)
	}
	if s := stdout.String(); strings.Contains(s, "very-secret") || !strings.Contains(s, out) {
		t.Errorf("stdout: %q", s)
	}
}

func TestViewerExportErrors(t *testing.T) {
	dir := t.TempDir()
	var ue *usageError
	if err := cmdViewer([]string{"export", "--out", dir}, &strings.Builder{}); !errors.As(err, &ue) || !strings.Contains(err.Error(), "--playback-url") {
		t.Errorf("no playback URL: %v", err)
	}
	err := cmdViewer([]string{"export", "--out", dir, "--playback-url", "https://p.example/c.m3u8", "--vendor", filepath.Join(dir, "none")}, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), viewer.VendorScript) {
		t.Errorf("no vendored player: %v", err)
	}
	err = cmdViewer([]string{"export", "--out", dir, "--playback-url", "https://p.example/c.m3u8", "--token-url", "https://t.example/"}, &strings.Builder{})
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--chat-endpoint") {
		t.Errorf("a token URL without a chat endpoint: %v", err)
	}
	if err := cmdViewer([]string{"serve"}, &strings.Builder{}); !errors.As(err, &ue) {
		t.Errorf("viewer serve: %v", err)
	}
}
