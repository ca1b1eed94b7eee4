// Package whip publishes to a WHIP endpoint (RFC 9725): Amazon IVS
// real-time stages, or any WHIP server. The box offers one sendonly H.264
// track (constrained baseline, packetization-mode 1) and one Opus track,
// gathers every ICE candidate before POSTing the offer (no trickle ICE),
// follows 307/308 redirects itself keeping the bearer token (IVS's global
// endpoint redirects to a regional one), and DELETEs the session resource
// on Close. It is pure Go, on pion/webrtc, so every build has it.
package whip

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pitchbox/pitchbox/stream"
)

// Available reports whether this build has WHIP: always, as pion is pure
// Go.
const Available = true

// Timeouts. httpTimeout bounds one HTTP request (each redirect hop
// apart), gatherTimeout the ICE candidate gathering before the offer is
// sent with what was found, connectTimeout ICE and DTLS after the answer,
// deleteTimeout the DELETE on Close.
const (
	httpTimeout    = 10 * time.Second
	gatherTimeout  = 3 * time.Second
	connectTimeout = 10 * time.Second
	deleteTimeout  = 2 * time.Second
)

// WHIP publishes to a WHIP endpoint (IVS real-time stages, any WHIP
// server).
type WHIP struct {
	// URL is the endpoint, https://…; http:// only for a server on this
	// machine (a loopback host: tests). Its query may hold secrets.
	URL string
	// Token is the bearer token (an IVS participant token); "" sends no
	// Authorization header. It is sent only to URL and to the URLs the
	// server redirects to, never shown.
	Token string
	// Client makes the HTTP requests; nil: one with sensible timeouts. Its
	// own redirect policy is overridden: Open follows redirects itself.
	Client *http.Client
	// StartKbps is where each session's estimate of its link starts: the
	// encoder's bitrate, so that the adaptive bitrate changes nothing
	// until the link says otherwise. 0: 2500 kbit/s, the box's default.
	StartKbps int
}

// String implements stream.Destination: the URL with its user, query
// values and any copy of the token masked.
func (d *WHIP) String() string { return redact(d.URL, d.Token) }

// Open implements stream.Destination: it offers H.264 and Opus to the
// endpoint and waits until the media connection is up. h is not needed:
// SPS and PPS travel in band, in front of every IDR.
func (d *WHIP) Open(ctx context.Context, _ stream.Header) (stream.Session, error) {
	u, err := d.endpoint()
	if err != nil {
		return nil, err
	}
	s, err := newSession(ctx, u, d.Token, d.client(), d.startKbps())
	if err != nil {
		return nil, err
	}
	if err := s.connect(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Probe makes a full offer/answer exchange and DELETEs the session at
// once, without sending media: it proves the URL and the token.
func (d *WHIP) Probe(ctx context.Context) error {
	u, err := d.endpoint()
	if err != nil {
		return err
	}
	s, err := newSession(ctx, u, d.Token, d.client(), d.startKbps())
	if err != nil {
		return err
	}
	return s.Close()
}

// startKbps is StartKbps, or its default, within the estimate's bounds.
func (d *WHIP) startKbps() int {
	if d.StartKbps <= 0 {
		return defaultStartKbps
	}
	return min(max(d.StartKbps, minEstimateKbps), maxEstimateKbps)
}

// defaultClient is used when WHIP.Client is nil.
var defaultClient = &http.Client{Timeout: httpTimeout, CheckRedirect: noRedirects}

// noRedirects makes an http.Client return redirects to its caller: Go's
// client drops the Authorization header when a redirect leaves the host,
// which IVS's does.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// client is d.Client with its redirect following turned off.
func (d *WHIP) client() *http.Client {
	if d.Client == nil {
		return defaultClient
	}
	c := *d.Client
	c.CheckRedirect = noRedirects
	return &c
}

// endpoint parses and checks the URL.
func (d *WHIP) endpoint() (*url.URL, error) {
	u, err := url.Parse(d.URL)
	if err != nil || u.Host == "" {
		return nil, &stream.RejectedError{Reason: "the URL is not a valid WHIP URL (expected https://HOST/…)"}
	}
	if u.User != nil {
		return nil, &stream.RejectedError{Reason: "the URL must not hold a user or password: WHIP takes a bearer token"}
	}
	if err := checkScheme(u); err != nil {
		return nil, err
	}
	return u, nil
}

// checkScheme accepts https, and http to a loopback host only: the token
// must never cross a network in clear. It checks redirect targets and the
// session URL too.
func checkScheme(u *url.URL) error {
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	case u.Scheme == "http":
		return &stream.RejectedError{Reason: "the URL " + redact(u.String(), "") +
			" is plain http: WHIP needs https (http only for a server on this machine)"}
	}
	return &stream.RejectedError{Reason: "the URL " + redact(u.String(), "") + " is not https"}
}

// isLoopback reports whether host is this machine: localhost or a
// loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redact returns raw with its user, every query value and any copy of
// token masked. An unparsable URL is not shown at all.
func redact(raw, token string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(invalid URL)"
	}
	s := u.Scheme + "://"
	if u.User != nil {
		s += "****@"
	}
	s += u.Host + u.EscapedPath()
	if u.RawQuery != "" {
		params := strings.Split(u.RawQuery, "&")
		for i, p := range params {
			if name, _, ok := strings.Cut(p, "="); ok {
				params[i] = name + "=****"
			} else {
				params[i] = "****" // a bare value may be a key
			}
		}
		s += "?" + strings.Join(params, "&")
	}
	return maskToken(s, token)
}

// maskToken replaces every copy of token in s, plain or URL-escaped.
func maskToken(s, token string) string {
	if token == "" {
		return s
	}
	s = strings.ReplaceAll(s, token, "****")
	if esc := url.PathEscape(token); esc != token {
		s = strings.ReplaceAll(s, esc, "****")
	}
	if esc := url.QueryEscape(token); esc != token {
		s = strings.ReplaceAll(s, esc, "****")
	}
	return s
}

// errTooManyRedirects is wrapped by the error of a POST redirected more
// than maxRedirects times.
var errTooManyRedirects = errors.New("too many redirects")
