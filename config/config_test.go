package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestDefaultsAreValid(t *testing.T) {
	c := Defaults()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if !c.Output.Recording() || !c.Output.AutostartOn() {
		t.Fatal("defaults should record locally and start at once")
	}
}

func TestParseErrors(t *testing.T) {
	dir := t.TempDir()
	png := filepath.Join(dir, "ok.png")
	os.WriteFile(png, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00\x90\x91h6"), 0o644)
	for _, tc := range []struct {
		name, toml string
		want       []string // substrings of the one error line
	}{
		{"unknown key", "[camera]\nwidht = 1280\n", []string{"camera.widht", "unknown key", "width"}},
		{"unknown section", "[cmaera]\n", []string{"cmaera", "unknown key"}},
		{"wrong type", "[camera]\nwidth = \"big\"\n", []string{"camera.width", "incompatible types"}},
		{"syntax", "[camera\n", []string{"line 2", "table name"}},
		{"odd width", "[camera]\nwidth = 1281\n", []string{"camera.width", "1281", "even number"}},
		{"camera format", "[camera]\nformat = \"h264\"\n", []string{"camera.format", `"h264"`, `"mjpeg"`, `"yuyv"`}},
		{"camera decoder", "[camera]\ndecoder = \"gpu\"\n", []string{"camera.decoder", `"gpu"`, `"m2m"`}},
		{"bad device", "[camera]\ndevice = \"webcam\"\n", []string{"camera.device", "testpattern"}},
		{"bad backend", "[encoder]\nbackend = \"nvenc\"\n", []string{"encoder.backend", "x264"}},
		{"bad preset", "[encoder]\npreset = \"turbo\"\n", []string{"encoder.preset", "ultrafast"}},
		{"bitrate", "[encoder]\nbitrate_kbps = 20000\n", []string{"encoder.bitrate_kbps", "8500"}},
		{"scheme", "[output]\nurl = \"http://x/app/\"\n", []string{"output.url", "rtmps://"}},
		{"key without url", "[output]\nstream_key = \"k\"\n", []string{"output.url"}},
		{"unknown position", "[[preset]]\nname = \"a\"\nqr = \"x\"\nposition = \"middle\"\nsize = 0.3\n", []string{`preset["a"].position`, "middle", "top-left"}},
		{"missing image", "[[preset]]\nname = \"a\"\nimage = \"nope.png\"\nsize = 0.3\n", []string{`preset["a"].image`, "nope.png", "no such file"}},
		{"qr and image", "[[preset]]\nname = \"a\"\nqr = \"x\"\nimage = \"ok.png\"\nsize = 0.3\n", []string{"not both"}},
		{"size", "[[preset]]\nname = \"a\"\nqr = \"x\"\nsize = 3\n", []string{`preset["a"].size`, "fraction"}},
		{"duplicate", "[[preset]]\nname = \"a\"\nqr = \"x\"\nsize = 0.3\n[[preset]]\nname = \"a\"\nqr = \"y\"\nsize = 0.3\n", []string{"used by another preset"}},
		{"name with a line break", "[[preset]]\nname = \"a\\nb\"\nqr = \"x\"\nsize = 0.3\n", []string{`preset["a\nb"].name`, "line break"}},
		{"name with spaces around", "[[preset]]\nname = \" a \"\nqr = \"x\"\nsize = 0.3\n", []string{"space"}},
		{"long name", "[[preset]]\nname = \"" + strings.Repeat("ä", 41) + "\"\nqr = \"x\"\nsize = 0.3\n", []string{"41 characters", "1 to 40"}},
		{"same id", "[[preset]]\nname = \"Blue mug\"\nqr = \"x\"\nsize = 0.3\n[[preset]]\nname = \"blue-mug\"\nqr = \"y\"\nsize = 0.3\n", []string{`"blue-mug" is too like "Blue mug"`, `id "blue-mug"`}},
		{"metrics port only", "[metrics]\nlisten = \"9101\"\n", []string{"metrics.listen", `"9101"`, "127.0.0.1:9101"}},
		{"metrics key", "[metrics]\nlistn = \":9101\"\n", []string{"metrics.listn", "[metrics]", "listen"}},
		{"keep free", "[recording]\nkeep_free_mb = -1\n", []string{"recording.keep_free_mb", "-1", "0 for no limit"}},
		{"split", "[recording]\nsplit_minutes = 0\n", []string{"recording.split_minutes", "1 to 1440"}},
		{"recording key", "[recording]\nkeep_free = 10\n", []string{"recording.keep_free", "keep_free_mb"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(filepath.Join(dir, "p.toml"), []byte(tc.toml))
			if err == nil {
				t.Fatal("accepted")
			}
			if !IsInvalid(err) {
				t.Fatalf("%v: not marked as invalid config", err)
			}
			msg := err.Error()
			if strings.Count(msg, "\n") != 0 {
				t.Fatalf("want one line, got:\n%s", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
		})
	}
}

func TestRelativePathsAndValidImage(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "ok.png")
	os.WriteFile(img, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00\x90\x91h6"), 0o644)
	c, err := Parse(filepath.Join(dir, "c.toml"), []byte("state_dir = \"state\"\n[[preset]]\nname = \"a\"\nimage = \"ok.png\"\nsize = 0.3\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Presets[0].Image != img || c.StateDir != filepath.Join(dir, "state") {
		t.Fatalf("paths not resolved: %q %q", c.Presets[0].Image, c.StateDir)
	}
}

func TestStreamKeyFile(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "key")
	if err := WriteSecret(key, "sk_us-west-2_abc"); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(key); st.Mode().Perm() != 0o600 {
		t.Fatalf("secret mode %o", st.Mode().Perm())
	}
	c, err := Parse(filepath.Join(dir, "c.toml"), []byte("[output]\nurl = \"rtmps://h:443/app/\"\nstream_key_file = \"key\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.StreamURL()
	if err != nil || u != "rtmps://h:443/app/sk_us-west-2_abc" {
		t.Fatalf("StreamURL = %q, %v", u, err)
	}
	os.Chmod(key, 0o644)
	_, err = Parse(filepath.Join(dir, "c.toml"), []byte("[output]\nurl = \"rtmps://h:443/app/\"\nstream_key_file = \"key\"\n"))
	if err == nil || !strings.Contains(err.Error(), "must be 0600") || strings.Contains(err.Error(), "sk_us") {
		t.Fatalf("err = %v, want a mode complaint without the key", err)
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	c := Defaults()
	c.StateDir = dir
	x, y := 0.1, 0.2
	c.Presets = []Preset{{Name: "buy", QR: "https://x", X: &x, Y: &y, Size: 0.3}}
	c.Output.URL, c.Output.StreamKey = "rtmps://h/app/", "sk_secret"
	path := filepath.Join(dir, "c.toml")
	if err := Save(path, c); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("config with an inline key saved with mode %o", st.Mode().Perm())
	}
	for _, o := range []Output{{URL: "https://whip.example/", WHIPToken: "t"}, {URL: "srt://h:9000?passphrase=0123456789ab"}, {}} {
		d := Defaults()
		d.StateDir, d.Output = dir, o
		p := filepath.Join(dir, "o.toml")
		os.Remove(p)
		if err := Save(p, d); err != nil {
			t.Fatal(err)
		}
		want := os.FileMode(0o600)
		if o.URL == "" {
			want = 0o644
		}
		if st, _ := os.Stat(p); st.Mode().Perm() != want {
			t.Errorf("output %+v saved with mode %o, want %o", o, st.Mode().Perm(), want)
		}
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Presets[0].Name != "buy" || *back.Presets[0].X != 0.1 || back.Output.StreamKey != "sk_secret" {
		t.Fatalf("round trip lost data: %+v", back)
	}
}

func TestAtomicWriteReplacesOrKeepsOld(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.toml")
	os.WriteFile(path, []byte("old"), 0o644)
	if err := WriteFileAtomic(path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Fatalf("content %q after a save", b)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %o after a save", st.Mode().Perm())
	}
	// A save that fails at the last step (the rename: the target is a
	// non-empty folder) leaves what was there and no temporary file. This
	// fails for root too, unlike a permission check.
	target := filepath.Join(dir, "busy")
	os.MkdirAll(filepath.Join(target, "inside"), 0o755)
	if err := WriteFileAtomic(target, []byte("new"), 0o644); err == nil {
		t.Fatal("renaming over a non-empty folder succeeded")
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(entries) != 2 {
		t.Fatalf("folder holds %v: a temporary file was left behind", names)
	}
	if st, err := os.Stat(filepath.Join(target, "inside")); err != nil || !st.IsDir() {
		t.Fatal("the folder in the way was changed")
	}
}

func TestPrepareStateDirUnwritable(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	os.WriteFile(file, nil, 0o644)
	c := Defaults()
	c.StateDir = filepath.Join(file, "state")
	err := c.PrepareStateDir()
	var e *Error
	if !errors.As(err, &e) || e.Key != "state_dir" {
		t.Fatalf("err = %v, want a state_dir config error", err)
	}
}

// TestExampleConfigLoads keeps the installed example valid: `make install`
// puts it in /etc/pitchbox, and the service must start with it.
func TestExampleConfigLoads(t *testing.T) {
	c, err := Load("../pitchbox.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Presets) == 0 || c.Camera.Device != "auto" {
		t.Fatalf("example config: %+v", c)
	}
}

func TestChatSettings(t *testing.T) {
	c, err := Parse("c.toml", []byte("[chat]\nroom_arn = \"arn:aws:ivschat:eu-west-1:123456789012:room/AbC\"\n"))
	if err != nil || !c.Chat.Enabled() || c.Chat.ChatRegion() != "eu-west-1" {
		t.Fatalf("%+v %v", c.Chat, err)
	}
	for _, bad := range []string{
		"[chat]\nroom_arn = \"room-1\"\n",
		"[chat]\nroom_arn = \"arn:aws:ivschat:eu-west-1:1:room/a\"\ntoken_url = \"https://x\"\n",
		"[chat]\ntoken_url = \"ftp://x\"\n",
	} {
		if _, err := Parse("c.toml", []byte(bad)); err == nil || !strings.Contains(err.Error(), "chat.") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestPresetSizeDefaults: a preset without size gets the default instead
// of an error about 0.
func TestPresetSizeDefaults(t *testing.T) {
	c, err := Parse("", []byte("[[preset]]\nname = \"a\"\nqr = \"x\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Presets[0].Size != DefaultPresetSize {
		t.Fatalf("size %v, want %v", c.Presets[0].Size, DefaultPresetSize)
	}
}

// TestSecretFileMustBeRegular: a secret file that is a device or a pipe is
// refused before it is read (reading /dev/console or a FIFO would block
// the box, and the panel validates every change it is sent).
func TestSecretFileMustBeRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "key")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := Output{URL: "rtmp://x/app/", StreamKeyFile: fifo}.Key(); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("fifo as key file: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("reading a FIFO as the key file blocked")
	}
	big := filepath.Join(dir, "big")
	os.WriteFile(big, make([]byte, 1<<20), 0o600)
	if _, err := (Output{StreamKeyFile: big}).Key(); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Fatalf("1 MiB key file: %v", err)
	}
}

// TestMetricsListen: metrics are off by default; any HOST:PORT or :PORT
// turns them on, loopback or not.
func TestMetricsListen(t *testing.T) {
	if Defaults().Metrics.Enabled() {
		t.Fatal("metrics on by default")
	}
	for _, l := range []string{"127.0.0.1:9101", ":9101", "[::1]:9101", "192.0.2.7:9101"} {
		c, err := Parse("", []byte("[metrics]\nlisten = \""+l+"\"\n"))
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		if c.Metrics.Listen != l || !c.Metrics.Enabled() {
			t.Fatalf("%s: got %+v", l, c.Metrics)
		}
	}
	c, err := Parse("", []byte("[metrics]\nlisten = \"off\"\n"))
	if err != nil || c.Metrics.Enabled() {
		t.Fatalf("off: %+v, %v", c, err)
	}
}

// TestButtonShowsPresetByID: a button may name a free-text preset by its
// id, which has no spaces.
func TestButtonShowsPresetByID(t *testing.T) {
	c := Defaults()
	c.Presets = []Preset{{Name: "Blue mug — €12", QR: "https://shop.example/mug", Position: "center", Size: 0.5}}
	if !c.hasPreset(PresetID("Blue mug — €12")) || !c.hasPreset("Blue mug — €12") || c.hasPreset("blue") {
		t.Fatal("a preset is not found by its id and name alone")
	}
}
