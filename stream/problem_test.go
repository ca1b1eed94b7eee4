package stream

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestExplain: each way a session fails gets its plain words, the
// technical text stays out of them, and IVS is named when it is IVS.
func TestExplain(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, refused := net.DialTimeout("tcp", addr, time.Second)
	for _, c := range []struct {
		err     error
		service string
		want    string
	}{
		{&RejectedError{Reason: "publish refused: NetStream.Publish.BadName"}, "IVS", "IVS refused the stream key"},
		{&RejectedError{Reason: "connect to app \"x\" refused: …"}, "The server", "The server refused the stream URL"},
		{&RejectedError{Reason: "the URL needs an app and a stream key: rtmp://h/"}, "IVS", "The stream URL is not valid"},
		{&RejectedError{Reason: "stream ended by the server: NetStream.Unpublish.Success"}, "IVS", "IVS ended the stream"},
		{&RejectedError{Reason: "createStream refused: _error"}, "The server", "The server refused the stream"},
		{&RejectedError{Reason: "srt: the listener refused the passphrase (SRT_REJ_BADSECRET)"}, "IVS", "IVS refused the SRT passphrase"},
		{&RejectedError{Reason: "the WHIP server refused the token (HTTP 401 Unauthorized)"}, "IVS", "IVS refused the token"},
		{&RejectedError{Reason: "the WHIP server wants a token and none is set (HTTP 401 Unauthorized)"}, "The server", "The server needs a token"},
		{&RejectedError{Reason: "the WHIP server redirects to an insecure URL, http://x/: the token is not sent there"}, "IVS", "IVS sent the box to an address it does not trust"},
		{&RejectedError{Reason: "the WHIP server refused the stream's offer (HTTP 400 Bad Request)"}, "IVS", "IVS cannot take the stream's video or sound format"},
		{&RejectedError{Reason: "cannot create recording: permission denied"}, "The server", "Recordings cannot be written"},
		{fmt.Errorf("stream: cannot reach: %w", refused), "The server", "The server is not accepting connections"},
		{&net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}}, "IVS", "Cannot find IVS: is the box connected to the internet?"},
		{fmt.Errorf("stream: read: %w", io.EOF), "IVS", "Internet connection lost"},
		{&net.OpError{Op: "write", Err: timeoutErr{}}, "IVS", "Internet connection lost"},
		{fmt.Errorf("stream: %w: 8 MB must stay free", ErrNoSpace), "The server", "The disk is full"},
		{&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, "IVS", "IVS's certificate is not trusted"},
		{errors.New("stream: something odd"), "IVS", "The connection to IVS failed"},
	} {
		got := Explain(c.err, c.service)
		if !strings.HasPrefix(got, c.want) {
			t.Errorf("Explain(%v) = %q, want %q…", c.err, got, c.want)
		}
		if strings.Contains(got, "stream:") || strings.Contains(got, "127.0.0.1") {
			t.Errorf("Explain(%v) = %q carries the technical text", c.err, got)
		}
	}
	if Service("abc.global-contribute.live-video.net") != "IVS" || serviceOf("rtmp://127.0.0.1/live/****") != "The server" {
		t.Error("IVS ingest hosts are not told apart from other servers")
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }
