package stream

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
)

// Explain says in a seller's words why a session failed: the text for
// the banner, while the error itself stays the technical detail. service
// names the destination ("IVS", "The server").
func Explain(err error, service string) string {
	var dns *net.DNSError
	var cert *tls.CertificateVerificationError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrNoSpace):
		return "The disk is full: recording stopped until space is freed"
	case errors.As(err, &cert) || strings.Contains(err.Error(), "certificate"):
		return service + "'s certificate is not trusted (check the box's date and time)"
	case IsRejected(err):
		return explainRejected(err.Error(), service)
	case errors.As(err, &dns):
		return "Cannot find " + service + ": is the box connected to the internet?"
	case errors.Is(err, syscall.ECONNREFUSED):
		return service + " is not accepting connections"
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return "No internet connection"
	case isLost(err):
		return "Internet connection lost"
	}
	return "The connection to " + service + " failed"
}

// explainRejected tells a refused key from a bad URL or a local problem.
func explainRejected(msg, service string) string {
	switch {
	case strings.Contains(msg, "recording"):
		return "Recordings cannot be written (check the recordings folder)"
	case strings.Contains(msg, "passphrase"):
		return service + " refused the SRT passphrase"
	case strings.Contains(msg, "wants a token and none is set"):
		return service + " needs a token (the stage's participant token) and none is set"
	case strings.Contains(msg, "refused the token ("):
		return service + " refused the token (is the stage's participant token still valid?)"
	case strings.Contains(msg, "an insecure URL"):
		return service + " sent the box to an address it does not trust with the token"
	case strings.Contains(msg, "refused the stream's offer"), strings.Contains(msg, "answer cannot be used"):
		return service + " cannot take the stream's video or sound format"
	case strings.Contains(msg, "ended by the server"):
		return service + " ended the stream"
	case strings.Contains(msg, "createStream refused"):
		return service + " refused the stream"
	case strings.Contains(msg, "the URL"):
		return "The stream URL is not valid"
	case strings.Contains(msg, "connect to app"):
		return service + " refused the stream URL"
	}
	return service + " refused the stream key"
}

// isLost reports errors of a connection that broke or went silent.
func isLost(err error) bool {
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ETIMEDOUT) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, net.ErrClosed) || errors.As(err, &ne) && ne.Timeout()
}

// Service names the destination host for Explain: "IVS" for Amazon IVS
// ingest endpoints, else "The server".
func Service(host string) string {
	if strings.HasSuffix(host, ".live-video.net") || strings.HasSuffix(host, ".live-video.net.") {
		return "IVS"
	}
	return "The server"
}

// serviceOf is Service of a destination's (redacted) URL.
func serviceOf(dest string) string {
	u, err := url.Parse(dest)
	if err != nil {
		return "The server"
	}
	return Service(u.Hostname())
}
