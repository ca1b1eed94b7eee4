package panel

import (
	"strings"
	"testing"

	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/stream/srturl"
)

// TestParseIngest: what a seller pastes into the Destination page is
// tidied: a stream key at the end of the ingest URL is split off into the
// key, an ingest endpoint without its scheme gets rtmps://…:443/app/, and
// a playback URL is refused with a message naming it. No error names the
// key.
func TestParseIngest(t *testing.T) {
	const ivs = "a1b2c3d4e5f6.global-contribute.live-video.net"
	const key = "sk_us-west-2_AbCdEf123456"
	for _, tc := range []struct {
		name, url, key      string
		wantURL, wantKey    string
		wantNotice, wantErr string
	}{
		{"plain", "rtmps://" + ivs + ":443/app/", key, "rtmps://" + ivs + ":443/app/", key, "", ""},
		{"spaces", "  rtmps://" + ivs + ":443/app/ ", " " + key + " ", "rtmps://" + ivs + ":443/app/", key, "", ""},
		{"empty", "", "", "", "", "", ""},
		{"masked key kept", "rtmps://" + ivs + ":443/app/", Mask, "rtmps://" + ivs + ":443/app/", Mask, "", ""},
		{"key in url", "rtmps://" + ivs + ":443/app/" + key, "", "rtmps://" + ivs + ":443/app/", key, "key was in the URL", ""},
		{"key in url with slash", "rtmps://" + ivs + ":443/app/" + key + "/", "", "rtmps://" + ivs + ":443/app/", key, "key was in the URL", ""},
		{"key in url and same key", "rtmps://" + ivs + ":443/app/" + key, key, "rtmps://" + ivs + ":443/app/", key, "key was in the URL", ""},
		{"key in url, field masked", "rtmps://" + ivs + ":443/app/" + key, Mask, "rtmps://" + ivs + ":443/app/", key, "key was in the URL", ""},
		{"key in url and another key", "rtmps://" + ivs + ":443/app/" + key, "sk_other", "", "", "", "different key"},
		{"ivs key without sk_", "rtmps://" + ivs + ":443/app/abcdef", "", "rtmps://" + ivs + ":443/app/", "abcdef", "key was in the URL", ""},
		{"sk_ key on another server", "rtmp://127.0.0.1:1935/live/sk_e2e_Secret123", "", "rtmp://127.0.0.1:1935/live/", "sk_e2e_Secret123", "key was in the URL", ""},
		{"other server's app path kept", "rtmp://127.0.0.1:1935/live/stream", "k", "rtmp://127.0.0.1:1935/live/stream", "k", "", ""},
		{"app only", "rtmp://127.0.0.1:1935/live", "k", "rtmp://127.0.0.1:1935/live", "k", "", ""},
		{"other server's key in url, no key given", "rtmp://own.example/live/MyS3cretKey", "", "rtmp://own.example/live/", "MyS3cretKey", "key was in the URL", ""},
		{"ingest endpoint", ivs, key, "rtmps://" + ivs + ":443/app/", key, "ingest endpoint", ""},
		{"ingest endpoint with port", ivs + ":443", key, "rtmps://" + ivs + ":443/app/", key, "ingest endpoint", ""},
		{"playback url", "https://a1b2c3d4e5f6.us-west-2.playback.live-video.net/api/video/v1/us-west-2.123456789012.channel.AbCd.m3u8", "", "", "", "", "playback URL"},
		{"playback host only", "a1b2c3d4e5f6.us-west-2.playback.live-video.net", "", "", "", "", "playback URL"},
		{"other hls playlist", "https://cdn.example/live/index.m3u8", "", "", "", "", "playback URL"},
		{"https to ivs", "https://" + ivs + "/app/", "", "", "", "", "playback URL"},
		{"http elsewhere left to validation", "http://example.com/app/", "k", "http://example.com/app/", "k", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseIngest(tc.url, tc.key)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want one containing %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), key) || (tc.key != "" && strings.Contains(err.Error(), tc.key)) {
					t.Errorf("the error names the key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.URL != tc.wantURL || got.Key != tc.wantKey {
				t.Errorf("url %q key %q, want %q %q", got.URL, got.Key, tc.wantURL, tc.wantKey)
			}
			if (tc.wantNotice == "") != (got.Notice == "") || !strings.Contains(got.Notice, tc.wantNotice) {
				t.Errorf("notice %q, want %q", got.Notice, tc.wantNotice)
			}
			if strings.Contains(got.Notice, got.Key) && got.Key != "" {
				t.Errorf("the notice names the key: %q", got.Notice)
			}
		})
	}
}

// TestPlaybackURLMessage: the message says what was pasted and where the
// ingest server is.
func TestPlaybackURLMessage(t *testing.T) {
	msg := errPlaybackURL.Error()
	for _, want := range []string{"playback URL", "Ingest server", "rtmps://…:443/app/", "Stream configuration"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
}

// TestSRTURLStaysOnTheBox: the Destination view masks an SRT URL's
// passphrase and stream id, and the masked URL sent back keeps the real
// one.
func TestSRTURLStaysOnTheBox(t *testing.T) {
	c := config.Defaults()
	c.Output.URL = "srt://ingest.example:9000?streamid=sk_secret&passphrase=verysecretpass&latency=2000"
	v := destinationView(c)
	if strings.Contains(v.URL, "sk_secret") || strings.Contains(v.URL, "verysecretpass") || !strings.Contains(v.URL, "latency=2000") {
		t.Fatalf("view URL %q", v.URL)
	}
	if !isSRT(c.Output.URL) || srturl.Redact(c.Output.URL) != v.URL {
		t.Fatal("the view's URL is not the redacted one the save compares with")
	}
}
