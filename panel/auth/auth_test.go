package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func open(t *testing.T) (*Auth, string, *clock) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "panel-auth.json")
	a, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Unix(1e9, 0)}
	a.SetClock(c.now)
	return a, p, c
}

func TestPairThenLogin(t *testing.T) {
	a, p, _ := open(t)
	code := a.PairingCode()
	if a.Paired() || len(code) != 9 || code[4] != '-' {
		t.Fatalf("fresh box: paired=%v code=%q", a.Paired(), code)
	}
	if _, err := a.Login("1.2.3.4:5", "whatever1"); !errors.Is(err, ErrUnpaired) {
		t.Fatalf("login before pairing: %v", err)
	}
	if _, err := a.Pair("1.2.3.4:5", "AAAA-AAAA", "good password"); !errors.Is(err, ErrWrongPIN) {
		t.Fatalf("wrong code: %v", err)
	}
	if _, err := a.Pair("1.2.3.4:5", code, "short"); err == nil || !strings.Contains(err.Error(), "at least 8") {
		t.Fatalf("short password: %v", err)
	}
	// The code is accepted in lower case and without the dash.
	tok, err := a.Pair("1.2.3.4:5", strings.ToLower(strings.ReplaceAll(code, "-", "")), "good password")
	if err != nil || tok == "" {
		t.Fatalf("pair: %v", err)
	}
	if a.PairingCode() != "" || !a.Paired() {
		t.Fatal("the code must be spent after pairing")
	}
	st, err := os.Stat(p)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("password file: %v %v", st.Mode(), err)
	}
	b, _ := os.ReadFile(p)
	if strings.Contains(string(b), "good password") || !strings.Contains(string(b), "$2") {
		t.Fatalf("stored %s", b)
	}
	if _, err := a.Pair("1.2.3.4:5", code, "another one"); !errors.Is(err, ErrPaired) {
		t.Fatalf("second pairing: %v", err)
	}
	// A restart keeps the password.
	a2, err := Open(p)
	if err != nil || !a2.Paired() || a2.PairingCode() != "" {
		t.Fatalf("reopen: %v", err)
	}
	if _, err := a2.Login("1.2.3.4:5", "good password"); err != nil {
		t.Fatal(err)
	}
	if _, err := a2.Login("1.2.3.4:5", "bad password"); !errors.Is(err, ErrWrong) {
		t.Fatalf("wrong password: %v", err)
	}
}

func TestLockOut(t *testing.T) {
	a, c := openFast(t)
	for i := 1; i < MaxFailures; i++ {
		if _, err := a.Login("10.0.0.9:1", "nope nope"); !errors.Is(err, ErrWrong) {
			t.Fatalf("try %d: %v", i, err)
		}
	}
	var le *LockedError
	if _, err := a.Login("10.0.0.9:2", "nope nope"); !errors.As(err, &le) || le.Wait != time.Minute {
		t.Fatalf("5th wrong: %v", err)
	}
	// Locked: even the right password is refused, from any port of that host.
	if _, err := a.Login("10.0.0.9:3", "good password"); !errors.As(err, &le) {
		t.Fatalf("while locked: %v", err)
	}
	// Another address is not locked.
	if _, err := a.Login("10.0.0.3:1", "good password"); err != nil {
		t.Fatalf("other address: %v", err)
	}
	c.t = c.t.Add(61 * time.Second)
	if _, err := a.Login("10.0.0.9:3", "good password"); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
	// Lock-outs double when the guessing goes on.
	for i := 0; i < MaxFailures; i++ {
		a.Login("10.0.0.7:1", "nope nope")
	}
	c.t = c.t.Add(61 * time.Second)
	for i := 0; i < MaxFailures-1; i++ {
		a.Login("10.0.0.7:1", "nope nope")
	}
	if _, err := a.Login("10.0.0.7:1", "nope nope"); !errors.As(err, &le) || le.Wait != 2*time.Minute {
		t.Fatalf("second lock-out: %v", err)
	}
}

func TestRequire(t *testing.T) {
	a, _, c := open(t)
	tok, err := a.Pair("1.1.1.1:1", a.PairingCode(), "good password")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := a.Lookup(tok)
	h := a.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) }))
	do := func(method, cookie, csrf string) int {
		r := httptest.NewRequest(method, "/api/clear", nil)
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: Cookie, Value: cookie})
		}
		if csrf != "" {
			r.Header.Set(CSRFHeader, csrf)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	cases := []struct {
		method, cookie, csrf string
		want                 int
	}{
		{"POST", "", "", 401},
		{"POST", "forged", s.CSRF, 401},
		{"POST", tok, "", 403},
		{"POST", tok, "wrong", 403},
		{"DELETE", tok, "", 403},
		{"POST", tok, s.CSRF, 299},
		{"GET", tok, "", 299},
		{"GET", "", "", 401},
	}
	for _, k := range cases {
		if got := do(k.method, k.cookie, k.csrf); got != k.want {
			t.Errorf("%s cookie=%q csrf=%q: %d, want %d", k.method, k.cookie, k.csrf, got, k.want)
		}
	}
	a.Logout(tok)
	if got := do("GET", tok, ""); got != 401 {
		t.Errorf("after logout: %d", got)
	}
	tok2, _ := a.Login("1.1.1.1:1", "good password")
	c.t = c.t.Add(8 * 24 * time.Hour)
	if got := do("GET", tok2, ""); got != 401 {
		t.Errorf("idle session: %d", got)
	}
	ck := SessionCookie(tok2, true)
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || !ck.Secure {
		t.Errorf("cookie %+v", ck)
	}
}

func TestDamagedFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "panel-auth.json")
	os.WriteFile(p, []byte("{"), 0o600)
	if _, err := Open(p); err == nil || !strings.Contains(err.Error(), "delete it") {
		t.Fatalf("damaged: %v", err)
	}
}
