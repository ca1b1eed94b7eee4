package chattokens

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pitchbox/pitchbox/config"
)

// env is a getenv over m.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// TestFromEnv: a Lambda function's environment gives the room, its
// region, the origins and the role's credentials; a missing room or a
// bad origin is a clear error.
func TestFromEnv(t *testing.T) {
	m := map[string]string{"PITCHBOX_CHAT_ROOM_ARN": "arn:aws:ivschat:eu-west-1:123456789012:room/AbC",
		"PITCHBOX_VIEWER_ORIGINS": "https://shop.example, http://localhost:8000", "AWS_ACCESS_KEY_ID": "ASIA1",
		"AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "st", "PITCHBOX_CHAT_USER_ID": "seller1"}
	s, err := FromEnv(env(m))
	if err != nil || s.Account.Region != "eu-west-1" || s.Account.SessionToken != "st" || len(s.Origins) != 2 ||
		s.Origins[1] != "http://localhost:8000" || s.SellerID != "seller1" {
		t.Fatalf("%+v %v", s, err)
	}
	if _, err := s.Vendor(Options{}); err != nil {
		t.Fatal(err)
	}
	m["PITCHBOX_VIEWER_ORIGINS"] = "https://shop.example/viewer"
	if _, err := FromEnv(env(m)); err == nil || !strings.Contains(err.Error(), "PITCHBOX_VIEWER_ORIGINS") {
		t.Fatalf("bad origin: %v", err)
	}
	m["PITCHBOX_VIEWER_ORIGINS"], m["PITCHBOX_CHAT_ROOM_ARN"] = "", ""
	if _, err := FromEnv(env(m)); err == nil || !strings.Contains(err.Error(), "PITCHBOX_CHAT_ROOM_ARN") {
		t.Fatalf("no room: %v", err)
	}
}

// TestFromConfig: the box's [chat] and [aws] sections give the settings;
// without a room or credentials the error names the key.
func TestFromConfig(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte("shh\n"), 0o600)
	cfg := config.Defaults()
	cfg.Chat = config.Chat{RoomARN: "arn:aws:ivschat:us-west-2:123456789012:room/AbC", ViewerOrigins: []string{"https://shop.example"}}
	cfg.AWS = config.AWS{AccessKeyID: "AKID", SecretAccessKeyFile: secret}
	s, err := FromConfig(cfg, env(map[string]string{EndpointEnv: "http://127.0.0.1:1"}))
	if err != nil || s.Account.SecretAccessKey != "shh" || s.Account.Region != "us-west-2" || s.Account.Endpoint != "http://127.0.0.1:1" {
		t.Fatalf("%+v %v", s, err)
	}
	cfg.AWS = config.AWS{}
	if _, err := FromConfig(cfg, env(nil)); err == nil || !strings.Contains(err.Error(), "aws.access_key_id") {
		t.Fatalf("no credentials: %v", err)
	}
	cfg.Chat.RoomARN = ""
	if _, err := FromConfig(cfg, env(nil)); err == nil || !strings.Contains(err.Error(), "chat.room_arn") {
		t.Fatalf("no room: %v", err)
	}
}
