package box

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/encode/x264"
	"github.com/pitchbox/pitchbox/internal/wait"
)

// TestFullDiskIsNamedAndTheBoxRecordsAgain records onto a 16 MiB tmpfs
// (root only: the CI runs as root) that something else has filled past
// keep_free_mb: the box keeps running and says the disk is full, makes
// no file, and once space is freed it records again.
func TestFullDiskIsNamedAndTheBoxRecordsAgain(t *testing.T) {
	if !x264.Available {
		t.Fatal("this test needs the x264 backend (cgo + libx264-dev)")
	}
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root (the CI runs the suite as root)")
	}
	c := testConfig(t)
	c.Recording.KeepFreeMB = 8
	dir := RecordingsDir(c)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=16m"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	filler := filepath.Join(dir, "someone-elses.bin")
	if err := os.WriteFile(filler, make([]byte, 10<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := New(c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	runBox(t, b)
	var st control.Status
	wait.For(t, 10*time.Second, "the full disk named", func() bool {
		st = b.Status()
		return st.State == control.Reconnecting && strings.Contains(st.Problem, "disk is full")
	})
	if !strings.Contains(st.Detail, "8 MB must stay free") || st.BitrateKbps != 0 {
		t.Fatalf("detail %q, %v kbps; want the free space named and nothing sent", st.Detail, st.BitrateKbps)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.flv")); len(m) != 0 {
		t.Fatalf("files %v made on a full disk", m)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 15*time.Second, "recording again", func() bool {
		st = b.Status()
		return st.State == control.Recording && !strings.Contains(st.Problem, "disk")
	})
	if _, err := os.Stat(filler); err == nil {
		t.Fatal("the filler came back")
	}
}
