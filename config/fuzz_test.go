package config

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// maxFuzzInput bounds what the fuzzer's inputs may grow to.
const maxFuzzInput = 8 << 10

// FuzzParse feeds the TOML loader anything: it must never panic, and what
// it accepts must validate again and survive a save and a load unchanged
// in meaning (encoded as Save encodes it); what it refuses, it refuses with errors that name a key or
// a line.
func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile("../pitchbox.example.toml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("[camera]\nwidth = 1280\n[[preset]]\nname = \"a\"\nqr = \"x\"\nx = nan\ny = 0.5\n"))
	f.Add([]byte("[cameras]\nwidth = 1\n[a.b.c]\nd = 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzInput {
			return // a config is a few KB; longer only slows the search
		}
		c, err := Parse("", data)
		if err != nil {
			if msg := err.Error(); msg == "" || !strings.HasPrefix(msg, "config: ") {
				t.Fatalf("error %q does not say it is the config's", msg)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted, then invalid: %v", err)
		}
		var b bytes.Buffer
		if err := toml.NewEncoder(&b).Encode(c); err != nil {
			t.Fatalf("encode, as Save does: %v", err)
		}
		back, err := Parse("", b.Bytes())
		if err != nil {
			t.Fatalf("saved config does not load: %v", err)
		}
		if len(back.Presets) != len(c.Presets) || back.Camera != c.Camera || back.Encoder != c.Encoder {
			t.Fatalf("round trip changed the config")
		}
	})
}
