package panel_test

import (
	"bytes"
	"encoding/json"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pitchbox/pitchbox/panel"
)

// TestKeyPastedIntoURL: a stream key pasted at the end of the ingest URL
// is split off: the URL keeps rtmps://HOST:443/app/, the key goes to the
// panel's key file (0600), the answer says so, and the key is in no
// response, page, config or log line after.
func TestKeyPastedIntoURL(t *testing.T) {
	r := newRig(t)
	const host = "rtmps://a1b2c3.global-contribute.live-video.net:443/app/"
	code, body := r.do("PUT", "/api/destination", map[string]string{"url": host + testKey, "stream_key": ""}, true, r.csrf)
	if code != 200 || !strings.Contains(body, panel.NoticeKeyInURL) {
		t.Fatalf("put destination: %d %s", code, body)
	}
	r.waitRunning()
	c := r.b.Config()
	if c.Output.URL != host || c.Output.StreamKey != "" {
		t.Fatalf("url %q, inline key set %v", c.Output.URL, c.Output.StreamKey != "")
	}
	b, err := os.ReadFile(c.Output.StreamKeyFile)
	st, _ := os.Stat(c.Output.StreamKeyFile)
	if err != nil || strings.TrimSpace(string(b)) != testKey || st.Mode().Perm() != 0o600 || filepath.Dir(c.Output.StreamKeyFile) != r.state {
		t.Fatalf("key file %s: %v, mode %v", c.Output.StreamKeyFile, err, st.Mode())
	}
	// A new key goes to the other key file; the first is removed.
	first := c.Output.StreamKeyFile
	if code, body := r.do("PUT", "/api/destination", map[string]string{"url": host, "stream_key": testKey + "2"}, true, r.csrf); code != 200 || strings.Contains(body, "notice") {
		t.Fatalf("second key: %d %s", code, body)
	}
	r.waitRunning()
	if k, _ := r.b.Config().Output.Key(); k != testKey+"2" || r.b.Config().Output.StreamKeyFile == first {
		t.Fatal("a new key was not applied from the other key file")
	}
	if _, err := os.Stat(first); !os.IsNotExist(err) {
		t.Errorf("the replaced key file is still there: %v", err)
	}
	// A playback URL is refused, naming it, and changes nothing.
	code, body = r.do("PUT", "/api/destination", map[string]string{"url": "https://a1b2c3.us-west-2.playback.live-video.net/api/video/v1/x.m3u8"}, true, r.csrf)
	if code != 400 || !strings.Contains(body, "playback URL") || r.b.Config().Output.URL != host {
		t.Errorf("playback URL: %d %s", code, body)
	}
	for _, p := range []string{"/api/status", "/api/destination", "/api/config", "/api/system", "/destination", "/live", "/system"} {
		r.do("GET", p, nil, true, "")
	}
	toml, _ := os.ReadFile(filepath.Join(r.state, "pitchbox.toml"))
	r.bodyMu.Lock()
	seen := r.bodies.String()
	r.bodyMu.Unlock()
	for where, text := range map[string]string{"a response": seen, "the log": r.log.String(), "the config file": string(toml),
		"the status": mustJSON(t, r.b.Status())} {
		if strings.Contains(text, "TESTSTREAMKEY") {
			t.Errorf("the stream key is in %s", where)
		}
	}
}

// TestFreeTextPresetNames: a preset named in free text gets an id for
// the URLs; it is shown, edited, given a thumbnail and deleted by that id
// (or its name), and listed with its name as the label.
func TestFreeTextPresetNames(t *testing.T) {
	r := newRig(t)
	const name = "Blue mug — €12"
	if code, body := r.do("POST", "/api/presets", map[string]any{"name": name, "kind": "qr", "qr": "https://shop.example/mug", "size": 0.3}, true, r.csrf); code != 200 {
		t.Fatalf("create: %d %s", code, body)
	}
	_, body := r.do("GET", "/api/presets", nil, true, "")
	var ps []panel.PresetView
	if err := json.Unmarshal([]byte(body), &ps); err != nil || len(ps) != 1 || ps[0].Name != name || ps[0].ID != "blue-mug-12" {
		t.Fatalf("presets %s (%v)", body, err)
	}
	if code, body := r.do("POST", "/api/presets/blue-mug-12/show", nil, true, r.csrf); code != 200 || r.b.Scene() != name {
		t.Fatalf("show by id: %d %s, scene %q", code, body, r.b.Scene())
	}
	if code, _ := r.do("POST", "/api/presets/"+url.PathEscape(name)+"/show", nil, true, r.csrf); code != 200 {
		t.Errorf("show by name: %d", code)
	}
	code, thumb := r.do("GET", "/api/presets/blue-mug-12/thumb", nil, true, "")
	img, err := png.Decode(bytes.NewReader([]byte(thumb)))
	if code != 200 || err != nil || img.Bounds().Dy() < 100 || img.Bounds().Dy() > 160 {
		t.Fatalf("thumbnail: %d %v", code, err)
	}
	if code, _ := r.do("GET", "/api/presets/nope/thumb", nil, true, ""); code != 404 {
		t.Errorf("thumbnail of no preset: %d", code)
	}
	if code, body := r.do("POST", "/api/presets", map[string]any{"name": "blue mug 12", "kind": "qr", "qr": "x"}, true, r.csrf); code != 400 || !strings.Contains(body, "blue-mug-12") {
		t.Errorf("a name with the same id: %d %s", code, body)
	}
	if code, body := r.do("PUT", "/api/presets/blue-mug-12", map[string]any{"name": "Кружка", "kind": "qr", "qr": "x", "size": 0.3}, true, r.csrf); code != 200 {
		t.Fatalf("rename: %d %s", code, body)
	}
	if code, _ := r.do("DELETE", "/api/presets/"+url.PathEscape("кружка"), nil, true, r.csrf); code != 200 || len(r.b.Config().Presets) != 0 {
		t.Fatalf("delete by id: %d", code)
	}
}

// mustJSON is v as JSON.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
