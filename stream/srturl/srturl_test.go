package srturl

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	p, err := Parse("srt://ingest.example:9000?streamid=sk_key&passphrase=0123456789abc&latency=250")
	if err != nil {
		t.Fatal(err)
	}
	if p.Addr != "ingest.example:9000" || p.StreamID != "sk_key" || p.Passphrase != "0123456789abc" || p.Latency != 250*time.Millisecond {
		t.Fatalf("%+v", p)
	}
	if p, err = Parse("srt://[::1]:9000"); err != nil || p.Latency != DefaultLatency || p.Addr != "[::1]:9000" {
		t.Fatalf("%+v %v", p, err)
	}
}

func TestParseErrors(t *testing.T) {
	for raw, want := range map[string]string{
		"srt://host?streamid=sk_secret":                         "no port",
		"srt://:9000":                                           "no host",
		"srt://host:9000?passphrase=short":                      "passphrase has 5 characters; SRT needs 10 to 79",
		"srt://host:9000?passphrase=" + strings.Repeat("x", 80): "passphrase has 80",
		"srt://host:9000?latency=5":                             "latency",
		"srt://host:9000?latency=abc":                           "milliseconds",
		"srt://host:9000?passprase=sk_secret":                   `unknown parameter "passprase"`,
		"srt://host:9000?mode=listener":                         "mode=caller",
		"srt://host:9000/app?streamid=sk_secret":                "path",
		"srt://host:9000?streamid=a&streamid=sk_secret":         "more than once",
		"srt://host:99999":                                      "invalid port",
	} {
		_, err := Parse(raw)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", raw, err, want)
		}
		if err != nil && (strings.Contains(err.Error(), "sk_secret") || strings.Contains(err.Error(), "short")) {
			t.Errorf("%s: error shows a secret: %v", raw, err)
		}
	}
}

func TestCheck(t *testing.T) {
	if err := Check("srt://h:9000?streamid=k", true); err == nil {
		t.Fatal("streamid and stream key both set: no error")
	}
	if err := Check("srt://h:9000", true); err != nil {
		t.Fatal(err)
	}
}

func TestRedact(t *testing.T) {
	got := Redact("srt://h:9000?streamid=sk_secret&passphrase=0123456789abc&latency=200&passprase=typo_secret")
	want := "srt://h:9000?latency=200&passphrase=****&passprase=****&streamid=****"
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if got := Redact("srt://h:9000"); got != "srt://h:9000" {
		t.Fatal(got)
	}
	if got := Redact("srt://h:9000?%zz=sk_secret"); strings.Contains(got, "secret") {
		t.Fatal(got)
	}
}
