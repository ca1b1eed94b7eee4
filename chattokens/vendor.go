// Package chattokens is the buyers' IVS Chat token vendor: an HTTP
// handler that gives each buyer's page a single-use token for the shop's
// chat room, able to send messages and nothing else, under a display name
// the buyer chose (checked) or a random one. It limits each client
// address with a token bucket (429 with Retry-After), answers CORS only
// for the configured origins, and never logs or echoes anything secret
// but the buyer's own token. The same handler serves over HTTP
// (`pitchbox chat-tokens serve`) and as an AWS Lambda function behind a
// Function URL or an API Gateway HTTP API (Lambda, cmd/pitchbox-chat-tokens).
package chattokens

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pitchbox/pitchbox/ivs"
)

// Issuer makes a token for a user; *ivs.ChatRoom is one (SEND_MESSAGE
// only).
type Issuer interface {
	BuyerToken(ctx context.Context, userID string, attributes map[string]string) (ivs.BuyerToken, error)
}

// Options are a Vendor's settings; the zero value is usable.
type Options struct {
	// Origins are the web origins ("https://shop.example") whose pages
	// may call the vendor from a browser. Others are refused (403).
	Origins []string
	// Burst tokens per client address, then one every Every (defaults: 5
	// and 12 s).
	Burst int
	Every time.Duration
	// SellerID is the seller's chat user ID, which buyers may not take
	// as a display name.
	SellerID string
	// TrustForwarded takes the client address from X-Forwarded-For's last
	// entry (behind a reverse proxy that sets it); otherwise it is the
	// connection's.
	TrustForwarded bool
	// Logger gets a warning when IVS Chat makes no token and a debug
	// line per refused request (nil: slog.Default()); tokens are never
	// logged.
	Logger *slog.Logger
	// Now replaces the clock (tests).
	Now func() time.Time
}

// Vendor is the token vendor's http.Handler.
type Vendor struct {
	issuer Issuer
	o      Options
	limit  *limiter
}

// New returns a vendor making tokens with issuer.
func New(issuer Issuer, o Options) *Vendor {
	if o.Burst <= 0 {
		o.Burst = 5
	}
	if o.Every <= 0 {
		o.Every = 12 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Vendor{issuer: issuer, o: o, limit: newLimiter(o.Burst, o.Every, o.Now)}
}

// Request is what a page may POST (JSON, optional).
type Request struct {
	// DisplayName is the name shown beside the buyer's messages; ""
	// gets a random one.
	DisplayName string `json:"displayName"`
}

// Response is the vendor's answer: the token's fields as
// amazon-ivs-chat-messaging's tokenProvider wants them, and who it is for.
type Response struct {
	Token                 string    `json:"token"`
	TokenExpirationTime   time.Time `json:"tokenExpirationTime"`
	SessionExpirationTime time.Time `json:"sessionExpirationTime"`
	UserID                string    `json:"userId"`
	DisplayName           string    `json:"displayName"`
}

// maxBody bounds a request body.
const maxBody = 4 << 10

// ServeHTTP answers POST (a token) and OPTIONS (CORS preflight) on any
// path.
func (v *Vendor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if !v.cors(w, r) {
		v.refuse(w, r, http.StatusForbidden, "this page's origin may not ask for chat tokens")
		return
	}
	switch r.Method {
	case http.MethodOptions:
		w.WriteHeader(http.StatusNoContent)
		return
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "POST, OPTIONS")
		v.refuse(w, r, http.StatusMethodNotAllowed, "use POST")
		return
	}
	if ok, wait := v.limit.allow(v.client(r)); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		v.refuse(w, r, http.StatusTooManyRequests, "too many chat tokens asked for from this address; try again later")
		return
	}
	name, err := v.name(r)
	if err != nil {
		v.refuse(w, r, http.StatusBadRequest, err.Error())
		return
	}
	id := newUserID()
	tok, err := v.issuer.BuyerToken(r.Context(), id, map[string]string{"displayName": name})
	if err != nil {
		v.o.Logger.Warn("chat-tokens: no token made", "client", v.client(r), "err", err)
		v.refuse(w, r, http.StatusBadGateway, "the chat room could not make a token; try again later")
		return
	}
	writeJSON(w, http.StatusOK, Response{Token: tok.Value, TokenExpirationTime: tok.TokenExpires,
		SessionExpirationTime: tok.SessionExpires, UserID: id, DisplayName: name})
}

// name is the display name the request asks for, checked, or a random
// one.
func (v *Vendor) name(r *http.Request) (string, error) {
	body, err := readBody(r)
	if err != nil || len(strings.TrimSpace(string(body))) == 0 {
		if err == nil {
			return randomName(), nil
		}
		return "", err
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "text/plain") {
		return "", errors.New("send JSON: {\"displayName\": \"…\"} (or nothing, for a random name)")
	}
	var req Request
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return "", errors.New("the request is not {\"displayName\": \"…\"}: " + err.Error())
	}
	if req.DisplayName == "" {
		return randomName(), nil
	}
	return req.DisplayName, checkName(req.DisplayName, v.o.SellerID)
}

// readBody reads at most maxBody bytes of r's body.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, errors.New("the request could not be read")
	}
	if len(b) > maxBody {
		return nil, errors.New("the request is too long")
	}
	return b, nil
}

// cors sets the CORS headers for an allowed origin and reports whether
// the request may go on: no Origin (not a browser page), or an allowed one.
func (v *Vendor) cors(w http.ResponseWriter, r *http.Request) bool {
	w.Header().Add("Vary", "Origin")
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	if !slices.Contains(v.o.Origins, o) {
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", o)
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Content-Type")
		h.Set("Access-Control-Max-Age", "600")
	}
	return true
}

// client is the address the rate limit counts r against.
func (v *Vendor) client(r *http.Request) string {
	if v.o.TrustForwarded {
		if f := r.Header.Values("X-Forwarded-For"); len(f) > 0 {
			parts := strings.Split(f[len(f)-1], ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); ip != "" {
				return clientKey(ip)
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return clientKey(host)
}

// clientKey is the rate limit's key for an address: an IPv6 client
// counts by its /64 (one subscriber's whole prefix), IPv4 by address.
func clientKey(host string) string {
	ip := net.ParseIP(host)
	if ip == nil || ip.To4() != nil {
		return host
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// refuse answers {"error": msg} with code and logs it at debug level
// (a flood of refusals must not flood the log).
func (v *Vendor) refuse(w http.ResponseWriter, r *http.Request, code int, msg string) {
	v.o.Logger.Debug("chat-tokens: refused", "client", v.client(r), "status", code, "why", msg)
	writeJSON(w, code, map[string]string{"error": msg})
}

// writeJSON answers v as JSON with code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
