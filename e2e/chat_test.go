//go:build e2e

package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/chat/chattest"
	"github.com/pitchbox/pitchbox/e2e/harness"
	"github.com/pitchbox/pitchbox/internal/wait"
)

// TestChatThroughTheCLI connects the box to a fake IVS Chat room (tokens
// from a seller backend URL) and reads, posts and deletes through the CLI.
func TestChatThroughTheCLI(t *testing.T) {
	room := chattest.New()
	defer room.Close()
	s := newSetup(t, "")
	cfg := filepath.Join(s.dir, "chat.toml")
	sock := filepath.Join(s.dir, "control.sock")
	err := harness.Config{
		StateDir: filepath.Join(s.dir, "state"), Width: 320, Height: 240, BitrateKbps: 400,
		URL: s.nginx.URL(), Key: streamKey, Socket: sock,
		ChatTokenURL: room.TokenURL(), ChatEndpoint: room.WSURL(),
	}.Write(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := startBox(t, cfg, sock)
	wait.For(t, 10*time.Second, "chat connected", func() bool {
		st, err := b.Status()
		c, _ := st["chat"].(map[string]any)
		return err == nil && c["connected"] == true
	})
	room.Message("q1", "buyer42", "Is it waterproof?")
	list := func() string { out, _ := b.CLI("chat"); return out }
	wait.For(t, 10*time.Second, "the buyer's question", func() bool { return strings.Contains(list(), "buyer42: Is it waterproof?") })
	if _, err := b.CLI("chat", "send", "Yes, to 30 m!"); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 10*time.Second, "the seller's answer", func() bool { return strings.Contains(list(), "seller: Yes, to 30 m!") })
	if _, err := b.CLI("chat", "delete", "q1"); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 10*time.Second, "the question deleted", func() bool { return !strings.Contains(list(), "waterproof") })
	if out, err := b.CLI("chat", "send", strings.Repeat("x", 501)); err == nil || !strings.Contains(out, "at most") && !strings.Contains(out, "1 to 500") {
		t.Fatalf("a 501-character message: %v %s", err, out)
	}
	stopBox(t, b)
}
