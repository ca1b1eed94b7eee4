package stream

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"time"
)

// ErrNoSpace means the recording folder's disk has less free space than
// the recorder must keep, and no older recording is left to delete. The
// publisher retries it slowly, as it does a refused stream.
var ErrNoSpace = errors.New("stream: not enough free space to record")

// checkEvery is how much stream the recorder writes between two looks at
// the free space (and between two deletions of old recordings).
const checkEvery = 5 * time.Second

// recordingPattern matches the files File makes, and only those: the
// recorder never deletes anything else.
const recordingPattern = "pitchbox-*.flv"

// diskFree is the space an unprivileged process may still write on the
// filesystem holding dir, in bytes.
func diskFree(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("stream: free space of %s: %w", dir, err)
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}

// freeSpace is f.FreeSpace, or the filesystem's own answer.
func (f *File) freeSpace() (int64, error) {
	if f.FreeSpace != nil {
		return f.FreeSpace(f.Dir)
	}
	return diskFree(f.Dir)
}

// makeRoom deletes the oldest recordings in Dir, never current, until
// KeepFree bytes are free. It returns ErrNoSpace (wrapped, with the
// numbers) when nothing is left to delete and too little is free.
func (f *File) makeRoom(current string) error {
	if f.KeepFree <= 0 {
		return nil
	}
	free, err := f.freeSpace()
	if err != nil || free >= f.KeepFree {
		return err
	}
	for _, old := range f.oldestFirst(current) {
		if err := os.Remove(old); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("stream: delete old recording: %w", err)
		}
		if f.OnDelete != nil {
			f.OnDelete(old)
		}
		if free, err = f.freeSpace(); err != nil || free >= f.KeepFree {
			return err
		}
	}
	return fmt.Errorf("%w: %d MB free in %s, %d MB must stay free, and no older recording is left to delete",
		ErrNoSpace, free>>20, f.Dir, f.KeepFree>>20)
}

// oldestFirst lists the recordings File made in Dir, except current,
// oldest first (by modification time, then by name: pitchbox-…-2.flv
// comes after pitchbox-….flv of the same second).
func (f *File) oldestFirst(current string) []string {
	paths, _ := filepath.Glob(filepath.Join(f.Dir, recordingPattern))
	type rec struct {
		path string
		mod  time.Time
	}
	var recs []rec
	for _, p := range paths {
		st, err := os.Lstat(p)
		if err != nil || !st.Mode().IsRegular() || p == current {
			continue
		}
		recs = append(recs, rec{p, st.ModTime()})
	}
	sort.Slice(recs, func(i, j int) bool {
		a, b := recs[i], recs[j]
		if !a.mod.Equal(b.mod) {
			return a.mod.Before(b.mod)
		}
		if len(a.path) != len(b.path) {
			return len(a.path) < len(b.path)
		}
		return a.path < b.path
	})
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.path
	}
	return out
}
