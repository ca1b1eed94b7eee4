package panel

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/panel/paneltest"
)

// FuzzPutConfig sends anything as the body of PUT /api/config, through the
// same reading, decoding, conversion to TOML, parsing and API guard as the
// handler: no panic, a bounded error, and nothing the guard refuses (a
// path outside the state directory, a moved state directory) accepted.
func FuzzPutConfig(f *testing.F) {
	c := config.Defaults()
	c.StateDir = "/var/lib/pitchbox"
	m, err := configMap(c)
	if err != nil {
		f.Fatal(err)
	}
	seed, _ := json.Marshal(m)
	f.Add(seed)
	f.Add([]byte(`{"control":{"socket":"/etc/shadow"},"output":{"url":"rtmp://x/app/","stream_key":"********"}}`))
	f.Add([]byte(`{"log":{"a":{"b":{"c":[[[[1]]]]}}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > 8<<10 {
			return // the limits themselves are tested elsewhere; long bodies only slow the search
		}
		r := httptest.NewRequest("PUT", "/api/config", bytes.NewReader(body))
		b, err := readBody(r)
		if err != nil {
			return
		}
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if dec.Decode(&m) != nil {
			return
		}
		old := c.Clone()
		next := c.Clone()
		if err := replaceConfig(next, m); err != nil {
			if len(bounded(err.Error())) > maxErrorLen+40 {
				t.Fatal("unbounded error")
			}
			return
		}
		if err := guardAPI(old, next); err != nil {
			return
		}
		if next.StateDir != old.StateDir || (next.Control.Socket != old.Control.Socket && next.Control.Socket != "" && !inside(old.StateDir, next.Control.Socket)) {
			t.Fatalf("the guard let through state_dir %q, socket %q", next.StateDir, next.Control.Socket)
		}
	})
}

// FuzzUpload sends anything as an uploaded image: no panic, and either a
// refusal with an HTTP status or a picture that decodes.
func FuzzUpload(f *testing.F) {
	f.Add(paneltest.ProductPNG(8, 8))
	f.Add(paneltest.PNGBomb(30000, 30000))
	f.Add(paneltest.PNG16(64, 64))
	f.Add([]byte("\xff\xd8\xff\xc2\x00\x11\x08\x10\x00\x10\x00\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, _, err := checkImage(data)
		var ue *UploadError
		switch {
		case err == nil && (cfg.Width <= 0 || cfg.Height <= 0):
			t.Fatalf("accepted a %dx%d image", cfg.Width, cfg.Height)
		case err != nil && (!errors.As(err, &ue) || ue.Code < http.StatusBadRequest):
			t.Fatalf("refused without a status: %v", err)
		}
	})
}
