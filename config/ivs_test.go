package config

import (
	"strings"
	"testing"
)

// TestIVSTimedMetadata: [ivs] timed_metadata is off by default, loads with
// [aws] channel_arn, and without it is refused naming what it needs.
func TestIVSTimedMetadata(t *testing.T) {
	if Defaults().IVS.TimedMetadata {
		t.Fatal("timed metadata on by default")
	}
	c, err := Parse("c.toml", []byte("[aws]\nchannel_arn = \"arn:aws:ivs:us-west-2:123456789012:channel/abc\"\n[ivs]\ntimed_metadata = true\n"))
	if err != nil || !c.IVS.TimedMetadata {
		t.Fatalf("%+v %v", c.IVS, err)
	}
	_, err = Parse("c.toml", []byte("[ivs]\ntimed_metadata = true\n"))
	if err == nil || !strings.Contains(err.Error(), "ivs.timed_metadata") || !strings.Contains(err.Error(), "channel_arn") {
		t.Fatalf("without a channel: %v", err)
	}
	if _, err := Parse("c.toml", []byte("[ivs]\ntimed_metadat = true\n")); err == nil || !strings.Contains(err.Error(), "timed_metadata") {
		t.Fatalf("misspelt key: %v", err)
	}
}

// TestChatViewerOrigins: origins are scheme://host[:port] and nothing
// more; anything else is refused naming the entry.
func TestChatViewerOrigins(t *testing.T) {
	c, err := Parse("c.toml", []byte("[chat]\nviewer_origins = [\"https://shop.example\", \"http://localhost:8000\"]\n"))
	if err != nil || len(c.Chat.ViewerOrigins) != 2 {
		t.Fatalf("%+v %v", c.Chat, err)
	}
	for _, o := range []string{"shop.example", "https://shop.example/", "https://shop.example/viewer", "ftp://x", "*", "https://u@x"} {
		_, err := Parse("c.toml", []byte("[chat]\nviewer_origins = [\""+o+"\"]\n"))
		if err == nil || !strings.Contains(err.Error(), "chat.viewer_origins[0]") {
			t.Errorf("%q: %v", o, err)
		}
	}
}
