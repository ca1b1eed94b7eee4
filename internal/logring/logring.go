// Package logring keeps the box's recent log lines for the panel.
package logring

import (
	"bytes"
	"sync"
)

// Ring keeps the last lines written to it, for the panel's System page.
// It is an io.Writer for a slog text handler.
type Ring struct {
	mu    sync.Mutex
	lines []string
	next  int
	full  bool
	part  []byte
}

// New keeps n lines.
func New(n int) *Ring { return &Ring{lines: make([]string, n)} }

// Write implements io.Writer.
func (r *Ring) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			r.part = append(r.part, p...)
			break
		}
		line := string(append(r.part, p[:i]...))
		r.part = r.part[:0]
		p = p[i+1:]
		r.lines[r.next] = line
		r.next = (r.next + 1) % len(r.lines)
		if r.next == 0 {
			r.full = true
		}
	}
	return n, nil
}

// Lines returns the kept lines, oldest first.
func (r *Ring) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.full {
		return append([]string(nil), r.lines[:r.next]...)
	}
	return append(append([]string(nil), r.lines[r.next:]...), r.lines[:r.next]...)
}
