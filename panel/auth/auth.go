// Package auth guards the web panel: a one-time pairing code on first run
// (no default password), a bcrypt password hash in a 0600 file, sessions in
// HttpOnly SameSite=Strict cookies, a CSRF token per session that every
// mutating request must carry, a per-address lock-out after repeated
// wrong passwords or codes, and a limit on password checks a second for
// the whole box. Sessions live in memory only; a password change ends all
// but the changing browser's, and LogoutAll ends them all.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/pitchbox/pitchbox/config"
)

// Cookie is the session cookie's name.
const Cookie = "pitchbox_session"

// CSRFHeader carries the session's CSRF token on mutating requests.
const CSRFHeader = "X-CSRF-Token"

// Password limits: bcrypt reads at most 72 bytes.
const (
	MinPassword = 8
	MaxPassword = 72
)

// Lock-out: after MaxFailures wrong answers from one address within
// failureWindow, that address waits lockFor (doubling each time, up to
// maxLock) before it may try again.
const (
	MaxFailures   = 5
	failureWindow = 10 * time.Minute
	lockFor       = time.Minute
	maxLock       = 15 * time.Minute
	sessionIdle   = 7 * 24 * time.Hour
)

// Errors the handlers map to responses.
var (
	ErrWrong    = errors.New("wrong password")
	ErrWrongPIN = errors.New("wrong pairing code")
	ErrPaired   = errors.New("the box is already set up; log in with its password")
	ErrUnpaired = errors.New("the box is not set up yet; enter the pairing code shown on its screen")
)

// LockedError says how long an address must wait.
type LockedError struct{ Wait time.Duration }

// Error says how long to wait; the panel shows it as it is.
func (e *LockedError) Error() string {
	return fmt.Sprintf("too many wrong attempts: try again in %s", e.Wait.Round(time.Second))
}

// Session is a logged-in browser.
type Session struct {
	CSRF     string
	lastSeen time.Time
}

type failures struct {
	n       int
	first   time.Time
	until   time.Time
	lockOut time.Duration
}

// Auth holds the password, the pairing code and the sessions.
type Auth struct {
	path string
	now  func() time.Time

	// check lets one password or code check (or change) run at a time.
	// bcrypt runs under it but outside mu, so that sessions are looked up
	// while a guess is being checked.
	check sync.Mutex

	mu       sync.Mutex
	hash     []byte
	code     string
	sessions map[string]*Session
	fails    map[string]*failures
	checks   bucket
}

type stored struct {
	PasswordHash string `json:"password_hash"`
}

// Open loads the password hash from path (a 0600 JSON file in the state
// directory). Without one the box is unpaired and a new pairing code is
// made; show it with PairingCode.
func Open(path string) (*Auth, error) {
	a := &Auth{path: path, now: time.Now, sessions: map[string]*Session{}, fails: map[string]*failures{},
		checks: newBucket(ChecksPerSecond, ChecksBurst)}
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		var s stored
		if err := json.Unmarshal(b, &s); err != nil || !strings.HasPrefix(s.PasswordHash, "$2") {
			return nil, fmt.Errorf("auth: %s is damaged (delete it to pair the box again): %v", path, err)
		}
		a.hash = []byte(s.PasswordHash)
	case errors.Is(err, os.ErrNotExist):
		a.code = newCode()
	default:
		return nil, fmt.Errorf("auth: %w", err)
	}
	return a, nil
}

// SetClock replaces the clock (tests).
func (a *Auth) SetClock(now func() time.Time) { a.now = now }

// Paired reports whether a password is set.
func (a *Auth) Paired() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.hash != nil
}

// PairingCode is the one-time code shown on the display and in the log
// until the box is paired ("" once paired).
func (a *Auth) PairingCode() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.code
}

// codeAlphabet leaves out look-alikes (0/O, 1/I/L).
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// newCode makes a pairing code: eight characters in two groups of four.
func newCode() string {
	var b [8]byte
	for i := range b {
		b[i] = codeAlphabet[randIndex(len(codeAlphabet))]
	}
	return string(b[:4]) + "-" + string(b[4:])
}

// randIndex is a uniform random number in [0, n) for n up to 256.
func randIndex(n int) int {
	var b [1]byte
	for {
		rand.Read(b[:])
		if int(b[0]) < 256/n*n {
			return int(b[0]) % n
		}
	}
}

// normCode puts a typed code in the form it is compared in: upper case,
// without dashes or spaces.
func normCode(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.NewReplacer("-", "", " ", "").Replace(s)
	return s
}

// CheckPassword says what is wrong with a new password.
func CheckPassword(p string) error {
	switch {
	case !utf8.ValidString(p):
		return errors.New("the password is not valid text")
	case utf8.RuneCountInString(p) < MinPassword:
		return fmt.Errorf("the password is too short (at least %d characters)", MinPassword)
	case len(p) > MaxPassword:
		return fmt.Errorf("the password is too long (at most %d bytes)", MaxPassword)
	}
	return nil
}

// Pair sets the first password when code matches the pairing code, and
// returns a session token.
func (a *Auth) Pair(addr, code, password string) (string, error) {
	a.check.Lock()
	defer a.check.Unlock()
	if err := a.checkCode(addr, code, password); err != nil {
		return "", err
	}
	h, err := a.writeHash(password)
	if err != nil {
		return "", err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.hash, a.code = h, ""
	delete(a.fails, host(addr))
	return a.newSessionLocked(), nil
}

// checkCode checks a pairing attempt's code, then its new password.
func (a *Auth) checkCode(addr, code, password string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.hash != nil {
		return ErrPaired
	}
	if err := a.admitLocked(addr); err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(normCode(code)), []byte(normCode(a.code))) != 1 {
		return a.failLocked(addr, ErrWrongPIN)
	}
	return CheckPassword(password)
}

// ChangePassword replaces the password after checking the current one, and
// ends every session but keep (the token of the browser making the
// change; "" ends them all), so that a stolen cookie dies with the old
// password.
func (a *Auth) ChangePassword(addr, keep, current, next string) error {
	a.check.Lock()
	defer a.check.Unlock()
	if err := a.verify(addr, current); err != nil {
		return err
	}
	if err := CheckPassword(next); err != nil {
		return err
	}
	h, err := a.writeHash(next)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.hash = h
	for tok := range a.sessions {
		if tok != keep {
			delete(a.sessions, tok)
		}
	}
	return nil
}

// writeHash hashes p and saves the hash to the password file.
func (a *Auth) writeHash(p string) ([]byte, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(p), bcrypt.DefaultCost)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	b, _ := json.Marshal(stored{PasswordHash: string(h)})
	if err := config.WriteFileAtomic(a.path, b, 0o600); err != nil {
		return nil, err
	}
	return h, nil
}

// verify checks password against the hash, within the address's lock-out
// and the box's limit on checks; a wrong one counts against addr. The
// caller holds a.check.
func (a *Auth) verify(addr, password string) error {
	a.mu.Lock()
	hash := a.hash
	err := a.admitLocked(addr)
	a.mu.Unlock()
	if err != nil {
		return err
	}
	if hash != nil && bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.failLocked(addr, ErrWrong)
}

// Login checks the password and returns a session token.
func (a *Auth) Login(addr, password string) (string, error) {
	a.check.Lock()
	defer a.check.Unlock()
	if !a.Paired() {
		return "", ErrUnpaired
	}
	if err := a.verify(addr, password); err != nil {
		return "", err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.fails, host(addr))
	return a.newSessionLocked(), nil
}

// Logout ends a session.
func (a *Auth) Logout(token string) {
	a.mu.Lock()
	delete(a.sessions, token)
	a.mu.Unlock()
}

// LogoutAll ends every session, the caller's included, and returns how
// many there were.
func (a *Auth) LogoutAll() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := len(a.sessions)
	clear(a.sessions)
	return n
}

// Lookup returns the live session for token.
func (a *Auth) Lookup(token string) (*Session, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.sessions[token]
	if !ok {
		return nil, false
	}
	now := a.now()
	if now.Sub(s.lastSeen) > sessionIdle {
		delete(a.sessions, token)
		return nil, false
	}
	s.lastSeen = now
	return s, true
}

// newSessionLocked starts a session with its own CSRF token and returns
// its token.
func (a *Auth) newSessionLocked() string {
	tok := randToken()
	a.sessions[tok] = &Session{CSRF: randToken(), lastSeen: a.now()}
	return tok
}

// randToken is 256 random bits, base64url.
func randToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// host is the address part of a remote address, what lock-outs count by.
func host(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// admitLocked refuses a check from a locked-out address, and any check
// while the box has checked too many passwords lately.
func (a *Auth) admitLocked(addr string) error {
	if err := a.lockedLocked(addr); err != nil {
		return err
	}
	if wait, ok := a.checks.take(a.now()); !ok {
		return &BusyError{Wait: wait}
	}
	return nil
}

// lockedLocked refuses an address that is locked out.
func (a *Auth) lockedLocked(addr string) error {
	f := a.fails[host(addr)]
	if f == nil {
		return nil
	}
	if now := a.now(); now.Before(f.until) {
		return &LockedError{Wait: f.until.Sub(now)}
	}
	return nil
}

// failLocked counts a wrong answer from addr, locks it out after
// MaxFailures within failureWindow (each lock-out twice the last, up to
// maxLock), and says how many tries are left.
func (a *Auth) failLocked(addr string, err error) error {
	h := host(addr)
	now := a.now()
	f := a.fails[h]
	if f == nil || now.Sub(f.first) > failureWindow && now.After(f.until) {
		lock := time.Duration(0)
		if f != nil {
			lock = f.lockOut
		}
		f = &failures{first: now, lockOut: lock}
		a.fails[h] = f
	}
	f.n++
	if f.n >= MaxFailures {
		if f.lockOut == 0 {
			f.lockOut = lockFor
		} else {
			f.lockOut = min(2*f.lockOut, maxLock)
		}
		f.until = now.Add(f.lockOut)
		f.n, f.first = 0, now
		return &LockedError{Wait: f.lockOut}
	}
	return fmt.Errorf("%w (%d more tries before a lock-out)", err, MaxFailures-f.n)
}

// SessionCookie makes the session cookie for token.
func SessionCookie(token string, secure bool) *http.Cookie {
	return &http.Cookie{Name: Cookie, Value: token, Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteStrictMode, MaxAge: int(sessionIdle / time.Second)}
}

// ClearCookie removes the session cookie.
func ClearCookie(secure bool) *http.Cookie {
	return &http.Cookie{Name: Cookie, Value: "", Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteStrictMode, MaxAge: -1}
}

// FromRequest returns the request's session and its token.
func (a *Auth) FromRequest(r *http.Request) (*Session, string, bool) {
	c, err := r.Cookie(Cookie)
	if err != nil || c.Value == "" {
		return nil, "", false
	}
	s, ok := a.Lookup(c.Value)
	return s, c.Value, ok
}

// Mutating reports whether a method changes state.
func Mutating(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// Require lets a request through with a session, and a mutating one only
// with the session's CSRF token in the X-CSRF-Token header. It answers
// 401 without a session and 403 without the token, as JSON.
func (a *Auth) Require(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _, ok := a.FromRequest(r)
		if !ok {
			deny(w, http.StatusUnauthorized, "log in first")
			return
		}
		if Mutating(r.Method) && subtle.ConstantTimeCompare([]byte(r.Header.Get(CSRFHeader)), []byte(s.CSRF)) != 1 {
			deny(w, http.StatusForbidden, "missing or wrong CSRF token (reload the page)")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// deny answers a refused request with a JSON error.
func deny(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
