package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBadInputExitsTwoWithOneLine(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "afile")
	os.WriteFile(file, nil, 0o644)
	long := strings.Repeat("q", 3000)
	for _, tc := range []struct {
		name, toml string
		want       []string
	}{
		{"unknown key", "[camera]\nfsp = 30\n", []string{"camera.fsp", "unknown key"}},
		{"wrong type", "[encoder]\nbitrate_kbps = \"fast\"\n", []string{"encoder.bitrate_kbps", "incompatible types"}},
		{"missing image", "[[preset]]\nname = \"p\"\nimage = \"/nonexistent/p.png\"\nsize = 0.3\n", []string{`preset["p"].image`, "/nonexistent/p.png"}},
		{"qr too long", "[[preset]]\nname = \"p\"\nqr = \"" + long + "\"\nsize = 0.3\n", []string{`preset["p"].qr`, "does not fit"}},
		{"unknown position", "[[preset]]\nname = \"p\"\nqr = \"x\"\nposition = \"left\"\nsize = 0.3\n", []string{"position", "\"left\"", "bottom-right"}},
		{"gain nan", "[audio]\ngain_db = nan\n", []string{"audio.gain_db", "NaN", "-20 to 30"}},
		{"gain inf", "[audio]\ngain_db = inf\n", []string{"audio.gain_db", "+Inf"}},
		{"x nan", "[[preset]]\nname = \"p\"\nqr = \"x\"\nx = nan\ny = 0.5\n", []string{`preset["p"].x`, "NaN"}},
		{"size nan", "[[preset]]\nname = \"p\"\nqr = \"x\"\nsize = nan\n", []string{`preset["p"].size`, "NaN"}},
		{"device outside dev", "[camera]\ndevice = \"/dev/../etc/passwd\"\n", []string{"camera.device", "under /dev"}},
		{"device not a device", "[camera]\ndevice = \"/dev/shm\"\n", []string{"camera.device", "not a character device"}},
		{"unknown section", "[cameras]\nwidth = 1280\n", []string{"cameras", "did you mean camera"}},
		{"unwritable state dir", "state_dir = \"" + filepath.Join(file, "state") + "\"\n[camera]\ndevice = \"testpattern\"\n", []string{"state_dir", "cannot be created"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".toml")
			os.WriteFile(cfg, []byte(tc.toml), 0o644)
			var stdout, stderr bytes.Buffer
			code := Main([]string{"run", "--config", cfg, "--socket", filepath.Join(dir, "s.sock")}, &stdout, &stderr)
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitUsage, stderr.String())
			}
			out := stderr.String()
			if strings.Count(out, "\n") != 1 {
				t.Fatalf("want exactly one line, got:\n%s", out)
			}
			if strings.Contains(out, "goroutine") || strings.Contains(out, "panic") {
				t.Fatalf("stack trace in output:\n%s", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("%q lacks %q", out, w)
				}
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"show"}, {"live", "maybe"}, {"run", "--nope"}, {"run", "--config", "/nonexistent.toml"}} {
		var out, errb bytes.Buffer
		if code := Main(args, &out, &errb); code != ExitUsage {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errb.String())
		}
	}
}

func TestClientWithoutBox(t *testing.T) {
	var out, errb bytes.Buffer
	code := Main([]string{"status", "--socket", filepath.Join(t.TempDir(), "none.sock")}, &out, &errb)
	if code != ExitFailure || !strings.Contains(errb.String(), "not running") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
}

func TestFlagsAfterArguments(t *testing.T) {
	var out, errb bytes.Buffer
	sock := filepath.Join(t.TempDir(), "none.sock")
	// The socket flag after the preset name is honoured: the error is about
	// the missing box at that socket, not about usage.
	code := Main([]string{"show", "buy", "--socket", sock}, &out, &errb)
	if code != ExitFailure || !strings.Contains(errb.String(), sock) {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
}

func TestDoctor(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.toml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("state_dir = %q\n[camera]\ndevice = \"testpattern\"\n", filepath.Join(dir, "state"))), 0o644)
	var out, errb bytes.Buffer
	if code := Main([]string{"doctor", "--config", cfg}, &out, &errb); code != ExitOK {
		t.Fatalf("exit %d:\n%s%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"ok    config", "ok    state dir", "ok    camera       testpattern", "encoder", "output       recording",
		"protocols    rtmp, rtmps, srt (libsrt 1.", "whip (WebRTC, Opus sound)"} { // a cgo build has every protocol
		if !strings.Contains(out.String(), want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out.String())
		}
	}
	// An output that cannot be reached and a missing key are failures.
	os.WriteFile(cfg, []byte(fmt.Sprintf("state_dir = %q\n[output]\nurl = \"rtmp://127.0.0.1:9/app/\"\n", filepath.Join(dir, "state"))), 0o644)
	out.Reset()
	if code := Main([]string{"doctor", "--config", cfg}, &out, &errb); code != ExitFailure || !strings.Contains(out.String(), "FAIL  output") || !strings.Contains(out.String(), "FAIL  stream key") {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
	// WHIP: the endpoint is dialled and the token's absence said.
	os.WriteFile(cfg, []byte(fmt.Sprintf("state_dir = %q\n[output]\nurl = \"http://127.0.0.1:9/whip\"\n", filepath.Join(dir, "state"))), 0o644)
	out.Reset()
	if code := Main([]string{"doctor", "--config", cfg}, &out, &errb); code != ExitFailure || !strings.Contains(out.String(), "FAIL  output") ||
		!strings.Contains(out.String(), "(WHIP)") || !strings.Contains(out.String(), "whip token") {
		t.Fatalf("WHIP: exit %d:\n%s", code, out.String())
	}
}
