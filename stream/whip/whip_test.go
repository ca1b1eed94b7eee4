package whip

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/e2e/harness"
	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/internal/wait"
	"github.com/pitchbox/pitchbox/stream"
)

const testToken = "eyJhbGciOiJFUzM4NCJ9.participant-token.c2VjcmV0"

// open publishes to srv with token, failing the test on an error.
func open(t testing.TB, url, token string) stream.Session {
	t.Helper()
	s, err := (&WHIP{URL: url, Token: token}).Open(context.Background(), stream.Header{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// serverConnected waits until the server's side of its latest session is
// connected too.
func serverConnected(t testing.TB, srv *harness.WHIPServer) {
	t.Helper()
	wait.For(t, 5*time.Second, "the server's side connected", func() bool {
		ss := srv.Sessions()
		return len(ss) > 0 && ss[len(ss)-1].Connected
	})
}

// noSecret fails the test if s shows the token.
func noSecret(t *testing.T, s string) {
	t.Helper()
	if strings.Contains(s, testToken) || strings.Contains(s, "c2VjcmV0") {
		t.Errorf("shows the token: %s", s)
	}
}

// TestRefusedToken: no token, or a wrong one, is a RejectedError naming
// HTTP 401 and never showing the token.
func TestRefusedToken(t *testing.T) {
	srv := harness.StartWHIP(t, harness.WHIPOptions{Token: "the-right-token"})
	for _, c := range []struct{ name, token, want, explained string }{
		{"none", "", "wants a token and none is set (HTTP 401)", "IVS needs a token (the stage's participant token) and none is set"},
		{"wrong", testToken, "refused the token (HTTP 401)", "IVS refused the token (is the stage's participant token still valid?)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := (&WHIP{URL: srv.URL, Token: c.token}).Open(context.Background(), stream.Header{})
			if !stream.IsRejected(err) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("%v: want a RejectedError saying %q", err, c.want)
			}
			noSecret(t, err.Error())
			if got := stream.Explain(err, "IVS"); got != c.explained {
				t.Errorf("explained as %q, want %q", got, c.explained)
			}
		})
	}
	if n := len(srv.Sessions()); n != 0 {
		t.Fatalf("%d sessions made without the token", n)
	}
}

// TestRedirectKeepsToken: the POST redirected to another host:port is
// re-sent there with the token; the session lives there, and Close
// DELETEs it there with the token.
func TestRedirectKeepsToken(t *testing.T) {
	for _, c := range []struct {
		name   string
		client *http.Client
	}{{"default client", nil}, {"own client", &http.Client{Timeout: 5 * time.Second}}} {
		t.Run(c.name, func(t *testing.T) { redirectKeepsToken(t, c.client) })
	}
}

func redirectKeepsToken(t *testing.T, client *http.Client) {
	srv := harness.StartWHIP(t, harness.WHIPOptions{Token: testToken, Redirect: true})
	start := time.Now()
	s, err := (&WHIP{URL: srv.URL, Token: testToken, Client: client}).Open(context.Background(), stream.Header{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Open took %v", time.Since(start))
	serverConnected(t, srv)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	want := []harness.WHIPRequest{
		{Method: "POST", Path: "/whip", Listener: 1, TokenOK: true, Status: 307},
		{Method: "POST", Path: "/whip", Listener: 2, TokenOK: true, Status: 201},
		{Method: "DELETE", Path: "/resource/1", Listener: 2, TokenOK: true, Status: 200},
	}
	got := srv.Requests()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("requests:\n%+v\nwant\n%+v", got, want)
	}
	if ss := srv.Sessions(); len(ss) != 1 || !ss[0].Connected || !ss[0].Deleted || !ss[0].Ended {
		t.Fatalf("sessions %+v", ss)
	}
	if !errors.Is(s.Err(), errClosed) {
		t.Fatalf("Err after Close: %v", s.Err())
	}
	select {
	case <-s.Done():
	default:
		t.Fatal("Done open after Close")
	}
}

// TestRedirectLoop: more than five redirects is a clear error, after six
// POSTs.
func TestRedirectLoop(t *testing.T) {
	var posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := posts.Add(1)
		http.Redirect(w, r, fmt.Sprintf("/whip/%d", n%2), http.StatusPermanentRedirect)
	}))
	defer srv.Close()
	_, err := (&WHIP{URL: srv.URL + "/whip", Token: testToken}).Open(context.Background(), stream.Header{})
	if !errors.Is(err, errTooManyRedirects) || !strings.Contains(err.Error(), "redirected more than 5 times") {
		t.Fatalf("%v: want the redirect loop named", err)
	}
	if n := posts.Load(); n != 6 {
		t.Fatalf("%d POSTs, want 6", n)
	}
	noSecret(t, err.Error())
}

// TestStatuses: what each answer becomes. Refusals of the URL or offer are
// RejectedErrors (retried slowly), a busy or broken server an ordinary
// error (retried soon).
func TestStatuses(t *testing.T) {
	for _, c := range []struct {
		code     int
		body     string
		rejected bool
		want     string
	}{
		{403, "token expired", true, "refused the token (HTTP 403: token expired)"},
		{404, "", true, "does not know the URL"},
		{400, "no video\nsecond line", true, "refused the stream's offer (HTTP 400: no video)"},
		{302, "", true, "not a WHIP endpoint"},
		{429, "", false, "is busy (HTTP 429)"},
		{503, "echo " + testToken, false, "answered HTTP 503: echo ****"},
	} {
		t.Run(fmt.Sprint(c.code), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if c.code == 302 {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(c.code)
				fmt.Fprint(w, c.body)
			}))
			defer srv.Close()
			_, err := (&WHIP{URL: srv.URL + "/whip?key=" + testToken, Token: testToken}).Open(context.Background(), stream.Header{})
			if err == nil || stream.IsRejected(err) != c.rejected || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("%v: want rejected=%v and %q", err, c.rejected, c.want)
			}
			noSecret(t, err.Error())
		})
	}
}

// TestNotFoundExplained: a 404 tells the seller the URL is wrong.
func TestNotFoundExplained(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	_, err := (&WHIP{URL: srv.URL + "/whip"}).Open(context.Background(), stream.Header{})
	if got := stream.Explain(err, "IVS"); got != "The stream URL is not valid" {
		t.Fatalf("%v explained as %q", err, got)
	}
}

// TestInsecureURLs: the token never goes over plain http to another
// machine, neither configured nor by redirect.
func TestInsecureURLs(t *testing.T) {
	_, err := (&WHIP{URL: "http://whip.example/whip", Token: testToken}).Open(context.Background(), stream.Header{})
	if !stream.IsRejected(err) || !strings.Contains(err.Error(), "plain http") {
		t.Fatalf("%v: want plain http refused", err)
	}
	var leaked atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/whip" {
			leaked.Store(true)
		}
		http.Redirect(w, r, "http://192.0.2.1/whip?t=x", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	_, err = (&WHIP{URL: srv.URL + "/whip", Token: testToken}).Open(context.Background(), stream.Header{})
	if !stream.IsRejected(err) || !strings.Contains(err.Error(), "insecure URL, http://192.0.2.1/whip?t=****") {
		t.Fatalf("%v: want the insecure redirect refused", err)
	}
	if leaked.Load() {
		t.Fatal("the redirect was followed")
	}
	for _, u := range []string{"ftp://whip.example/", "https://user:pw@whip.example/", "::"} {
		if _, err := (&WHIP{URL: u}).Open(context.Background(), stream.Header{}); !stream.IsRejected(err) {
			t.Errorf("%s: %v: want a RejectedError", u, err)
		}
	}
}

// TestTokenStaysInItsDomain: the token follows a redirect only within
// the configured host's domain (IVS's global endpoint to a regional one),
// and never from a remote server to plain http on this machine.
func TestTokenStaysInItsDomain(t *testing.T) {
	for _, c := range []struct {
		from, to string
		ok       bool
	}{
		{"https://global.whip.live-video.net/", "https://pdx-1.whip.live-video.net/whip/x", true},
		{"https://global.whip.live-video.net/", "https://whip.attacker.example/steal", false},
		{"https://whip.shop.co.uk/", "https://other.co.uk/", false},
		{"https://global.whip.live-video.net/", "http://127.0.0.1:1/steal", false},
		{"https://203.0.113.5/whip", "https://203.0.113.6/whip", false},
		{"http://127.0.0.1:8080/whip", "http://localhost:9090/whip", true},
	} {
		from, _ := url.Parse(c.from)
		g := &signal{token: testToken, origin: from}
		resp := &http.Response{StatusCode: http.StatusTemporaryRedirect, Header: http.Header{"Location": {c.to}}}
		_, err := g.location(from, resp, "redirected")
		if (err == nil) != c.ok {
			t.Errorf("%s → %s: %v, want allowed %v", c.from, c.to, err, c.ok)
		}
		if err != nil && (!stream.IsRejected(err) || !strings.Contains(err.Error(), "the token is not sent there")) {
			t.Errorf("%s → %s: %v: want a RejectedError saying the token stays", c.from, c.to, err)
		}
	}
}

// TestString masks the token, user, and query values.
func TestString(t *testing.T) {
	for _, c := range []struct{ url, want string }{
		{"https://global.whip.live-video.net", "https://global.whip.live-video.net"},
		{"https://whip.example/v1/whip?token=" + testToken + "&room=x", "https://whip.example/v1/whip?token=****&room=****"},
		{"https://me:" + testToken + "@whip.example/whip", "https://****@whip.example/whip"},
		{"https://whip.example/" + testToken + "/publish", "https://whip.example/****/publish"},
		{"https://whip.example/%zz" + testToken, "(invalid URL)"},
		{"https://whip.example/pub?s3cr3tstreamkey", "https://whip.example/pub?****"},
	} {
		d := &WHIP{URL: c.url, Token: testToken}
		if got := d.String(); got != c.want {
			t.Errorf("%s: %q, want %q", c.url, got, c.want)
		}
		noSecret(t, d.String())
	}
}

// TestProbe: a full offer/answer, then DELETE at once; a wrong token is
// refused.
func TestProbe(t *testing.T) {
	srv := harness.StartWHIP(t, harness.WHIPOptions{Token: testToken})
	if err := (&WHIP{URL: srv.URL, Token: testToken}).Probe(context.Background()); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[0].Status != 201 || reqs[1].Method != "DELETE" || reqs[1].Status != 200 {
		t.Fatalf("requests %+v", reqs)
	}
	if err := (&WHIP{URL: srv.URL, Token: "wrong"}).Probe(context.Background()); !stream.IsRejected(err) {
		t.Fatalf("wrong token: %v", err)
	}
}

// TestDoneWhenServerEnds: the server ending the session (DTLS
// close_notify) ends it here at once, and Err says so.
func TestDoneWhenServerEnds(t *testing.T) {
	srv := harness.StartWHIP(t, harness.WHIPOptions{})
	s := open(t, srv.URL, "")
	defer s.Close()
	serverConnected(t, srv)
	srv.Hangup()
	select {
	case <-s.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("Done still open")
	}
	if err := s.Err(); err == nil || !strings.Contains(err.Error(), "ended the session") {
		t.Fatalf("Err %v", err)
	}
	if err := s.WriteVideo(&encode.Packet{Data: []byte{0, 0, 0, 1, 0x65, 0x88}}, 0); err != s.Err() {
		t.Fatalf("write after Done: %v", err)
	}
}

// TestDoneWhenServerGoes: a server that vanishes without a word ends the
// session within the ICE timeouts, and Err says so.
func TestDoneWhenServerGoes(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the ICE timeouts")
	}
	srv := harness.StartWHIP(t, harness.WHIPOptions{})
	s := open(t, srv.URL, "")
	defer s.Close()
	serverConnected(t, srv)
	srv.Silence()
	start := time.Now()
	select {
	case <-s.Done():
	case <-time.After(iceDisconnected + iceFailed + 5*time.Second):
		t.Fatal("Done still open")
	}
	t.Logf("Done after %v: %v", time.Since(start), s.Err())
	if err := s.Err(); err == nil || !strings.Contains(err.Error(), "ICE failed") {
		t.Fatalf("Err %v: want ICE failure", err)
	}
}

// TestSessionsLeakNothing: after Close every goroutine a session started
// is gone.
func TestSessionsLeakNothing(t *testing.T) {
	srv := harness.StartWHIP(t, harness.WHIPOptions{Token: testToken})
	open(t, srv.URL, testToken).Close() // warm up the HTTP connection pool
	before := runtime.NumGoroutine()
	for range 5 {
		s := open(t, srv.URL, testToken)
		if err := s.WriteVideo(&encode.Packet{Data: []byte{0, 0, 0, 1, 0x65, 0x88, 0x84}}, 0); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	wait.For(t, 5*time.Second, fmt.Sprintf("goroutines back to %d", before), func() bool {
		return runtime.NumGoroutine() <= before
	})
}
