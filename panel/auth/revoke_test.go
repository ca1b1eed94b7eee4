package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// openFast opens an Auth whose password ("good password") is hashed at
// bcrypt's lowest cost, so that a test can check it many times.
func openFast(t *testing.T) (*Auth, *clock) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "panel-auth.json")
	h, err := bcrypt.GenerateFromPassword([]byte("good password"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(stored{PasswordHash: string(h)})
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Unix(1e9, 0)}
	a.SetClock(c.now)
	return a, c
}

// login logs in from addr with the right password.
func login(t *testing.T, a *Auth, addr string) string {
	t.Helper()
	tok, err := a.Login(addr, "good password")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestPasswordChangeEndsOtherSessions: a cookie taken before the change
// stops working; the browser that made the change stays logged in.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	a, _ := openFast(t)
	mine, stolen, other := login(t, a, "10.0.0.1:1"), login(t, a, "10.0.0.2:1"), login(t, a, "10.0.0.3:1")
	if err := a.ChangePassword("10.0.0.1:1", mine, "wrong password", "new password 1"); !errors.Is(err, ErrWrong) {
		t.Fatalf("change with a wrong current password: %v", err)
	}
	if _, ok := a.Lookup(stolen); !ok {
		t.Fatal("a refused change ended a session")
	}
	if err := a.ChangePassword("10.0.0.1:1", mine, "good password", "new password 1"); err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"stolen": stolen, "other": other} {
		if _, ok := a.Lookup(tok); ok {
			t.Errorf("the %s session survived the password change", name)
		}
	}
	if _, ok := a.Lookup(mine); !ok {
		t.Error("the session that changed the password was ended")
	}
	if _, err := a.Login("10.0.0.2:1", "good password"); !errors.Is(err, ErrWrong) {
		t.Errorf("the old password still logs in: %v", err)
	}
	// A restart keeps the new password and no session.
	a2, err := Open(a.path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := a2.Lookup(mine); ok {
		t.Error("a session survived a restart")
	}
	if _, err := a2.Login("10.0.0.2:1", "new password 1"); err != nil {
		t.Errorf("the new password after a restart: %v", err)
	}
}

// TestLogoutAll ends every session, the caller's too.
func TestLogoutAll(t *testing.T) {
	a, _ := openFast(t)
	toks := []string{login(t, a, "10.0.0.1:1"), login(t, a, "10.0.0.2:1")}
	if n := a.LogoutAll(); n != 2 {
		t.Errorf("LogoutAll ended %d sessions, want 2", n)
	}
	for _, tok := range toks {
		if _, ok := a.Lookup(tok); ok {
			t.Error("a session survived LogoutAll")
		}
	}
	login(t, a, "10.0.0.1:1")
}

// TestBucket: 50 checks a second, 50 at once.
func TestBucket(t *testing.T) {
	b := newBucket(ChecksPerSecond, ChecksBurst)
	now := time.Unix(1e9, 0)
	for i := 1; i <= 50; i++ {
		if _, ok := b.take(now); !ok {
			t.Fatalf("check %d refused", i)
		}
	}
	wait, ok := b.take(now.Add(10 * time.Millisecond))
	if ok || wait <= 0 || wait > 20*time.Millisecond {
		t.Fatalf("check 51 in the same second: ok=%v wait=%v", ok, wait)
	}
	now = now.Add(time.Second)
	for i := 1; i <= 50; i++ {
		if _, ok := b.take(now); !ok {
			t.Fatalf("a second later, check %d refused", i)
		}
	}
	if _, ok := b.take(now); ok {
		t.Fatal("the bucket holds more than its burst")
	}
	// A clock that steps back neither refills nor breaks the bucket.
	if _, ok := b.take(now.Add(-time.Hour)); ok {
		t.Fatal("a step back in time refilled the bucket")
	}
	if _, ok := b.take(now.Add(100 * time.Millisecond)); !ok {
		t.Fatal("after a step back the bucket did not refill")
	}
}

// TestChecksAreLimitedOverall: the 51st password check within a second is
// refused whatever address it comes from, and a second later checks are
// made again. The refusal neither counts as a wrong password nor locks
// the address out.
func TestChecksAreLimitedOverall(t *testing.T) {
	a, c := openFast(t)
	for i := 1; i <= ChecksBurst; i++ {
		if _, err := a.Login(fmt.Sprintf("10.1.%d.%d:4000", i/250, i%250), "a wrong guess"); !errors.Is(err, ErrWrong) {
			t.Fatalf("check %d: %v", i, err)
		}
	}
	var be *BusyError
	_, err := a.Login("10.2.0.1:4000", "good password")
	if !errors.As(err, &be) || RetryAfter(err) != 1 {
		t.Fatalf("check %d: %v (retry after %d)", ChecksBurst+1, err, RetryAfter(err))
	}
	c.t = c.t.Add(10 * time.Millisecond)
	if err := a.ChangePassword("10.2.0.2:1", "", "good password", "new password 1"); !errors.As(err, &be) {
		t.Fatalf("a password change is a check too: %v", err)
	}
	c.t = c.t.Add(990 * time.Millisecond)
	if _, err := a.Login("10.2.0.1:4000", "good password"); err != nil {
		t.Fatalf("a second later: %v", err)
	}
	for i := 1; i < ChecksBurst; i++ {
		if _, err := a.Login(fmt.Sprintf("10.3.0.%d:1", i), "a wrong guess"); !errors.Is(err, ErrWrong) {
			t.Fatalf("a second later, check %d: %v", i, err)
		}
	}
}

// TestPairingCodesAreLimitedOverall: guesses at the pairing code count
// towards the same limit.
func TestPairingCodesAreLimitedOverall(t *testing.T) {
	a, _, c := open(t)
	a.SetCheckLimit(2, 2)
	for i := 1; i <= 2; i++ {
		if _, err := a.Pair(fmt.Sprintf("10.0.0.%d:1", i), "AAAA-AAAA", "good password"); !errors.Is(err, ErrWrongPIN) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	var be *BusyError
	if _, err := a.Pair("10.0.0.9:1", a.PairingCode(), "good password"); !errors.As(err, &be) || a.Paired() {
		t.Fatalf("third guess: %v", err)
	}
	c.t = c.t.Add(time.Second)
	if _, err := a.Pair("10.0.0.9:1", a.PairingCode(), "good password"); err != nil {
		t.Fatalf("a second later: %v", err)
	}
}
