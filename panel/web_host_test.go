package panel_test

import (
	"encoding/json"
	"io"
	"log/slog"
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

// newWebRig makes a panel.
func newWebRig(t *testing.T) *webRig {
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
	web := &panel.Web{API: api, Auth: au, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test"}
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
