package display_test

import (
	"context"
	"fmt"
	"image"
	"sync"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/display"
	"github.com/pitchbox/pitchbox/display/text"
	"github.com/pitchbox/pitchbox/frame"
)

// memFB is a framebuffer in memory.
type memFB struct {
	mu  sync.Mutex
	f   display.Format
	mem []byte
	n   int
}

func (m *memFB) Draw(img *image.RGBA, r image.Rectangle) {
	m.mu.Lock()
	m.f.Draw(m.mem, img, r)
	m.n++
	m.mu.Unlock()
}

// burstFeed gains a chat message on every call (a busy room) while the
// status stays the same.
type burstFeed struct {
	mu    sync.Mutex
	st    display.State
	calls int
	pic   *frame.Frame
}

func (b *burstFeed) DisplayState() display.State {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls++
	for i := 0; i < 20; i++ {
		n := len(b.st.Messages)
		b.st.Messages = append(b.st.Messages, display.Message{ID: fmt.Sprint(n), Sender: "u", Text: fmt.Sprint("msg ", n)})
	}
	st := b.st
	st.Messages = append([]display.Message(nil), b.st.Messages...)
	return st
}

func (b *burstFeed) Preview(_ context.Context, fn func(*frame.Frame)) bool {
	fn(b.pic)
	return true
}

// TestRunnerRedrawsOnlyOnChangeAtMost10Hz: a chat burst (20 messages per
// poll) redraws the chat at most ten times a second; an unchanged status
// is drawn once; the picture reaches the framebuffer.
func TestRunnerRedrawsOnlyOnChangeAtMost10Hz(t *testing.T) {
	fonts, _ := text.LoadFonts()
	s := display.NewScreen(800, 480, fonts)
	out := &memFB{f: display.RGB565(800, 480), mem: make([]byte, 800*480*2)}
	feed := &burstFeed{st: display.State{Stream: control.Off}, pic: testFrame(t)}
	r := &display.Runner{Screen: s, Out: out, Feed: feed}
	ctx, cancel := context.WithTimeout(context.Background(), 1050*time.Millisecond)
	defer cancel()
	r.Run(ctx)
	// The bound that matters is the upper one; the lower ones only show
	// that the runner ran (a loaded CI machine may miss a tick or two).
	if c := r.ChatDraws.Load(); c < 2 || c > 11 {
		t.Errorf("chat drawn %d times in 1 s for a continuous burst, want at most 11 (and some)", c)
	}
	if c := r.StatusDraws.Load(); c != 1 {
		t.Errorf("unchanged status drawn %d times, want once", c)
	}
	if c := r.PreviewDraws.Load(); c < 1 || c > 6 {
		t.Errorf("preview drawn %d times in 1 s, want at most 6 (and some)", c)
	}
	got := out.f.Read(out.mem)
	want := out.f.Read(func() []byte { b := make([]byte, len(out.mem)); out.f.Draw(b, s.Image(), s.Image().Bounds()); return b }())
	if n, _ := display.Differing(got, want, image.Rectangle{}); n != 0 {
		t.Errorf("the framebuffer differs from the screen in %d pixels", n)
	}
}
