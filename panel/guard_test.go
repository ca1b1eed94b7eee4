package panel_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/panel/auth"
)

// raw sends body as it is, with the session and the CSRF token.
func (r *rig) raw(method, path string, body []byte) (int, string) {
	r.t.Helper()
	req, _ := http.NewRequest(method, r.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(auth.CSRFHeader, r.csrf)
	resp, err := r.c.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// config is GET /api/config, decoded.
func (r *rig) config() map[string]any {
	r.t.Helper()
	_, body := r.do("GET", "/api/config", nil, true, "")
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		r.t.Fatalf("config %s: %v", body, err)
	}
	return m
}

// TestKeyStaysWithItsHost: a stored stream key is never sent to a server
// other than the one it was given for: pointing the destination (through
// its page or the raw config) at another host drops the key unless a new
// one comes with it; another path on the same server keeps it.
func TestKeyStaysWithItsHost(t *testing.T) {
	r := newRig(t)
	set := func(url, key string) {
		t.Helper()
		if code, body := r.do("PUT", "/api/destination", map[string]string{"url": url, "stream_key": key}, true, r.csrf); code != 200 {
			t.Fatalf("set destination %s: %d %s", url, code, body)
		}
		r.waitRunning()
	}
	key := func() string { k, _ := r.b.Config().Output.Key(); return k }
	set("rtmp://127.0.0.1:1/app/", testKey)
	set("rtmp://127.0.0.1:1/other/", "")
	if key() != testKey {
		t.Fatal("another path on the same server lost the key")
	}
	set("rtmp://attacker.example:1935/app/", "")
	if key() != "" {
		t.Fatal("the stored key would go to another host")
	}
	set("rtmp://127.0.0.1:1/app/", testKey)
	m := r.config()
	m["output"].(map[string]any)["url"] = "rtmps://attacker.example/app/"
	if code, body := r.do("PUT", "/api/config", m, true, r.csrf); code != 200 {
		t.Fatalf("put config: %d %s", code, body)
	}
	r.waitRunning()
	if key() != "" || r.b.Config().Output.URL != "rtmps://attacker.example/app/" {
		t.Fatal("PUT /api/config moved the stored key to another host")
	}
	set("rtmp://attacker.example/app/", "a-new-key")
	if key() != "a-new-key" {
		t.Fatal("a key given with the new host was not kept")
	}
}

// TestAPIPathsStayInStateDir: no path set through the API names a file
// outside the state directory; secret files cannot be pointed anywhere;
// the state directory itself cannot be moved.
func TestAPIPathsStayInStateDir(t *testing.T) {
	r := newRig(t)
	for _, tc := range []struct{ section, key, value string }{
		{"output", "stream_key_file", filepath.Join(r.state, "panel-auth.json")},
		{"output", "ca_file", "/etc/passwd"},
		{"output", "ca_file", filepath.Join(r.state, "..", "escape.pem")},
		{"control", "socket", "/etc/pitchbox/pitchbox.toml"},
		{"aws", "secret_access_key_file", filepath.Join(r.state, "panel-key.pem")},
		{"", "state_dir", "/etc"},
	} {
		m := r.config()
		if m["output"].(map[string]any)["url"] == "" {
			m["output"].(map[string]any)["url"] = "rtmp://127.0.0.1:1/app/"
		}
		if tc.section == "" {
			m[tc.key] = tc.value
		} else {
			sec, _ := m[tc.section].(map[string]any)
			if sec == nil {
				sec = map[string]any{}
				m[tc.section] = sec
			}
			sec[tc.key] = tc.value
		}
		code, body := r.do("PUT", "/api/config", m, true, r.csrf)
		name := strings.TrimPrefix(tc.section+"."+tc.key, ".")
		if code != 400 || !strings.Contains(body, name) {
			t.Errorf("%s = %q: %d %s", name, tc.value, code, body)
		}
	}
	// Inside the state directory is fine for a socket.
	m := r.config()
	m["control"].(map[string]any)["socket"] = filepath.Join(r.state, "panel.sock")
	if code, body := r.do("PUT", "/api/config", m, true, r.csrf); code != 200 {
		t.Errorf("socket in the state dir: %d %s", code, body)
	}
	r.waitRunning()
	// A preset cannot show a file that was not uploaded.
	code, body := r.do("POST", "/api/presets", map[string]any{"name": "x", "kind": "image", "image": "../../../etc/passwd", "size": 0.3}, true, r.csrf)
	if code != 400 {
		t.Errorf("preset image outside the uploads: %d %s", code, body)
	}
}

// TestDeepJSONIsRefusedCheaply: a body nested 10000 deep (about 20 KB) is
// refused before decoding, fast, with a short message and little memory.
func TestDeepJSONIsRefusedCheaply(t *testing.T) {
	r := newRig(t)
	body := []byte(`{"log":` + strings.Repeat(`{"a":`, 10000) + `1` + strings.Repeat(`}`, 10001))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	code, msg := r.raw("PUT", "/api/config", body)
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	if code != 400 || !strings.Contains(msg, "nests") || len(msg) > 500 {
		t.Fatalf("deep body: %d %q", code, msg)
	}
	if took > 50*time.Millisecond {
		t.Errorf("refusing took %v", took)
	}
	if extra := after.TotalAlloc - before.TotalAlloc; extra > 5<<20 {
		t.Errorf("refusing allocated %d KiB", extra>>10)
	}
	// An unknown key nested a few deep is one error, not one per level.
	m := r.config()
	m["bogus"] = map[string]any{"x": map[string]any{"y": map[string]any{"z": 1}}}
	code, msg = r.do("PUT", "/api/config", m, true, r.csrf)
	if code != 400 || strings.Count(msg, "unknown key") != 1 {
		t.Errorf("nested unknown key: %d %s", code, msg)
	}
}

// TestSaveFailureIsServerError: a valid change that cannot be written
// (here the config file's place is taken by a folder, as a failing disk
// would refuse it) is the box's fault: 500 with a plain message, and
// nothing changes.
func TestSaveFailureIsServerError(t *testing.T) {
	r := newRig(t)
	before := len(r.b.Presets())
	cfgPath := filepath.Join(r.state, "pitchbox.toml")
	os.Remove(cfgPath)
	if err := os.MkdirAll(filepath.Join(cfgPath, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	code, body := r.do("POST", "/api/presets", map[string]any{"name": "sale", "kind": "qr", "qr": "https://x", "size": 0.3}, true, r.csrf)
	if code != 500 || !strings.Contains(body, "could not be saved") {
		t.Fatalf("save on a failing disk: %d %s", code, body)
	}
	if got := r.b.Presets(); len(got) != before {
		t.Fatalf("presets %v after a failed save", got)
	}
}
