package config

import (
	"strings"
	"testing"
)

func TestOutputSRTURL(t *testing.T) {
	ok := "[output]\nurl = \"srt://ingest.example:9000?streamid=sk_x&passphrase=0123456789abc&latency=200\"\n"
	if _, err := Parse("t.toml", []byte(ok)); err != nil {
		t.Fatal(err)
	}
	keyed := "[output]\nurl = \"srt://ingest.example:9000\"\nstream_key = \"sk_x\"\n"
	if _, err := Parse("t.toml", []byte(keyed)); err != nil {
		t.Fatal(err)
	}
	for url, want := range map[string]string{
		"srt://ingest.example?streamid=sk_x":              "no port",
		"srt://ingest.example:9000?passphrase=tooshort":   "passphrase has 8 characters",
		"srt://ingest.example:9000?streamid=sk_x&foo=bar": `unknown parameter "foo"`,
		"srt://ingest.example:9000?latency=1000000":       "milliseconds",
	} {
		_, err := Parse("t.toml", []byte("[output]\nurl = \""+url+"\"\n"))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "output.url") {
			t.Errorf("%s: %v, want output.url … %q", url, err, want)
		}
		if err != nil && (strings.Contains(err.Error(), "sk_x") || strings.Contains(err.Error(), "tooshort")) {
			t.Errorf("%s: error shows a secret: %v", url, err)
		}
	}
}
