package chattokens

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/ivs"
	"github.com/pitchbox/pitchbox/ivs/ivstest"
)

const channelARN = "arn:aws:ivs:us-west-2:123456789012:channel/abcdEFGH"

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now is the clock's time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// newVendor starts the fake IVS Chat API and a vendor on it with o (its
// clock and logger filled in), logging to logs.
func newVendor(t *testing.T, o Options, logs io.Writer) (*ivstest.Server, *Vendor, *clock) {
	t.Helper()
	api := ivstest.New("AKIDTEST", channelARN, "x", "sk")
	t.Cleanup(api.Close)
	room, err := ivs.NewChatRoom(ivs.Account{AccessKeyID: "AKIDTEST", SecretAccessKey: "very-secret", Region: "us-west-2", Endpoint: api.URL}, api.RoomARN)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{now: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	o.Now = clk.Now
	o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return api, New(room, o), clk
}

// ask POSTs body to v from addr with the headers given as name, value
// pairs.
func ask(v http.Handler, addr, body string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(body))
	r.RemoteAddr = addr + ":5555"
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	v.ServeHTTP(w, r)
	return w
}

// decode reads a token answer.
func decode(t *testing.T, w *httptest.ResponseRecorder) Response {
	t.Helper()
	var resp Response
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &resp) != nil || resp.Token == "" {
		t.Fatalf("answer %d %s", w.Code, w.Body)
	}
	return resp
}

// TestTokenCapabilitiesAndNames: every token is SEND_MESSAGE only, for a
// fresh user ID, with the display name asked for or a random one; a
// name that is too long, has symbols, stray spaces or passes for the
// seller is refused with a clear error, and no token is made for it.
func TestTokenCapabilitiesAndNames(t *testing.T) {
	api, v, _ := newVendor(t, Options{SellerID: "shop-owner", Burst: 100}, io.Discard)
	random := decode(t, ask(v, "192.0.2.1", ""))
	chosen := decode(t, ask(v, "192.0.2.1", `{"displayName":"Zoë 李-2"}`, "Content-Type", "application/json"))
	got := api.ChatTokens()
	if len(got) != 2 {
		t.Fatalf("%d tokens made", len(got))
	}
	for i, resp := range []Response{random, chosen} {
		g := got[i]
		if !slices.Equal(g.Capabilities, []string{"SEND_MESSAGE"}) || g.RoomIdentifier != api.RoomARN || g.Token != resp.Token ||
			g.UserID != resp.UserID || g.Attributes["displayName"] != resp.DisplayName || len(g.Attributes) != 1 ||
			g.SessionDurationInMinutes != 60 || time.Until(resp.SessionExpirationTime) < 50*time.Minute {
			t.Fatalf("token %d: made %+v, answered %+v", i, g, resp)
		}
	}
	if !regexp.MustCompile(`^Buyer \d{4}$`).MatchString(random.DisplayName) || chosen.DisplayName != "Zoë 李-2" ||
		!strings.HasPrefix(random.UserID, "buyer-") || random.UserID == chosen.UserID {
		t.Fatalf("random %+v, chosen %+v", random, chosen)
	}
	for body, want := range map[string]string{
		`{"displayName":"` + strings.Repeat("a", 33) + `"}`: "1 to 32 characters",
		`{"displayName":"hi 🙂"}`:                            "letters, digits, spaces",
		`{"displayName":"<b>x</b>"}`:                        "letters, digits, spaces",
		`{"displayName":" bob"}`:                            "start or end with a space",
		`{"displayName":"SELLER"}`:                          "reserved",
		`{"displayName":"Shop-Owner"}`:                      "reserved",
		`{"displayName":"bob","userId":"admin"}`:            "unknown field",
		`{"displayName":`:                                   "the request is not",
		strings.Repeat(" ", 5000):                           "too long",
	} {
		w := ask(v, "192.0.2.1", body)
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), want) {
			t.Errorf("%.40q: %d %s, want 400 saying %q", body, w.Code, w.Body, want)
		}
	}
	if w := ask(v, "192.0.2.1", "displayName=bob", "Content-Type", "application/x-www-form-urlencoded"); w.Code != 400 || !strings.Contains(w.Body.String(), "send JSON") {
		t.Errorf("a form: %d %s", w.Code, w.Body)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	w := httptest.NewRecorder()
	v.ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "POST, OPTIONS" {
		t.Errorf("GET: %d %v", w.Code, w.Header())
	}
	if n := len(api.ChatTokens()); n != 2 {
		t.Fatalf("%d tokens made for refused requests", n-2)
	}
}

// TestRateLimit: each address has its own bucket; past it the answer is
// 429 with Retry-After, and tokens come back with time. Behind a proxy
// (TrustForwarded) the address is X-Forwarded-For's last entry.
func TestRateLimit(t *testing.T) {
	api, v, clk := newVendor(t, Options{Burst: 2, Every: 10 * time.Second}, io.Discard)
	decode(t, ask(v, "192.0.2.1", ""))
	decode(t, ask(v, "192.0.2.1", ""))
	w := ask(v, "192.0.2.1", "")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "10" || !strings.Contains(w.Body.String(), "too many") {
		t.Fatalf("third: %d %v %s", w.Code, w.Header(), w.Body)
	}
	decode(t, ask(v, "192.0.2.2", "")) // another buyer
	clk.Advance(4 * time.Second)
	if w := ask(v, "192.0.2.1", ""); w.Code != 429 || w.Header().Get("Retry-After") != "6" {
		t.Fatalf("4 s later: %d %v", w.Code, w.Header())
	}
	clk.Advance(6 * time.Second)
	decode(t, ask(v, "192.0.2.1", ""))
	if n := len(api.ChatTokens()); n != 4 {
		t.Fatalf("%d tokens made, want 4", n)
	}
	// A forged X-Forwarded-For counts for nothing without TrustForwarded.
	if w := ask(v, "192.0.2.1", "", "X-Forwarded-For", "198.51.100.9"); w.Code != 429 {
		t.Fatalf("forged X-Forwarded-For: %d", w.Code)
	}
	_, proxied, _ := newVendor(t, Options{Burst: 1, TrustForwarded: true}, io.Discard)
	decode(t, ask(proxied, "10.0.0.1", "", "X-Forwarded-For", "1.2.3.4, 198.51.100.7"))
	decode(t, ask(proxied, "10.0.0.1", "", "X-Forwarded-For", "198.51.100.8"))
	if w := ask(proxied, "10.0.0.1", "", "X-Forwarded-For", "9.9.9.9, 198.51.100.7"); w.Code != 429 {
		t.Fatalf("same client behind the proxy: %d", w.Code)
	}
}

// TestCORS: a page from a configured origin gets the CORS headers (and a
// preflight answer); one from any other origin is refused before a token
// is made; a request without Origin (not a browser page) is served.
func TestCORS(t *testing.T) {
	api, v, _ := newVendor(t, Options{Origins: []string{"https://shop.example"}, Burst: 100}, io.Discard)
	w := ask(v, "192.0.2.1", "", "Origin", "https://shop.example")
	decode(t, w)
	if w.Header().Get("Access-Control-Allow-Origin") != "https://shop.example" || w.Header().Get("Vary") != "Origin" {
		t.Fatalf("allowed origin: %v", w.Header())
	}
	r := httptest.NewRequest(http.MethodOptions, "/token", nil)
	r.Header.Set("Origin", "https://shop.example")
	r.Header.Set("Access-Control-Request-Method", "POST")
	pw := httptest.NewRecorder()
	v.ServeHTTP(pw, r)
	if pw.Code != http.StatusNoContent || pw.Header().Get("Access-Control-Allow-Methods") != "POST, OPTIONS" ||
		pw.Header().Get("Access-Control-Allow-Headers") != "Content-Type" {
		t.Fatalf("preflight: %d %v", pw.Code, pw.Header())
	}
	for _, o := range []string{"https://evil.example", "https://shop.example.evil.example", "http://shop.example", "null"} {
		w := ask(v, "192.0.2.1", "", "Origin", o)
		if w.Code != http.StatusForbidden || w.Header().Get("Access-Control-Allow-Origin") != "" || !strings.Contains(w.Body.String(), "origin") {
			t.Errorf("%s: %d %v %s", o, w.Code, w.Header(), w.Body)
		}
	}
	decode(t, ask(v, "192.0.2.1", ""))
	if n := len(api.ChatTokens()); n != 2 {
		t.Fatalf("%d tokens made, want 2", n)
	}
}

// TestIssuerFailure: when IVS Chat makes no token the buyer gets 502 with
// no detail, and the log has IVS's error but no secret.
func TestIssuerFailure(t *testing.T) {
	var logs bytes.Buffer
	api, v, _ := newVendor(t, Options{}, &logs)
	api.RoomARN += "-gone"
	w := ask(v, "192.0.2.1", "")
	if w.Code != http.StatusBadGateway || strings.Contains(w.Body.String(), "ResourceNotFound") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if !strings.Contains(logs.String(), "ResourceNotFoundException") || strings.Contains(logs.String(), "very-secret") {
		t.Fatalf("log: %s", logs.String())
	}
}

// TestClientKeyIPv6Prefix: every address of one IPv6 /64 shares a rate
// limit (a subscriber gets a whole /64); IPv4 counts by address.
func TestClientKeyIPv6Prefix(t *testing.T) {
	if a, b := clientKey("2001:db8:1:2::1"), clientKey("2001:db8:1:2:ffff::9"); a != b || a != "2001:db8:1:2::/64" {
		t.Errorf("one /64 keyed %q and %q", a, b)
	}
	if clientKey("2001:db8:1:3::1") == clientKey("2001:db8:1:2::1") {
		t.Error("two /64s share a key")
	}
	if clientKey("192.0.2.7") != "192.0.2.7" || clientKey("not an ip") != "not an ip" {
		t.Error("IPv4 or junk changed")
	}
}
