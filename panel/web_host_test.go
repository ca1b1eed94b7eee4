package panel_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/pitchbox/pitchbox/panel"
	"github.com/pitchbox/pitchbox/panel/auth"
)

const hostTestPassword = "correct horse"

// webRig is the panel's network side in front of a stub API that answers
// 200 to everything, with a password hashed at bcrypt's lowest cost and a
// clock the test moves.
type webRig struct {
	t  *testing.T
	au *auth.Auth
	h  http.Handler

	mu  sync.Mutex
	now time.Time
}

// newWebRig makes a panel that also answers to hosts.
func newWebRig(t *testing.T, hosts ...string) *webRig {
	t.Helper()
	p := filepath.Join(t.TempDir(), "panel-auth.json")
	hash, err := bcrypt.GenerateFromPassword([]byte(hostTestPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]string{"password_hash": string(hash)})
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	au, err := auth.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	w := &webRig{t: t, au: au, now: time.Unix(1e9, 0)}
	au.SetClock(w.clock)
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok": true}`)
	})
	web := &panel.Web{API: api, Auth: au, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test",
		Hosts: func() []string { return hosts }}
	w.h = web.Handler()
	return w
}

// clock is the rig's time, for auth.
func (w *webRig) clock() time.Time { w.mu.Lock(); defer w.mu.Unlock(); return w.now }

// advance moves the rig's clock on.
func (w *webRig) advance(d time.Duration) { w.mu.Lock(); w.now = w.now.Add(d); w.mu.Unlock() }

// req is one request to the panel: from 192.0.2.10 to Host
// 127.0.0.1:8080 unless the fields say otherwise (noHost: none at all).
type req struct {
	method, path, body string
	host, origin, from string
	cookie, csrf       string
	noHost             bool
}

// do sends q to the panel's handler.
func (w *webRig) do(q req) *httptest.ResponseRecorder {
	w.t.Helper()
	if q.method == "" {
		q.method = "GET"
	}
	r := httptest.NewRequest(q.method, q.path, strings.NewReader(q.body))
	r.Host, r.RemoteAddr = "127.0.0.1:8080", "192.0.2.10:50000"
	if q.host != "" || q.noHost {
		r.Host = q.host
	}
	if q.from != "" {
		r.RemoteAddr = q.from
	}
	if q.body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if q.origin != "" {
		r.Header.Set("Origin", q.origin)
	}
	if q.cookie != "" {
		r.AddCookie(&http.Cookie{Name: auth.Cookie, Value: q.cookie})
	}
	if q.csrf != "" {
		r.Header.Set(auth.CSRFHeader, q.csrf)
	}
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, r)
	return rec
}

// login logs in through the API and returns the session cookie and its
// CSRF token.
func (w *webRig) login(password string) (string, string) {
	w.t.Helper()
	rec := w.do(req{method: "POST", path: "/api/auth/login", body: `{"password": "` + password + `"}`})
	if rec.Code != 200 {
		w.t.Fatalf("login: %d %s", rec.Code, rec.Body)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == auth.Cookie {
			s, ok := w.au.Lookup(c.Value)
			if !ok {
				w.t.Fatal("the login's session is not there")
			}
			return c.Value, s.CSRF
		}
	}
	w.t.Fatal("login set no session cookie")
	return "", ""
}

// TestHostAllowList: the panel answers to the box's own names only;
// anything else (a rebound DNS name) gets 421 and a plain message.
func TestHostAllowList(t *testing.T) {
	w := newWebRig(t, "shop.example", "Cam.Example:8443")
	allowed := []string{"127.0.0.1:8080", "127.0.0.1", "127.0.0.1.", "localhost:8080", "LOCALHOST", "[::1]:8080", "[::1]",
		"pitchbox.local", "Pitchbox.Local.:8080", "shop.example", "shop.example:1234", "cam.example:8443"}
	if h, err := os.Hostname(); err == nil && h != "" {
		allowed = append(allowed, h, h+":8080", h+".local", h+".local:8080")
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			allowed = append(allowed, "["+n.IP.String()+"]", net.JoinHostPort(n.IP.String(), "8080"))
			if n.IP.To4() != nil {
				allowed = append(allowed, n.IP.String())
			}
		}
	}
	for _, h := range allowed {
		if rec := w.do(req{path: "/login", host: h}); rec.Code != 200 {
			t.Errorf("Host %q: %d, want the login page", h, rec.Code)
		}
	}
	refused := []string{"evil.example", "evil.example:8080", "pitchbox.local.evil.example", "127.0.0.1.nip.io:8080",
		"0.0.0.0:8080", "8.8.8.8", "[2001:db8::1]:8080", "localhost.evil.example", "cam.example:9999", "cam.example", ""}
	for _, h := range refused {
		for _, q := range []req{{path: "/login"}, {path: "/static/app.js"}, {method: "POST", path: "/api/auth/login", body: `{"password": "x"}`}} {
			q.host, q.noHost = h, h == ""
			rec := w.do(q)
			if rec.Code != http.StatusMisdirectedRequest || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") ||
				!strings.Contains(rec.Body.String(), "does not answer to that host name") {
				t.Errorf("%s %s with Host %q: %d %q %s, want 421 with a plain message", q.method, q.path, h, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}
		}
	}
}

// TestLoopbackServer: over a real connection the panel answers to
// 127.0.0.1:PORT, as the tests and the browser reach it, and not to a
// rebound name.
func TestLoopbackServer(t *testing.T) {
	w := newWebRig(t)
	srv := httptest.NewServer(w.h)
	defer srv.Close()
	for host, want := range map[string]int{"": 200, "evil.example": 421} {
		r, _ := http.NewRequest("GET", srv.URL+"/login", nil)
		if host != "" {
			r.Host = host
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %q: %d, want %d", host, resp.StatusCode, want)
		}
	}
}

// TestStaticHasNoListing: static files are served without a session, the
// folder is not listed.
func TestStaticHasNoListing(t *testing.T) {
	w := newWebRig(t)
	for path, want := range map[string]int{"/static/": 404, "/static/app.js": 200, "/static/app.css": 200, "/static/nothing.js": 404} {
		rec := w.do(req{path: path})
		if rec.Code != want {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, want)
		}
		if want == 404 && strings.Contains(rec.Body.String(), "app.js") {
			t.Errorf("GET %s lists the files: %s", path, rec.Body)
		}
	}
}

// TestOriginCheck: a state-changing request with a valid session and CSRF
// token is still refused (403) when its Origin is another site; from the
// panel's own origin, or without an Origin, it goes through.
func TestOriginCheck(t *testing.T) {
	w := newWebRig(t)
	cookie, csrf := w.login(hostTestPassword)
	post := func(host, origin string) *httptest.ResponseRecorder {
		return w.do(req{method: "POST", path: "/api/clear", host: host, origin: origin, cookie: cookie, csrf: csrf})
	}
	for _, o := range []string{"http://evil.example", "null", "https://127.0.0.1:8080", "http://127.0.0.1:9090",
		"http://localhost:8080", "http://127.0.0.1:8080/x", "http://u@127.0.0.1:8080"} {
		if rec := post("127.0.0.1:8080", o); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "another site") {
			t.Errorf("POST with Origin %q: %d %s, want 403", o, rec.Code, rec.Body)
		}
	}
	ok := []struct{ host, origin string }{
		{"127.0.0.1:8080", "http://127.0.0.1:8080"}, {"127.0.0.1:8080", ""}, {"pitchbox.local", "http://pitchbox.local:80"},
		{"[::1]:8080", "http://[::1]:8080"}, {"localhost:8080", "http://LOCALHOST:8080"},
	}
	for _, k := range ok {
		if rec := post(k.host, k.origin); rec.Code != 200 {
			t.Errorf("POST to %q with Origin %q: %d %s, want 200", k.host, k.origin, rec.Code, rec.Body)
		}
	}
	for _, method := range []string{"PUT", "DELETE", "PATCH"} {
		rec := w.do(req{method: method, path: "/api/config", origin: "http://evil.example", cookie: cookie, csrf: csrf})
		if rec.Code != http.StatusForbidden {
			t.Errorf("%s with a foreign Origin: %d", method, rec.Code)
		}
	}
	// Logging in needs no session, so the Origin is all that stands
	// between another site and the login endpoint's answers.
	rec := w.do(req{method: "POST", path: "/api/auth/login", body: `{"password": "` + hostTestPassword + `"}`, origin: "http://evil.example"})
	if rec.Code != http.StatusForbidden || len(rec.Result().Cookies()) != 0 {
		t.Errorf("login from another site: %d %v", rec.Code, rec.Result().Cookies())
	}
	// Reading is not refused for an Origin (the browser keeps the answer
	// from the other site).
	if rec := w.do(req{path: "/api/status", origin: "http://evil.example", cookie: cookie}); rec.Code != 200 {
		t.Errorf("GET with a foreign Origin: %d", rec.Code)
	}
}

// TestPasswordChangeEndsOtherSessionsOverHTTP: two sessions; a password
// change from one ends the other (401), the one that changed it stays;
// "log out everywhere" ends them all.
func TestPasswordChangeEndsOtherSessionsOverHTTP(t *testing.T) {
	w := newWebRig(t)
	mine, myCSRF := w.login(hostTestPassword)
	stolen, _ := w.login(hostTestPassword)
	body := `{"current": "` + hostTestPassword + `", "password": "battery staple"}`
	if rec := w.do(req{method: "POST", path: "/api/auth/password", body: body, cookie: mine, csrf: myCSRF}); rec.Code != 200 {
		t.Fatalf("password change: %d %s", rec.Code, rec.Body)
	}
	if rec := w.do(req{path: "/api/status", cookie: stolen}); rec.Code != http.StatusUnauthorized {
		t.Errorf("the other session after the password change: %d, want 401", rec.Code)
	}
	if rec := w.do(req{path: "/api/status", cookie: mine}); rec.Code != 200 {
		t.Errorf("the changing session after the password change: %d, want 200", rec.Code)
	}
	other, _ := w.login("battery staple")
	for _, q := range []req{{cookie: mine}, {csrf: myCSRF}} {
		q.method, q.path = "POST", "/api/auth/logout-all"
		if rec := w.do(q); rec.Code != 401 && rec.Code != 403 {
			t.Errorf("log out everywhere without session and token: %d", rec.Code)
		}
	}
	rec := w.do(req{method: "POST", path: "/api/auth/logout-all", cookie: mine, csrf: myCSRF})
	if rec.Code != 200 {
		t.Fatalf("log out everywhere: %d %s", rec.Code, rec.Body)
	}
	if cs := rec.Result().Cookies(); len(cs) != 1 || cs[0].Name != auth.Cookie || cs[0].MaxAge >= 0 {
		t.Errorf("log out everywhere left the cookie: %v", cs)
	}
	for name, tok := range map[string]string{"mine": mine, "other": other} {
		if rec := w.do(req{path: "/api/status", cookie: tok}); rec.Code != http.StatusUnauthorized {
			t.Errorf("session %s after log out everywhere: %d, want 401", name, rec.Code)
		}
	}
}

// TestCheckLimitOverHTTP: with the overall limit at 2 checks a second, a
// third login within the second is refused with 429 and Retry-After
// whatever its address; a second later logins are checked again.
func TestCheckLimitOverHTTP(t *testing.T) {
	w := newWebRig(t)
	w.au.SetCheckLimit(2, 2)
	login := func(from string) *httptest.ResponseRecorder {
		return w.do(req{method: "POST", path: "/api/auth/login", body: `{"password": "a wrong guess"}`, from: from})
	}
	for _, from := range []string{"192.0.2.1:1000", "[2001:db8::2]:1000"} {
		if rec := login(from); rec.Code != http.StatusUnauthorized {
			t.Fatalf("guess from %s: %d %s", from, rec.Code, rec.Body)
		}
	}
	rec := login("198.51.100.7:2000")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" || !strings.Contains(rec.Body.String(), "try again in 1s") {
		t.Fatalf("third check in a second: %d Retry-After=%q %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	w.advance(time.Second)
	if rec := login("198.51.100.7:2000"); rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "4 more tries") {
		t.Fatalf("a second later: %d %s", rec.Code, rec.Body)
	}
	// The per-address lock-out also says when to come back.
	w.au.SetCheckLimit(100, 100)
	for i := 0; i < auth.MaxFailures-1; i++ {
		login("203.0.113.5:1")
	}
	rec = login("203.0.113.5:1")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "60" || !strings.Contains(rec.Body.String(), "too many wrong attempts: try again in 1m0s") {
		t.Fatalf("lock-out: %d Retry-After=%q %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
}
