package ivs

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/ivs/ivstest"
)

const arn = "arn:aws:ivs:us-west-2:123456789012:channel/abcdEFGH"

func TestDiscover(t *testing.T) {
	api := ivstest.New("AKIDTEST", arn, "abc.global-contribute.live-video.net", "sk_us-west-2_SECRET")
	defer api.Close()
	a := Account{AccessKeyID: "AKIDTEST", SecretAccessKey: "shh", Region: "us-west-2", Endpoint: api.URL}
	in, err := Discover(context.Background(), a, arn)
	if err != nil {
		t.Fatal(err)
	}
	if in.URL != "rtmps://abc.global-contribute.live-video.net:443/app/" || in.StreamKey != "sk_us-west-2_SECRET" || in.ChannelName != "shop" {
		t.Fatalf("got %+v", in)
	}
	if in.SRTURL != "srt://abc.srt.live-video.net:9000?passphrase=ivstestSRTpassphrase0123456789" {
		t.Fatalf("SRT URL %q", in.SRTURL)
	}
	api.SRTEndpoint = ""
	if in, err = Discover(context.Background(), a, arn); err != nil || in.SRTURL != "" {
		t.Fatalf("a channel without SRT: %q, %v", in.SRTURL, err)
	}
}

func TestDiscoverErrors(t *testing.T) {
	api := ivstest.New("AKIDTEST", arn, "x", "sk")
	defer api.Close()
	a := Account{AccessKeyID: "AKIDWRONG", SecretAccessKey: "shh", Region: "us-west-2", Endpoint: api.URL}
	_, err := Discover(context.Background(), a, arn)
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") || strings.Contains(err.Error(), "shh") {
		t.Fatalf("wrong account: %v", err)
	}
	a.AccessKeyID = "AKIDTEST"
	_, err = Discover(context.Background(), a, arn+"x")
	if err == nil || !strings.Contains(err.Error(), "GetChannel") || !strings.Contains(err.Error(), "ResourceNotFound") {
		t.Fatalf("unknown channel: %v", err)
	}
	_, err = Discover(context.Background(), Account{Region: "us-west-2"}, "nope")
	if err == nil || !strings.Contains(err.Error(), "access key ID") || !strings.Contains(err.Error(), "channel ARN") {
		t.Fatalf("missing fields: %v", err)
	}
}

// TestChatTokens serves CreateChatToken locally and calls it through
// aws-sdk-go-v2 with a custom BaseEndpoint: the request is signed, names
// the room, the user and the moderator's capabilities, and API errors are
// reported with their code.
func TestChatTokens(t *testing.T) {
	var body map[string]any
	var auth string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/CreateChatToken" || r.Method != http.MethodPost {
			http.Error(w, "not found", 404)
			return
		}
		auth = r.Header.Get("Authorization")
		json.NewDecoder(r.Body).Decode(&body)
		if body["roomIdentifier"] == "arn:aws:ivschat:us-west-2:123:room/missing" {
			w.Header().Set("X-Amzn-Errortype", "ResourceNotFoundException")
			w.WriteHeader(404)
			w.Write([]byte(`{"message":"room not found"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"token":"tok-aws","tokenExpirationTime":"%s","sessionExpirationTime":"%s"}`,
			time.Now().Add(time.Minute).UTC().Format(time.RFC3339), time.Now().Add(3*time.Hour).UTC().Format(time.RFC3339))
	}))
	defer api.Close()
	a := Account{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret-key-example", Region: "us-west-2", Endpoint: api.URL}
	src := NewChatTokens(a, "arn:aws:ivschat:us-west-2:123:room/abc", "pitchbox")
	tok, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.Value != "tok-aws" || time.Until(tok.SessionExpires) < 2*time.Hour {
		t.Fatalf("token %+v", tok)
	}
	caps := fmt.Sprint(body["capabilities"])
	if body["userId"] != "pitchbox" || !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") ||
		!strings.Contains(caps, "SEND_MESSAGE") || !strings.Contains(caps, "DELETE_MESSAGE") || !strings.Contains(caps, "DISCONNECT_USER") {
		t.Fatalf("request %v, auth %q", body, auth)
	}
	missing := NewChatTokens(a, "arn:aws:ivschat:us-west-2:123:room/missing", "pitchbox")
	if _, err := missing.Token(context.Background()); err == nil || !strings.Contains(err.Error(), "ResourceNotFound") || !strings.Contains(err.Error(), "room not found") {
		t.Fatalf("missing room: %v", err)
	}
}

// TestChannelStream reads the live stream through aws-sdk-go-v2 from the
// fake API: off air it is ErrNotBroadcasting (IVS's
// ChannelNotBroadcasting), live it has the viewer count and health set,
// and an unknown channel or a wrong account is an error naming the code.
func TestChannelStream(t *testing.T) {
	api := ivstest.New("AKIDTEST", arn, "x", "sk")
	defer api.Close()
	a := Account{AccessKeyID: "AKIDTEST", SecretAccessKey: "shh", Region: "us-west-2", Endpoint: api.URL}
	ch, err := NewChannel(a, arn)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := ch.Stream(ctx); err != ErrNotBroadcasting {
		t.Fatalf("off air: %v, want ErrNotBroadcasting", err)
	}
	api.SetLive(42, "STARVING")
	s, err := ch.Stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.ViewerCount != 42 || s.Health != "STARVING" || s.State != "LIVE" || s.ID != "st-abcdEFGH" ||
		time.Since(s.StartTime) > time.Minute || s.PlaybackURL == "" {
		t.Fatalf("live: %+v", s)
	}
	api.SetOffAir()
	if _, err := ch.Stream(ctx); err != ErrNotBroadcasting {
		t.Fatalf("off air again: %v", err)
	}
	if n := api.StreamCalls.Load(); n != 3 {
		t.Fatalf("%d GetStream calls for 3 asks (no retries)", n)
	}
	other, _ := NewChannel(a, arn+"x")
	if _, err := other.Stream(ctx); err == nil || !strings.Contains(err.Error(), "GetStream: ResourceNotFoundException") {
		t.Fatalf("unknown channel: %v", err)
	}
	a.AccessKeyID = "AKIDWRONG"
	wrong, _ := NewChannel(a, arn)
	if _, err := wrong.Stream(ctx); err == nil || !strings.Contains(err.Error(), "AccessDenied") || strings.Contains(err.Error(), "shh") {
		t.Fatalf("wrong account: %v", err)
	}
	if _, err := NewChannel(Account{Region: "us-west-2"}, arn); err == nil {
		t.Fatal("an account without keys made a channel client")
	}
}
