// Package srturl parses and redacts srt:// publish URLs of the form
// srt://HOST:PORT?streamid=KEY&passphrase=SECRET&latency=MS, as Amazon IVS
// gives them. It has no cgo, so the configuration checks them in every
// build; stream/srt sends over them.
package srturl

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultLatency is the SRT latency when the URL sets none: libsrt's own
// default, which IVS's guides leave as it is (IVS states no other).
const DefaultLatency = 120 * time.Millisecond

// Latency bounds, in milliseconds as libsrt's SRTO_LATENCY takes them.
const (
	MinLatencyMS = 20
	MaxLatencyMS = 10000
)

// Passphrase lengths libsrt accepts (SRTO_PASSPHRASE).
const (
	MinPassphrase = 10
	MaxPassphrase = 79
)

// Params is what an srt:// URL says.
type Params struct {
	// Addr is HOST:PORT.
	Addr string
	// StreamID is the stream key (secret); empty when the URL has none.
	StreamID string
	// Passphrase turns on AES encryption (secret); empty: none.
	Passphrase string
	// Latency is the SRT receiver latency both ends agree on.
	Latency time.Duration
	// PBKeyLen is the AES key length in bytes (16, 24 or 32); 0: libsrt's
	// default.
	PBKeyLen int
}

// Parse checks raw and returns its parameters. Its errors never quote the
// stream id or the passphrase.
func Parse(raw string) (*Params, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("is not a valid URL (expected srt://HOST:PORT?streamid=KEY&passphrase=…)")
	}
	if u.Scheme != "srt" {
		return nil, fmt.Errorf("scheme %q is not srt", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, errors.New("has no host (expected srt://HOST:PORT?streamid=KEY&passphrase=…)")
	}
	if u.Port() == "" {
		return nil, errors.New("has no port (SRT has no default port; IVS listens on 9000: srt://HOST:9000?…)")
	}
	if n, err := strconv.Atoi(u.Port()); err != nil || n < 1 || n > 65535 {
		return nil, errors.New("has an invalid port")
	}
	if p := strings.Trim(u.Path, "/"); p != "" || u.User != nil || u.Fragment != "" {
		return nil, errors.New("has a path, user or fragment; an SRT URL is srt://HOST:PORT?PARAMETERS")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, errors.New("has an invalid query (expected streamid=KEY&passphrase=…&latency=MS)")
	}
	p := &Params{Addr: net.JoinHostPort(u.Hostname(), u.Port()), Latency: DefaultLatency}
	for name, vs := range q {
		if len(vs) != 1 {
			return nil, fmt.Errorf("sets %q more than once", name)
		}
		if err := p.set(name, vs[0]); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// set takes one query parameter.
func (p *Params) set(name, v string) error {
	switch name {
	case "streamid":
		p.StreamID = v
	case "passphrase":
		if n := len(v); n < MinPassphrase || n > MaxPassphrase {
			return fmt.Errorf("passphrase has %d characters; SRT needs %d to %d", n, MinPassphrase, MaxPassphrase)
		}
		p.Passphrase = v
	case "latency":
		ms, err := strconv.Atoi(v)
		if err != nil || ms < MinLatencyMS || ms > MaxLatencyMS {
			return fmt.Errorf("latency %q is not allowed (allowed: %d to %d, in milliseconds)", v, MinLatencyMS, MaxLatencyMS)
		}
		p.Latency = time.Duration(ms) * time.Millisecond
	case "pbkeylen":
		n, err := strconv.Atoi(v)
		if err != nil || (n != 16 && n != 24 && n != 32) {
			return fmt.Errorf("pbkeylen %q is not allowed (allowed: 16, 24, 32)", v)
		}
		p.PBKeyLen = n
	case "mode":
		if v != "caller" {
			return fmt.Errorf("mode %q is not allowed: the box calls the server (mode=caller)", v)
		}
	default:
		return fmt.Errorf("has an unknown parameter %q (allowed: streamid, passphrase, latency, pbkeylen, mode=caller)", name)
	}
	return nil
}

// Check is the configuration's check of an srt:// output URL; haveKey says
// whether output.stream_key or stream_key_file is set, which gives the
// stream id when the URL has none.
func Check(raw string, haveKey bool) error {
	p, err := Parse(raw)
	if err != nil {
		return err
	}
	if p.StreamID != "" && haveKey {
		return errors.New("has a streamid and a stream key is set too; give the key once")
	}
	return nil
}

// secret reports query parameters whose values are never shown: all but
// the known harmless ones, so a misspelt "passprase=" is masked too.
func secret(name string) bool { return name != "latency" && name != "pbkeylen" && name != "mode" }

// Redact masks the stream id and passphrase of an srt:// URL, keeping the
// rest: srt://HOST:PORT?latency=200&passphrase=****&streamid=****.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(invalid URL)"
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return u.Scheme + "://" + u.Host + "?****"
	}
	for name := range q {
		if secret(name) {
			q[name] = []string{"****"}
		}
	}
	s := u.Scheme + "://" + u.Host
	if len(q) > 0 {
		s += "?" + strings.ReplaceAll(q.Encode(), "%2A", "*")
	}
	return s
}
