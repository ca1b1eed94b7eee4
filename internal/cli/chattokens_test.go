package cli

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/chattokens"
	"github.com/pitchbox/pitchbox/internal/syncbuf"
	"github.com/pitchbox/pitchbox/ivs/ivstest"
)

// TestChatTokensServe runs `chat-tokens serve` against the fake IVS Chat
// API: a page from the configured origin gets a send-only token over
// HTTP, the log holds no token or secret, and the server stops when told.
func TestChatTokensServe(t *testing.T) {
	api := ivstest.New("AKIDTEST", "arn:aws:ivs:us-west-2:123456789012:channel/abc", "x", "sk")
	defer api.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "very-secret")
	t.Setenv(chattokens.EndpointEnv, api.URL)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "pitchbox.toml")
	os.WriteFile(cfg, []byte("state_dir = \""+dir+"\"\n[chat]\nroom_arn = \""+api.RoomARN+"\"\nviewer_origins = [\"https://shop.example\"]\n"), 0o644)
	var logs syncbuf.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- chatTokensServe(ctx, []string{"serve", "--config", cfg, "--listen", "127.0.0.1:0", "--origins", "http://localhost:8000"}, &logs, func(a net.Addr) { addr <- a })
	}()
	var url string
	select {
	case a := <-addr:
		url = "http://" + a.String() + "/token"
	case err := <-done:
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"displayName":"Anna"}`))
	req.Header.Set("Origin", "http://localhost:8000")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var got chattokens.Response
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if resp.StatusCode != 200 || got.DisplayName != "Anna" || resp.Header.Get("Access-Control-Allow-Origin") != "http://localhost:8000" {
		t.Fatalf("%s %+v", resp.Status, got)
	}
	if toks := api.ChatTokens(); len(toks) != 1 || toks[0].Token != got.Token || strings.Join(toks[0].Capabilities, ",") != "SEND_MESSAGE" {
		t.Fatalf("made %+v", toks)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop")
	}
	if l := logs.String(); strings.Contains(l, got.Token) || strings.Contains(l, "very-secret") || !strings.Contains(l, "serving") {
		t.Fatalf("log: %s", l)
	}
	for _, args := range [][]string{{}, {"lambda"}, {"serve"}, {"serve", "--config", cfg, "--origins", "https://x/y"}} {
		if err := chatTokensServe(context.Background(), args, &logs, nil); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}
