package ivs

import (
	"context"
	"strings"
	"testing"

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
