package whip

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/pitchbox/pitchbox/stream"
	"golang.org/x/net/publicsuffix"
)

// maxRedirects is how many 307/308 redirects one POST follows.
const maxRedirects = 5

// maxAnswer bounds the answer SDP (a few KB in practice) and error bodies.
const maxAnswer = 64 << 10

// signal is the HTTP side of a WHIP session: the token and where it may
// go.
type signal struct {
	client *http.Client
	token  string
	// origin is the configured URL: the token goes only to its host, and
	// to hosts in the same domain it redirects to (IVS's global endpoint
	// sends publishers to regional ones under live-video.net).
	origin *url.URL
}

// post sends the offer to u, following 307 and 308 redirects with the
// same body and the token, and returns the answer SDP and the session
// resource URL (nil when the server gave none).
func (g *signal) post(ctx context.Context, u *url.URL, offer string) (answer string, resource *url.URL, err error) {
	for hops := 0; ; hops++ {
		resp, err := g.do(ctx, http.MethodPost, u, offer)
		if err != nil {
			return "", nil, err
		}
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
		resp.Body.Close()
		switch code := resp.StatusCode; {
		case code == http.StatusTemporaryRedirect || code == http.StatusPermanentRedirect:
			if hops == maxRedirects {
				return "", nil, fmt.Errorf("whip: %s redirected more than %d times (a redirect loop?): %w",
					g.show(u), maxRedirects, errTooManyRedirects)
			}
			if u, err = g.location(u, resp, "redirected"); err != nil {
				return "", nil, err
			}
			continue
		case code == http.StatusCreated || code == http.StatusOK:
			if rerr != nil {
				return "", nil, fmt.Errorf("whip: reading the answer from %s: %w", g.show(u), rerr)
			}
			if len(body) > maxAnswer {
				return "", nil, fmt.Errorf("whip: the answer from %s is larger than %d bytes", g.show(u), maxAnswer)
			}
			if resp.Header.Get("Location") == "" {
				return string(body), nil, nil
			}
			resource, err = g.location(u, resp, "gave the session at")
			return string(body), resource, err
		default:
			return "", nil, g.statusError(u, code, body)
		}
	}
}

// show is u for an error: redacted, the token masked.
func (g *signal) show(u *url.URL) string { return redact(u.String(), g.token) }

// location resolves resp's Location against the request URL u and checks
// that the token may go there.
func (g *signal) location(u *url.URL, resp *http.Response, what string) (*url.URL, error) {
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, fmt.Errorf("whip: %s answered HTTP %d without a Location", g.show(u), resp.StatusCode)
	}
	next, err := u.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("whip: %s %s an invalid Location", g.show(u), what)
	}
	if next.User != nil {
		return nil, fmt.Errorf("whip: %s %s a URL with a user or password", g.show(u), what)
	}
	if err := checkScheme(next); err != nil || (next.Scheme == "http" && g.origin.Scheme != "http") {
		return nil, &stream.RejectedError{Reason: "the WHIP server " + what + " an insecure URL, " +
			g.show(next) + ": the token is not sent there"}
	}
	if !sameSite(g.origin.Hostname(), next.Hostname()) {
		return nil, &stream.RejectedError{Reason: "the WHIP server " + what + " " + g.show(next) +
			", outside " + g.origin.Hostname() + "'s domain: the token is not sent there"}
	}
	return next, nil
}

// sameSite reports whether the token given for host a may go to host b:
// the same host, two loopback hosts, or two names under the same
// registrable domain (public suffix plus one label).
func sameSite(a, b string) bool {
	if strings.EqualFold(a, b) || (isLoopback(a) && isLoopback(b)) {
		return true
	}
	if net.ParseIP(a) != nil || net.ParseIP(b) != nil {
		return false
	}
	da, err1 := publicsuffix.EffectiveTLDPlusOne(strings.ToLower(a))
	db, err2 := publicsuffix.EffectiveTLDPlusOne(strings.ToLower(b))
	return err1 == nil && err2 == nil && da == db
}

// do makes one request with the bearer token. A network error names the
// host, never the token or query.
func (g *signal) do(ctx context.Context, method string, u *url.URL, body string) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, httpTimeout)
	req, err := http.NewRequestWithContext(ctx, method, u.String(), strings.NewReader(body))
	if err != nil {
		cancel()
		return nil, fmt.Errorf("whip: %s: invalid request", g.show(u))
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/sdp")
	}
	if g.token != "" {
		req.Header.Set("Authorization", "Bearer "+g.token)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		cancel()
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // it quotes the whole URL
		}
		return nil, fmt.Errorf("whip: cannot reach %s: %w", g.show(u), err)
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelBody releases the request's context when its body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// statusError turns a refusal into an error: a RejectedError (retried
// slowly) when the token, the URL or the offer is refused, a plain error
// (retried soon) when the server is busy or broken.
func (g *signal) statusError(u *url.URL, code int, body []byte) error {
	status := "HTTP " + strconv.Itoa(code)
	if s := snippet(body, g.token); s != "" {
		status += ": " + s
	}
	switch code {
	case http.StatusUnauthorized, http.StatusForbidden:
		if g.token == "" {
			return &stream.RejectedError{Reason: "the WHIP server wants a token and none is set (" + status + ")"}
		}
		return &stream.RejectedError{Reason: "the WHIP server refused the token (" + status + ")"}
	case http.StatusNotFound, http.StatusGone:
		return &stream.RejectedError{Reason: "the WHIP server does not know the URL " + g.show(u) + " (" + status + ")"}
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther:
		return &stream.RejectedError{Reason: "the URL is not a WHIP endpoint: the server redirects it with " + status}
	case http.StatusRequestTimeout, http.StatusConflict, http.StatusTooManyRequests:
		return fmt.Errorf("whip: %s is busy (%s)", g.show(u), status)
	}
	if code >= 400 && code < 500 {
		return &stream.RejectedError{Reason: "the WHIP server refused the stream's offer (" + status + ")"}
	}
	return fmt.Errorf("whip: %s answered %s", g.show(u), status)
}

// snippet is the start of an error body, one line of printable text at
// most 120 characters long, with the token masked.
func snippet(body []byte, token string) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
	s = strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, s)
	s = maskToken(s, token) // before cutting, which could split the token
	if r := []rune(s); len(r) > 120 {
		s = string(r[:120]) + "…"
	}
	return s
}

// remove DELETEs the session resource. Errors are ignored: the server
// ends the session anyway once the media stops.
func (g *signal) remove(u *url.URL) {
	ctx, cancel := context.WithTimeout(context.Background(), deleteTimeout)
	defer cancel()
	resp, err := g.do(ctx, http.MethodDelete, u, "")
	if err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
	resp.Body.Close()
}
