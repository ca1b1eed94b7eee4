package config

import (
	"os"
	"strings"
	"testing"
)

// FuzzParse feeds the TOML loader anything: it must never panic, and what
// it accepts must validate again and survive a save and a load unchanged
// in meaning; what it refuses, it refuses with errors that name a key or
// a line.
func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile("../pitchbox.example.toml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("[camera]\nwidth = 1280\n[[preset]]\nname = \"a\"\nqr = \"x\"\nx = nan\ny = 0.5\n"))
	f.Add([]byte("[cameras]\nwidth = 1\n[a.b.c]\nd = 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
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
		path := t.TempDir() + "/p.toml"
		c.StateDir = t.TempDir()
		if err := Save(path, c); err != nil {
			t.Fatalf("save: %v", err)
		}
		back, err := Load(path)
		if err != nil {
			t.Fatalf("saved config does not load: %v", err)
		}
		if len(back.Presets) != len(c.Presets) || back.Camera != c.Camera || back.Encoder != c.Encoder {
			t.Fatalf("round trip changed the config")
		}
	})
}
