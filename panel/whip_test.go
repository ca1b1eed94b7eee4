package panel_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pitchbox/pitchbox/panel"
)

// TestWHIPDestination: a WHIP URL pasted on the Destination page takes
// the key field as its bearer token, which no view shows again and which
// a panel session cannot point at a file of its choosing. An SRT URL's
// passphrase stays hidden in the config view too.
func TestWHIPDestination(t *testing.T) {
	r := newRig(t)
	const tok = "eyJwhip.participant.SECRET"
	if code, body := r.do("PUT", "/api/destination", map[string]string{"url": "https://global.whip.live-video.net", "stream_key": tok}, true, r.csrf); code != 200 {
		t.Fatalf("set WHIP: %d %s", code, body)
	}
	c := r.b.Config()
	if got, _ := c.Output.Token(); got != tok || c.Output.StreamKey != "" || c.Output.StreamKeyFile != "" {
		t.Fatalf("token %q, stream key %q/%q", got, c.Output.StreamKey, c.Output.StreamKeyFile)
	}
	_, dest := r.do("GET", "/api/destination", nil, true, "")
	_, cfg := r.do("GET", "/api/config", nil, true, "")
	for name, body := range map[string]string{"destination": dest, "config": cfg} {
		if strings.Contains(body, "SECRET") {
			t.Errorf("%s view shows the WHIP token: %s", name, body)
		}
	}
	if !strings.Contains(dest, `"stream_key_set": true`) {
		t.Errorf("destination view does not say a token is set: %s", dest)
	}
	// The masked config sent back keeps the token; a token file outside
	// the panel's own is refused.
	var m map[string]any
	json.Unmarshal([]byte(cfg), &m)
	if code, body := r.do("PUT", "/api/config", m, true, r.csrf); code != 200 {
		t.Fatalf("put config back: %d %s", code, body)
	}
	if got, _ := r.b.Config().Output.Token(); got != tok {
		t.Fatal("PUT of the masked config lost the WHIP token")
	}
	m["output"].(map[string]any)["whip_token"] = ""
	m["output"].(map[string]any)["whip_token_file"] = "/etc/passwd"
	if code, body := r.do("PUT", "/api/config", m, true, r.csrf); code != 400 || !strings.Contains(body, "whip_token_file") {
		t.Errorf("a token file of the session's choosing: %d %s", code, body)
	}
	// Another server without a new token drops the old one.
	if code, body := r.do("PUT", "/api/destination", map[string]string{"url": "https://whip.other.example/", "stream_key": panel.Mask}, true, r.csrf); code != 200 {
		t.Fatalf("other WHIP server: %d %s", code, body)
	}
	if got, _ := r.b.Config().Output.Token(); got != "" {
		t.Error("the token followed the URL to another server")
	}
	// A WHIP URL's query may hold a key: masked, and kept when sent back.
	const keyed = "https://whip.other.example/pub?k=SECRETQUERY"
	if code, body := r.do("PUT", "/api/destination", map[string]string{"url": keyed, "stream_key": tok}, true, r.csrf); code != 200 {
		t.Fatalf("set a WHIP URL with a query: %d %s", code, body)
	}
	_, dest = r.do("GET", "/api/destination", nil, true, "")
	_, cfg = r.do("GET", "/api/config", nil, true, "")
	if strings.Contains(dest+cfg, "SECRETQUERY") {
		t.Errorf("a view shows the WHIP URL's query: %s %s", dest, cfg)
	}
	json.Unmarshal([]byte(cfg), &m)
	if code, body := r.do("PUT", "/api/config", m, true, r.csrf); code != 200 || r.b.Config().Output.URL != keyed {
		t.Fatalf("the masked WHIP URL sent back: %d %s; url now %q", code, body, r.b.Config().Output.URL)
	}
	// SRT: passphrase and stream id masked in the config view, kept when
	// the masked URL comes back.
	const srtURL = "srt://127.0.0.1:9000?streamid=sk_HIDDEN&passphrase=hiddenPASS0123"
	if code, body := r.do("PUT", "/api/destination", map[string]string{"url": srtURL}, true, r.csrf); code != 200 {
		t.Fatalf("set SRT: %d %s", code, body)
	}
	_, cfg = r.do("GET", "/api/config", nil, true, "")
	if strings.Contains(cfg, "HIDDEN") || strings.Contains(cfg, "hiddenPASS") {
		t.Errorf("config view shows SRT secrets: %s", cfg)
	}
	json.Unmarshal([]byte(cfg), &m)
	if code, body := r.do("PUT", "/api/config", m, true, r.csrf); code != 200 {
		t.Fatalf("put config back: %d %s", code, body)
	}
	if u := r.b.Config().Output.URL; u != srtURL {
		t.Errorf("the masked SRT URL sent back changed it to %q", u)
	}
}
