package panel_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image/jpeg"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/box"
	"github.com/pitchbox/pitchbox/box/boxtest"
	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/internal/logring"
	"github.com/pitchbox/pitchbox/internal/syncbuf"
	"github.com/pitchbox/pitchbox/internal/wait"
	"github.com/pitchbox/pitchbox/ivs/ivstest"
	"github.com/pitchbox/pitchbox/panel"
	"github.com/pitchbox/pitchbox/panel/auth"
	"github.com/pitchbox/pitchbox/panel/paneltest"
)

const (
	testKey    = "sk_us-west-2_TESTSTREAMKEYsecret"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYTESTSECRET"
	channelARN = "arn:aws:ivs:us-west-2:123456789012:channel/abcdEFGH"
)

type rig struct {
	t      *testing.T
	srv    *httptest.Server
	c      *http.Client
	csrf   string
	state  string
	log    *syncbuf.Buffer
	bodyMu sync.Mutex
	bodies bytes.Buffer // every response body seen, under bodyMu
	b      *box.Box
}

// newRig runs a real box (test pattern, x264, local recording) behind the
// web panel.
func newRig(t *testing.T, opts ...box.Option) *rig {
	t.Helper()
	c := boxtest.Config(t)
	dir := c.StateDir
	c.StateDir = filepath.Join(dir, "state")
	c.Control.Socket = filepath.Join(dir, "control.sock")
	c.Panel.Listen = "off"
	if err := c.PrepareStateDir(); err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, state: c.StateDir, log: &syncbuf.Buffer{}}
	ring := logring.New(200)
	log := slog.New(slog.NewTextHandler(io.MultiWriter(r.log, ring), nil))
	opts = append([]box.Option{box.WithConfigFile(filepath.Join(c.StateDir, "pitchbox.toml")), box.WithLogs(ring)}, opts...)
	r.b, _ = boxtest.Run(t, c, log, opts...)
	au, err := auth.Open(filepath.Join(c.StateDir, "panel-auth.json"))
	if err != nil {
		t.Fatal(err)
	}
	web := &panel.Web{API: panel.NewAPI(r.b, "panel"), Auth: au, Log: log, Version: "test"}
	r.srv = httptest.NewServer(web.Handler())
	t.Cleanup(r.srv.Close)
	jar, _ := cookiejar.New(nil)
	r.c = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// Pair with the code the box logged.
	if code, want := r.pair(au.PairingCode(), "correct horse"), 200; code != want {
		t.Fatalf("pair: %d", code)
	}
	r.csrf = r.csrfFromPage()
	return r
}

// waitRunning waits for the pipeline to run after a settings change.
func (r *rig) waitRunning() {
	wait.For(r.t, 10*time.Second, "the pipeline to run", func() bool { return !r.b.Status().Applying })
}

// seen keeps a response body for the secrets check.
func (r *rig) seen(b []byte) {
	r.bodyMu.Lock()
	r.bodies.Write(b)
	r.bodyMu.Unlock()
}

func (r *rig) pair(code, pw string) int {
	st, _ := r.do("POST", "/api/auth/pair", map[string]string{"code": code, "password": pw}, true, "")
	return st
}

func (r *rig) csrfFromPage() string {
	_, body := r.do("GET", "/live", nil, true, "")
	m := regexp.MustCompile(`name="csrf" content="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		r.t.Fatalf("no CSRF token in the live page:\n%s", body)
	}
	return m[1]
}

// do sends a request; body may be nil, a []byte with contentType, or a
// value sent as JSON.
func (r *rig) do(method, path string, body any, withCookie bool, csrf string) (int, string) {
	r.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case *multipart.Writer:
		r.t.Fatal("use upload")
	default:
		j, _ := json.Marshal(b)
		rd, ct = bytes.NewReader(j), "application/json"
	}
	req, _ := http.NewRequest(method, r.srv.URL+path, rd)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if csrf != "" {
		req.Header.Set(auth.CSRFHeader, csrf)
	}
	c := r.c
	if !withCookie {
		c = &http.Client{CheckRedirect: r.c.CheckRedirect}
	}
	resp, err := c.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r.seen(b)
	return resp.StatusCode, string(b)
}

func (r *rig) upload(name string, data []byte) (int, string) {
	r.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{`form-data; name="file"; filename="` + name + `"`}
	h["Content-Type"] = []string{"application/octet-stream"}
	w, _ := mw.CreatePart(h)
	w.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", r.srv.URL+"/api/images", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set(auth.CSRFHeader, r.csrf)
	resp, err := r.c.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	r.seen(body)
	return resp.StatusCode, string(body)
}

// orangePixels counts the product image's orange in the outgoing picture.
func (r *rig) orangePixels() int {
	r.t.Helper()
	jpg, err := r.b.Snapshot(context.Background(), 95)
	if err != nil {
		r.t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(jpg))
	if err != nil {
		r.t.Fatal(err)
	}
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if cr>>8 > 200 && cg>>8 > 100 && cg>>8 < 180 && cb>>8 < 70 {
				n++
			}
		}
	}
	return n
}

// mutating lists every state-changing endpoint of the panel.
var mutating = []struct{ method, path string }{
	{"POST", "/api/presets/buy/show"},
	{"POST", "/api/clear"},
	{"POST", "/api/live/start"},
	{"POST", "/api/live/stop"},
	{"PUT", "/api/config"},
	{"POST", "/api/presets"},
	{"PUT", "/api/presets"},
	{"PUT", "/api/presets/buy"},
	{"DELETE", "/api/presets/buy"},
	{"POST", "/api/presets/preview"},
	{"POST", "/api/images"},
	{"PUT", "/api/destination"},
	{"POST", "/api/destination/discover"},
	{"POST", "/api/destination/test"},
	{"PUT", "/api/camera"},
	{"PUT", "/api/camera/controls/9963776"},
	{"POST", "/api/system/restart"},
	{"POST", "/api/chat/messages"},
	{"DELETE", "/api/chat/messages/abc"},
	{"POST", "/api/chat/users/u1/disconnect"},
	{"POST", "/api/auth/logout"},
	{"POST", "/api/auth/password"},
	{"POST", "/api/auth/logout-all"},
}

func TestMutatingEndpointsNeedSessionAndCSRF(t *testing.T) {
	r := newRig(t)
	before, _ := os.ReadFile(filepath.Join(r.state, "pitchbox.toml"))
	for _, m := range mutating {
		if code, body := r.do(m.method, m.path, map[string]string{}, false, r.csrf); code != http.StatusUnauthorized {
			t.Errorf("%s %s without a session: %d %s, want 401", m.method, m.path, code, body)
		}
		if code, body := r.do(m.method, m.path, map[string]string{}, true, ""); code != http.StatusForbidden {
			t.Errorf("%s %s without the CSRF token: %d %s, want 403", m.method, m.path, code, body)
		}
		if code, _ := r.do(m.method, m.path, map[string]string{}, true, "forged"); code != http.StatusForbidden {
			t.Errorf("%s %s with a wrong CSRF token: %d, want 403", m.method, m.path, code)
		}
	}
	after, _ := os.ReadFile(filepath.Join(r.state, "pitchbox.toml"))
	if !bytes.Equal(before, after) {
		t.Error("refused requests changed the saved settings")
	}
	// Reading needs a session too.
	for _, p := range []string{"/api/status", "/api/config", "/api/preview.jpg", "/api/destination", "/api/system"} {
		if code, _ := r.do("GET", p, nil, false, ""); code != http.StatusUnauthorized {
			t.Errorf("GET %s without a session: %d", p, code)
		}
	}
	// Pages send a browser without a session to the login page.
	if code, _ := r.do("GET", "/presets", nil, false, ""); code != http.StatusSeeOther {
		t.Errorf("page without a session: %d", code)
	}
	// With both, it works.
	if code, body := r.do("POST", "/api/clear", nil, true, r.csrf); code != 200 {
		t.Errorf("clear with session and token: %d %s", code, body)
	}
}

func TestUploadsAndPresets(t *testing.T) {
	r := newRig(t)
	images := filepath.Join(r.state, "images")
	refused := []struct {
		name string
		data []byte
		code int
		msg  string
	}{
		{"notes.png", []byte("this is not an image, just text pretending"), 415, "not a PNG or JPEG"},
		{"bomb.png", paneltest.PNGBomb(30000, 30000), 413, "30000×30000"},
		{"huge.png", paneltest.Large(50 << 20), 413, "larger than 10 MB"},
		{"../../etc/evil.png", paneltest.ProductPNG(64, 64), 400, "not allowed"},
		{"..\\evil.png", paneltest.ProductPNG(64, 64), 400, "not allowed"},
		{".hidden.png", paneltest.ProductPNG(64, 64), 400, "not allowed"},
		{"script.svg", paneltest.ProductPNG(64, 64), 400, "not allowed"},
	}
	for _, u := range refused {
		code, body := r.upload(u.name, u.data)
		if code != u.code || !strings.Contains(body, u.msg) {
			t.Errorf("upload %q: %d %s, want %d with %q", u.name, code, body, u.code, u.msg)
		}
		if es, _ := os.ReadDir(images); len(es) != 0 {
			t.Fatalf("after refusing %q the image folder holds %d files", u.name, len(es))
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(r.state), "etc")); err == nil {
		t.Fatal("path traversal wrote outside the state directory")
	}
	code, body := r.upload("tag.png", paneltest.ProductPNG(200, 120))
	if code != 201 || !strings.Contains(body, `"image": "tag.png"`) {
		t.Fatalf("good upload: %d %s", code, body)
	}
	// An image preset and a QR preset, reordered, shown, edited, deleted.
	if code, body := r.do("POST", "/api/presets", map[string]any{"name": "tag", "kind": "image", "image": "tag.png", "position": "top-left", "size": 0.3}, true, r.csrf); code != 200 {
		t.Fatalf("create image preset: %d %s", code, body)
	}
	if code, body := r.do("POST", "/api/presets", map[string]any{"name": "buy", "kind": "qr", "qr": "https://shop.example/1", "size": 0.4}, true, r.csrf); code != 200 {
		t.Fatalf("create QR preset: %d %s", code, body)
	}
	if code, body := r.do("POST", "/api/presets", map[string]any{"name": "buy", "kind": "qr", "qr": "x"}, true, r.csrf); code != 400 || !strings.Contains(body, "exists") {
		t.Errorf("duplicate: %d %s", code, body)
	}
	if code, body := r.do("POST", "/api/presets", map[string]any{"name": "bad", "kind": "image", "image": "missing.png"}, true, r.csrf); code != 400 || !strings.Contains(body, "upload it first") {
		t.Errorf("missing image: %d %s", code, body)
	}
	if code, body := r.do("POST", "/api/presets", map[string]any{"name": "far", "kind": "qr", "qr": "x", "size": 3}, true, r.csrf); code != 400 || !strings.Contains(body, "size") {
		t.Errorf("bad size: %d %s", code, body)
	}
	if code, body := r.do("PUT", "/api/presets", map[string]any{"order": []string{"buy", "tag"}}, true, r.csrf); code != 200 {
		t.Fatalf("reorder: %d %s", code, body)
	}
	if got := r.b.Presets(); strings.Join(got, ",") != "buy,tag" {
		t.Fatalf("running box presets %v", got)
	}
	if code, body := r.do("POST", "/api/presets/tag/show", nil, true, r.csrf); code != 200 {
		t.Fatalf("show: %d %s", code, body)
	}
	if s := r.b.Scene(); s != "tag" {
		t.Fatalf("scene %q", s)
	}
	if code, _ := r.do("POST", "/api/presets/preview", map[string]any{"kind": "qr", "qr": "hello", "size": 0.5}, true, r.csrf); code != 200 {
		t.Errorf("preview: %d", code)
	}
	if code, body := r.do("PUT", "/api/presets/buy", map[string]any{"name": "buy", "kind": "qr", "qr": "https://shop.example/2", "position": "center", "size": 0.5}, true, r.csrf); code != 200 {
		t.Fatalf("edit: %d %s", code, body)
	}
	// Uploading a new picture under the same name shows it at once: the
	// tall one covers much less of the picture than the wide one did.
	wide := r.orangePixels()
	if code, body := r.upload("tag.png", paneltest.ProductPNG(60, 200)); code != 201 || !strings.Contains(body, `"width": 60`) {
		t.Fatalf("replacing the image: %d %s", code, body)
	}
	if s := r.b.Scene(); s != "tag" {
		t.Fatalf("after replacing its image the preset is off screen: %q", s)
	}
	if tall := r.orangePixels(); wide < 500 || tall*3 > wide {
		t.Fatalf("orange pixels on the picture: %d with the wide image, %d with the tall one", wide, tall)
	}
	if code, _ := r.do("DELETE", "/api/presets/tag", nil, true, r.csrf); code != 200 {
		t.Fatal("delete failed")
	}
	if s := r.b.Scene(); s != "" {
		t.Errorf("deleted preset still shown: %q", s)
	}
	saved, err := config.Load(filepath.Join(r.state, "pitchbox.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(saved.Presets) != 1 || saved.Presets[0].QR != "https://shop.example/2" || saved.Presets[0].Position != "center" {
		t.Fatalf("saved presets %+v", saved.Presets)
	}
}

func TestSecretsAreWriteOnly(t *testing.T) {
	r := newRig(t)
	api := ivstest.New("AKIDTESTPANEL", channelARN, "127.0.0.1:1", testKey)
	defer api.Close()
	code, body := r.do("POST", "/api/destination/discover", map[string]string{
		"access_key_id": "AKIDTESTPANEL", "secret_access_key": testSecret, "channel_arn": channelARN, "endpoint": api.URL}, true, r.csrf)
	if code != 200 {
		t.Fatalf("discover: %d %s", code, body)
	}
	r.waitRunning()
	c := r.b.Config()
	if c.Output.URL != "rtmps://127.0.0.1:1:443/app/" && !strings.HasPrefix(c.Output.URL, "rtmps://127.0.0.1:1") {
		t.Fatalf("url %q", c.Output.URL)
	}
	if k, _ := c.Output.Key(); k != testKey {
		t.Fatal("the discovered key was not saved")
	}
	st, err := os.Stat(filepath.Join(r.state, "aws-secret-access-key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("aws secret file: %v", err)
	}
	// The key is kept in the panel's key file (0600), not in the config.
	if st, err := os.Stat(c.Output.StreamKeyFile); err != nil || st.Mode().Perm() != 0o600 || c.Output.StreamKey != "" {
		t.Errorf("stream key file %q: %v", c.Output.StreamKeyFile, err)
	}
	// Over SRT: the channel's SRT endpoint and passphrase, with the same
	// key; the passphrase is never shown again.
	builds := r.b.Builds()
	code, body = r.do("POST", "/api/destination/discover", map[string]string{
		"access_key_id": "AKIDTESTPANEL", "channel_arn": channelARN, "endpoint": api.URL, "protocol": "srt"}, true, r.csrf)
	if code != 200 {
		t.Fatalf("discover over SRT: %d %s", code, body)
	}
	// The pipeline rebuilds with the SRT settings (a failed build would
	// roll them back: say why).
	wait.For(t, 10*time.Second, "the rebuild with SRT", func() bool { return r.b.Builds() > builds && !r.b.Status().Applying })
	if u := r.b.Config().Output.URL; u != "srt://"+api.SRTEndpoint+":9000?passphrase="+api.SRTPassphrase {
		t.Fatalf("SRT url %q (%s)", u, r.b.ApplyError())
	}
	if k, _ := r.b.Config().Output.Key(); k != testKey {
		t.Fatal("the key was lost switching to SRT")
	}
	if _, dest := r.do("GET", "/api/destination", nil, true, ""); strings.Contains(dest, api.SRTPassphrase) || !strings.Contains(dest, "srt://") {
		t.Errorf("destination view shows the SRT passphrase or no SRT URL: %s", dest)
	}
	if code, body := r.do("POST", "/api/destination/discover", map[string]string{
		"access_key_id": "AKIDTESTPANEL", "channel_arn": channelARN, "endpoint": api.URL, "protocol": "rist"}, true, r.csrf); code != 400 || !strings.Contains(body, "allowed: rtmps, srt") {
		t.Errorf("unknown protocol: %d %s", code, body)
	}
	// A wrong secret is reported and changes nothing.
	code, body = r.do("POST", "/api/destination/discover", map[string]string{
		"access_key_id": "AKIDOTHER", "secret_access_key": "x", "channel_arn": channelARN, "endpoint": api.URL}, true, r.csrf)
	if code != 502 || !strings.Contains(body, "AccessDenied") {
		t.Errorf("wrong account: %d %s", code, body)
	}
	// Paste a key by hand, then read everything back.
	if code, body := r.do("PUT", "/api/destination", map[string]string{"url": "rtmp://127.0.0.1:1/app/", "stream_key": testKey + "2"}, true, r.csrf); code != 200 {
		t.Fatalf("set destination: %d %s", code, body)
	}
	r.waitRunning()
	_, dest := r.do("GET", "/api/destination", nil, true, "")
	if !strings.Contains(dest, `"stream_key_set": true`) || !strings.Contains(dest, `"secret_access_key_set": true`) {
		t.Errorf("destination view %s", dest)
	}
	_, cfg := r.do("GET", "/api/config", nil, true, "")
	// The masked config sent back unchanged keeps the key.
	var m map[string]any
	json.Unmarshal([]byte(cfg), &m)
	m["log"] = map[string]any{"level": "debug"}
	if code, body := r.do("PUT", "/api/config", m, true, r.csrf); code != 200 {
		t.Fatalf("put config: %d %s", code, body)
	}
	r.waitRunning()
	if k, _ := r.b.Config().Output.Key(); k != testKey+"2" {
		t.Fatal("PUT of the masked config lost the stream key")
	}
	// Bad config is refused with the key named.
	m["camera"].(map[string]any)["fps"] = 500
	if code, body := r.do("PUT", "/api/config", m, true, r.csrf); code != 400 || !strings.Contains(body, "camera.fps") {
		t.Errorf("bad config: %d %s", code, body)
	}
	m["camera"].(map[string]any)["fps"] = 30
	m["bogus"] = 1
	if code, body := r.do("PUT", "/api/config", m, true, r.csrf); code != 400 || !strings.Contains(body, "bogus") {
		t.Errorf("unknown key: %d %s", code, body)
	}
	r.do("POST", "/api/destination/test", nil, true, r.csrf)
	r.do("POST", "/api/live/start", nil, true, r.csrf)
	for _, p := range []string{"/api/status", "/api/system", "/destination", "/live", "/system", "/api/presets"} {
		r.do("GET", p, nil, true, "")
	}
	// The box has tried the destination (and logged it) at least once.
	wait.For(t, 10*time.Second, "a connection attempt", func() bool {
		st := r.b.Status().Stream
		return st != nil && st.LastError != ""
	})
	for _, secret := range []string{testKey, testSecret} {
		r.bodyMu.Lock()
		all := r.bodies.String()
		r.bodyMu.Unlock()
		if strings.Contains(all, secret) {
			t.Errorf("a response carried a secret")
		}
		if strings.Contains(r.log.String(), secret) {
			t.Errorf("the log carried a secret")
		}
	}
}

func TestLoginLockOut(t *testing.T) {
	r := newRig(t)
	r.do("POST", "/api/auth/logout", nil, true, r.csrf)
	if code, _ := r.do("GET", "/api/status", nil, true, ""); code != 401 {
		t.Fatalf("after logout: %d", code)
	}
	for i := 1; i < auth.MaxFailures; i++ {
		if code, _ := r.do("POST", "/api/auth/login", map[string]string{"password": "wrong one"}, true, ""); code != 401 {
			t.Fatalf("wrong password %d: %d", i, code)
		}
	}
	code, body := r.do("POST", "/api/auth/login", map[string]string{"password": "wrong one"}, true, "")
	if code != 429 || !strings.Contains(body, "try again in") {
		t.Fatalf("lock-out: %d %s", code, body)
	}
	if code, _ := r.do("POST", "/api/auth/login", map[string]string{"password": "correct horse"}, true, ""); code != 429 {
		t.Fatalf("right password while locked: %d", code)
	}
	// A form post (not JSON) cannot log in at all.
	req, _ := http.NewRequest("POST", r.srv.URL+"/api/auth/login", strings.NewReader("password=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 415 {
		t.Errorf("form login: %d", resp.StatusCode)
	}
}

func TestReachableAddr(t *testing.T) {
	if got := panel.ReachableAddr("127.0.0.1:8080"); got != "127.0.0.1:8080" {
		t.Errorf("a specific address changed: %q", got)
	}
	if got := panel.ReachableAddr(":8080"); strings.HasPrefix(got, ":") || !strings.HasSuffix(got, ":8080") {
		t.Errorf(":8080 became %q, want HOST:8080", got)
	}
}

// TestCameraAndSystem: camera settings are validated, saved and applied
// by rebuilding the box; controls need a camera; the System page's log
// and restart work.
func TestCameraAndSystem(t *testing.T) {
	r := newRig(t)
	first := r.b.Builds()
	if code, body := r.do("PUT", "/api/camera", map[string]any{"device": "testpattern", "width": 640, "height": 360, "fps": 500}, true, r.csrf); code != 400 || !strings.Contains(body, "camera.fps") {
		t.Fatalf("bad fps: %d %s", code, body)
	}
	if code, body := r.do("PUT", "/api/camera", map[string]any{"device": "testpattern", "width": 640, "height": 360, "fps": 15}, true, r.csrf); code != 200 || !strings.Contains(body, `"restarting": true`) {
		t.Fatalf("camera: %d %s", code, body)
	}
	wait.For(t, 10*time.Second, "the box rebuilt at 640x360", func() bool {
		if r.b.Builds() == first || r.b.Status().Applying {
			return false
		}
		return r.b.Status().Size == "640x360"
	})
	if saved, err := config.Load(filepath.Join(r.state, "pitchbox.toml")); err != nil || saved.Camera.FPS != 15 {
		t.Fatalf("saved camera: %v %+v", err, saved)
	}
	_, cam := r.do("GET", "/api/camera", nil, true, "")
	if !strings.Contains(cam, `"width": 640`) || !strings.Contains(cam, "no camera is open") {
		t.Errorf("camera view %s", cam)
	}
	if code, body := r.do("PUT", "/api/camera/controls/9963776", map[string]int{"value": 1}, true, r.csrf); code != 409 || !strings.Contains(body, "no camera") {
		t.Errorf("control without a camera: %d %s", code, body)
	}
	if code, body := r.do("PUT", "/api/camera/controls/brightness", map[string]int{"value": 1}, true, r.csrf); code != 400 || !strings.Contains(body, "not a number") {
		t.Errorf("control id: %d %s", code, body)
	}
	second := r.b.Builds()
	if code, _ := r.do("POST", "/api/system/restart", nil, true, r.csrf); code != 202 {
		t.Fatalf("restart: %d", code)
	}
	wait.For(t, 10*time.Second, "the box restarted", func() bool { return r.b.Builds() > second && !r.b.Status().Applying })
	if _, body := r.do("GET", "/api/system", nil, true, ""); !strings.Contains(body, "restarting the pipeline") {
		t.Errorf("system log lines lack the restart: %s", body)
	}
}

// TestRecordingsListAndDownload: the System page's recordings API lists a
// recording with its size and length and downloads it as an attachment,
// only with a session, and refuses any name but a recording's.
func TestRecordingsListAndDownload(t *testing.T) {
	r := newRig(t)
	dir := filepath.Join(r.state, "recordings")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	// An FLV header and one video tag stamped 2.5 s.
	flv := []byte{'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0}
	flv = append(flv, 9, 0, 0, 5, 0, 0x09, 0xC4, 0, 0, 0, 0, 0x17, 1, 0, 0, 0, 0, 0, 0, 16)
	name := "pitchbox-20200101-120000.flv"
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, flv, 0o640); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2020, 1, 1, 12, 0, 0, 0, time.UTC)
	os.Chtimes(path, old, old)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a recording"), 0o640)
	code, body := r.do("GET", "/api/recordings", nil, true, "")
	var list []panel.Recording
	if err := json.Unmarshal([]byte(body), &list); code != 200 || err != nil || len(list) == 0 {
		t.Fatalf("list: %d %v %s", code, err, body)
	}
	last := list[len(list)-1] // the oldest; the box may be recording newer ones
	if last.Name != name || last.Size != int64(len(flv)) || last.Seconds != 2.5 || !last.Modified.Equal(old) {
		t.Fatalf("oldest listed %+v, want %s, %d bytes, 2.5 s", last, name, len(flv))
	}
	if strings.Contains(body, "notes.txt") {
		t.Fatalf("a file that is no recording is listed: %s", body)
	}
	resp, err := r.c.Get(r.srv.URL + "/api/recordings/" + name)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, flv) || resp.Header.Get("Content-Disposition") != `attachment; filename="`+name+`"` {
		t.Fatalf("download: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Disposition"), got)
	}
	for _, p := range []string{"/api/recordings", "/api/recordings/" + name} {
		if code, _ := r.do("GET", p, nil, false, ""); code != 401 {
			t.Errorf("%s without a session: %d, want 401", p, code)
		}
	}
	for _, bad := range []string{"..%2Fpitchbox.toml", "notes.txt", "..%2F..%2Fstate%2Fpitchbox.toml", "%2Fetc%2Fpasswd", "pitchbox-20200101-120000.flv%00"} {
		if code, body := r.do("GET", "/api/recordings/"+bad, nil, true, ""); code != 400 || !strings.Contains(body, "not a recording") {
			t.Errorf("%s: %d %s, want 400", bad, code, body)
		}
	}
	if code, _ := r.do("GET", "/api/recordings/pitchbox-20200101-120001.flv", nil, true, ""); code != 404 {
		t.Errorf("a missing recording: %d, want 404", code)
	}
}
