package stream

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/internal/wait"
)

// smallDisk is a folder on a tmpfs of size bytes, mounted for the test
// (the tests run as root in CI). Elsewhere the disk is faked: free is
// size less what the folder holds (writes then never fail for lack of
// space), and fake reports so.
func smallDisk(t *testing.T, size int64) (dir string, free func(string) (int64, error), fake bool) {
	t.Helper()
	dir = t.TempDir()
	err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+strconv.FormatInt(size, 10))
	if err == nil {
		t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
		return dir, diskFree, false
	}
	t.Logf("cannot mount a tmpfs (%v): faking a %d-byte disk", err, size)
	return dir, func(d string) (int64, error) {
		used := int64(0)
		es, _ := os.ReadDir(d)
		for _, e := range es {
			if info, err := e.Info(); err == nil {
				used += info.Size()
			}
		}
		return size - used, nil
	}, true
}

// writeStream writes secs seconds of 30 fps video (a keyframe every
// second, 20 KB a frame: 600 KB/s) and audio to s, calling each after
// every keyframe.
func writeStream(t *testing.T, s Session, secs int, each func()) {
	t.Helper()
	v := encode.NewPacket(encode.Video)
	v.Data = append(v.Data, keyframe(20<<10)...)
	a := encode.NewPacket(encode.Audio)
	a.Data = append(a.Data, make([]byte, 300)...)
	for i := 0; i < secs*30; i++ {
		ts := time.Duration(i) * time.Second / 30
		v.Key, v.PTS, v.DTS = i%30 == 0, ts, ts
		if err := s.WriteVideo(v, ts); err != nil {
			t.Fatalf("at %v: %v", ts, err)
		}
		if err := s.WriteAudio(a, ts); err != nil {
			t.Fatalf("at %v: %v", ts, err)
		}
		if v.Key {
			each()
		}
	}
}

// TestRecordingKeepsFreeSpaceOnASmallDisk: 90 s of 600 KB/s recorded in
// 4 s files on a 16 MB disk that must keep 4 MB free. The recorder never
// fails, the free space never drops below 4 MB by more than one file
// (2.4 MB), the oldest recordings go first and the one being written
// never, and no file is left empty.
func TestRecordingKeepsFreeSpaceOnASmallDisk(t *testing.T) {
	dir, free, _ := smallDisk(t, 16<<20)
	var opened, deleted []string
	clock := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	f := &File{Dir: dir, Now: func() time.Time { clock = clock.Add(4 * time.Second); return clock }, KeepFree: 4 << 20, Split: 4 * time.Second, FreeSpace: free,
		OnOpen:   func(p string) { opened = append(opened, p) },
		OnDelete: func(p string) { deleted = append(deleted, p) }}
	s, err := f.Open(context.Background(), Header{SPS: testSPS, PPS: testPPS, AudioConfig: asc48kMono})
	if err != nil {
		t.Fatal(err)
	}
	const fileWorth = 4 * 600 << 10
	low := int64(1 << 62)
	writeStream(t, s, 90, func() {
		n, err := free(dir)
		if err != nil {
			t.Fatal(err)
		}
		low = min(low, n)
		if n < f.KeepFree-fileWorth {
			t.Fatalf("%d bytes free after file %d, want at least %d", n, len(opened), f.KeepFree-fileWorth)
		}
		if len(deleted) > 0 && deleted[len(deleted)-1] == opened[len(opened)-1] {
			t.Fatalf("deleted the file being written, %s", deleted[len(deleted)-1])
		}
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if len(opened) < 20 || len(deleted) < 15 {
		t.Fatalf("%d files made, %d deleted; want at least 20 and 15", len(opened), len(deleted))
	}
	for i, d := range deleted {
		if d != opened[i] {
			t.Fatalf("deletion %d was %s, want the oldest, %s", i, filepath.Base(d), filepath.Base(opened[i]))
		}
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(left) != len(opened)-len(deleted) {
		t.Fatalf("%d files left, want %d", len(left), len(opened)-len(deleted))
	}
	for _, p := range left {
		if st, err := os.Stat(p); err != nil || st.Size() < 1<<20 {
			t.Fatalf("%s: %v, want a recording of over 1 MB", p, err)
		}
	}
	t.Logf("%d files made, %d deleted, %d left; lowest free space %.1f MB (keep 4 MB)",
		len(opened), len(deleted), len(left), float64(low)/(1<<20))
}

// TestRecordingStopsOnAFullDiskWithoutEmptyFiles: on a disk that has
// less than KeepFree left and nothing of the recorder's to delete, the
// publisher reports the problem and retries, creating no file, and never
// touches other files; once space is back it records again.
func TestRecordingStopsOnAFullDiskWithoutEmptyFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	var space atomic.Int64
	space.Store(1 << 20)
	f := &File{Dir: dir, KeepFree: 4 << 20, FreeSpace: func(string) (int64, error) { return space.Load(), nil }}
	feed := &keyframeFeed{}
	p := NewPublisher(f, Options{Logger: quiet, RequestKeyframe: feed.request, AudioConfig: asc48kMono,
		DiskRetry: 5 * time.Millisecond})
	feed.pub.Store(p)
	defer p.Close()
	feed.request()
	var st Status
	// Attempts come 5 ms apart: between two the state is reconnecting,
	// during one connecting; look between two.
	wait.For(t, 10*time.Second, "20 failed attempts", func() bool {
		st = p.Status()
		return feed.pts.Load() >= int64(20*time.Second) && st.State == Reconnecting
	})
	if !strings.Contains(st.LastError, "not enough free space") ||
		!strings.Contains(st.LastError, "4 MB must stay free") || st.Connects != 0 {
		t.Fatalf("status %+v, want reconnecting with an error naming the free space", st)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.flv")); len(m) != 0 {
		t.Fatalf("files %v made on a full disk", m)
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Fatalf("a file the recorder did not make was touched: %v", err)
	}
	space.Store(100 << 20)
	wait.For(t, 10*time.Second, "recording again once space is back", func() bool {
		return p.Status().State == Live
	})
}

// TestRecordingRemovesAFileItCouldNotWrite: on a tmpfs filled to the
// last byte with no limit set, every attempt fails at the header and
// leaves no file behind.
func TestRecordingRemovesAFileItCouldNotWrite(t *testing.T) {
	dir, _, fake := smallDisk(t, 1<<20)
	if fake {
		t.Skip("needs a real full disk: run as root to mount a tmpfs")
	}
	fill, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	for {
		if _, err := fill.Write(buf); err != nil {
			break
		}
	}
	fill.Close()
	f := &File{Dir: dir}
	for i := 0; i < 20; i++ {
		_, err := f.Open(context.Background(), Header{SPS: testSPS, PPS: testPPS, AudioConfig: asc48kMono})
		if err == nil || !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("attempt %d on a full disk: %v, want no space left", i, err)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.flv")); len(m) != 0 {
		t.Fatalf("%d files left by failed attempts", len(m))
	}
}
