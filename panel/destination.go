package panel

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/stream/srturl"
)

// consoleIngest is where the IVS console shows the ingest server.
const consoleIngest = "Amazon IVS console → Channels → your channel → Stream configuration → Ingest server"

// NoticeKeyInURL is what PUT /api/destination says when it took the
// stream key out of the URL it was given.
const NoticeKeyInURL = "The stream key was in the URL; it is saved as the key (and hidden from now on)."

// sellerError is a message for the seller, in whole sentences (a
// capital and a full stop, unlike Go's error strings).
type sellerError string

// Error is the message.
func (e sellerError) Error() string { return string(e) }

// errPlaybackURL answers a pasted playback URL.
const errPlaybackURL = sellerError("This is the playback URL (for viewers); paste the Ingest server instead (rtmps://…:443/app/). " +
	"It is in the " + consoleIngest + ".")

// errTwoKeys answers a URL that ends in one stream key while the key field
// holds another; neither key is named.
const errTwoKeys = sellerError("The Ingest server ends in a stream key, and a different key is in the Stream key field. " +
	"Paste the Ingest server without the key (it ends in /app/), and the key in its own field.")

// ingest is a destination as the seller pasted it, tidied: the URL
// without a stream key in it, the key (from its field or from the URL),
// and a notice saying what was changed.
type ingest struct {
	URL, Key, Notice string
}

// parseIngest tidies what was pasted in the Destination page's two
// fields. A playback URL (what viewers open) is refused with a message
// that names it. A stream key pasted at the end of the ingest URL
// (rtmps://HOST:443/app/sk_…) is split off into the key; an IVS ingest
// endpoint given without its scheme (HOST.global-contribute.live-video.net)
// becomes rtmps://HOST:443/app/. The key is never part of an error.
func parseIngest(rawURL, key string) (ingest, error) {
	in := ingest{URL: strings.TrimSpace(rawURL), Key: strings.TrimSpace(key)}
	if in.URL == "" {
		return in, nil
	}
	if isPlaybackURL(in.URL) {
		return ingest{}, errPlaybackURL
	}
	if !strings.Contains(in.URL, "://") && ivsHost(strings.SplitN(in.URL, "/", 2)[0]) {
		host := strings.SplitN(in.URL, "/", 2)[0]
		if h, _, ok := strings.Cut(host, ":"); ok {
			host = h
		}
		in.URL, in.Notice = "rtmps://"+host+":443/app/", "The ingest endpoint was made into the Ingest server "+"rtmps://"+host+":443/app/."
	}
	if isWHIP(in.URL) {
		return in, nil // the key field holds the WHIP token; nothing to split
	}
	base, urlKey := splitKey(in.URL, in.Key != "")
	if urlKey == "" {
		return in, nil
	}
	if in.Key != "" && in.Key != Mask && in.Key != urlKey {
		return ingest{}, errTwoKeys
	}
	in.URL, in.Key, in.Notice = base, urlKey, NoticeKeyInURL
	return in, nil
}

// isPlaybackURL reports whether s is an IVS playback URL (an HLS
// playlist on *.playback.live-video.net) or any other HLS playlist: what
// viewers open, not where the box sends.
func isPlaybackURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return strings.Contains(strings.ToLower(s), ".playback.live-video.net") || strings.Contains(strings.ToLower(s), ".m3u8")
	}
	host := strings.ToLower(u.Hostname())
	if u.Host == "" && u.Scheme == "" {
		host = strings.ToLower(strings.SplitN(s, "/", 2)[0])
	}
	return strings.Contains(host, ".playback.live-video.net") ||
		strings.HasSuffix(strings.ToLower(u.Path), ".m3u8") ||
		(strings.HasSuffix(host, ".live-video.net") && !isWHIPHost(host) && (u.Scheme == "https" || u.Scheme == "http"))
}

// ivsHost reports whether host (with or without a port) is an IVS
// server's name.
func ivsHost(host string) bool {
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	return strings.HasSuffix(strings.ToLower(host), ".live-video.net")
}

// isWHIPHost reports whether host is IVS's WHIP endpoint for real-time
// stages (global.whip.live-video.net and its regional ones).
func isWHIPHost(host string) bool { return strings.HasSuffix(host, "whip.live-video.net") }

// isWHIP reports whether u is a WHIP endpoint: any http(s) URL that is
// not a playback URL.
func isWHIP(u string) bool {
	l := strings.ToLower(u)
	return (strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://")) && !isPlaybackURL(u)
}

// isSRT reports whether u is an SRT URL, whose query holds secrets.
func isSRT(u string) bool { return strings.HasPrefix(strings.ToLower(u), "srt://") }

// maskURL is u as the panel shows it: an SRT URL's passphrase and stream
// id, and a WHIP URL's query (which may hold a key), masked.
func maskURL(u string) string {
	switch {
	case isSRT(u):
		return srturl.Redact(u)
	case isWHIP(u):
		if base, q, ok := strings.Cut(u, "?"); ok && q != "" {
			return base + "?" + Mask
		}
	}
	return u
}

// unmaskURL is the URL to keep when sent back: the current one when sent
// is its masked form, else sent.
func unmaskURL(sent, cur string) string {
	if m := maskURL(cur); m != cur && sent == m {
		return cur
	}
	return sent
}

// splitKey splits a stream key off the end of an RTMP(S) URL: the last
// path segment after the application (rtmps://HOST:443/app/KEY), when it
// looks like an IVS key (sk_…), the server is IVS's, or no key was given
// apart (then it can only be in the URL: rtmp://HOST/live/KEY). It
// returns the URL unchanged and "" when there is none.
func splitKey(s string, keyGiven bool) (base, key string) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return s, ""
	}
	p := strings.TrimSuffix(u.Path, "/")
	i := strings.LastIndexByte(p, '/')
	if i <= 0 { // no application before the last segment
		return s, ""
	}
	last := p[i+1:]
	if last == "" || !(strings.HasPrefix(last, "sk_") || ivsHost(u.Host) || !keyGiven) {
		return s, ""
	}
	u.Path, u.RawPath, u.RawQuery, u.Fragment = p[:i+1], "", "", ""
	return u.String(), last
}

// putDestination serves PUT /api/destination: the ingest server and
// stream key, tidied by parseIngest. Saving never starts a stream.
func (s settingsAPI) putDestination(w http.ResponseWriter, r *http.Request) {
	var req struct {
		URL       string `json:"url"`
		StreamKey string `json:"stream_key"`
	}
	if err := readJSON(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	in, err := parseIngest(req.URL, req.StreamKey)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	restarted, err := apply(s, func(c *config.Config) error {
		c.Output.URL = unmaskURL(in.URL, c.Output.URL) // a masked URL sent back keeps the real one
		switch {
		case in.Key == "" || in.Key == Mask:
		case isWHIP(c.Output.URL):
			c.Output.WHIPToken, c.Output.WHIPTokenFile = in.Key, ""
			c.Output.StreamKey, c.Output.StreamKeyFile = "", ""
		default:
			c.Output.StreamKey, c.Output.StreamKeyFile = in.Key, ""
		}
		if c.Output.URL == "" {
			c.Output.StreamKey, c.Output.StreamKeyFile = "", ""
			c.Output.WHIPToken, c.Output.WHIPTokenFile = "", ""
		}
		return nil
	})
	if err != nil {
		writeUpdateError(w, err)
		return
	}
	out := map[string]any{"saved": true, "restarting": restarted}
	if in.Notice != "" {
		out["notice"] = in.Notice
	}
	writeJSON(w, http.StatusOK, out)
}

// ChatView is the chat room part of the Destination page.
type ChatView struct {
	RoomARN  string `json:"room_arn"`
	TokenURL string `json:"token_url"`
}

// putChat serves PUT /api/destination/chat: the IVS Chat room (its ARN,
// used with the box's AWS account) or the seller's own token URL; both
// empty turns chat off. The other [chat] keys are kept.
func (s settingsAPI) putChat(w http.ResponseWriter, r *http.Request) {
	var req ChatView
	if err := readJSON(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	update(w, s, func(c *config.Config) error {
		c.Chat.RoomARN, c.Chat.TokenURL = strings.TrimSpace(req.RoomARN), strings.TrimSpace(req.TokenURL)
		if c.Chat.RoomARN != "" && c.Chat.TokenURL != "" {
			return &config.Error{Key: "chat", Msg: "give the chat room's ARN or a token URL, not both"}
		}
		return nil
	})
}

// streamKeyFiles are the two files the panel keeps a stream key in, in
// the state directory (mode 0600). A new key goes to the one not in use,
// so that the settings change is seen as one (the box rebuilds with it)
// and a change that is refused leaves the key in use as it was.
func streamKeyFiles(c *config.Config) [2]string {
	return [2]string{filepath.Join(c.StateDir, "stream-key"), filepath.Join(c.StateDir, "stream-key-2")}
}

// keyToFile moves a stream key the API was given out of the config file
// into one of streamKeyFiles, and returns the file it wrote ("" when it
// wrote none).
func keyToFile(old, next *config.Config) (string, error) {
	k := next.Output.StreamKey
	if k == "" || k == old.Output.StreamKey || next.Output.StreamKeyFile != "" {
		return "", nil
	}
	files := streamKeyFiles(old)
	file := files[0]
	if old.Output.StreamKeyFile == file {
		file = files[1]
	}
	if err := config.WriteSecret(file, k); err != nil {
		return "", err
	}
	next.Output.StreamKey, next.Output.StreamKeyFile = "", file
	return file, nil
}

// tidyKeyFiles removes the panel's key files that the settings in force
// do not use: the one a refused change wrote, or the one a new key
// replaced.
func tidyKeyFiles(c *config.Config) {
	for _, f := range streamKeyFiles(c) {
		if c.Output.StreamKeyFile != f {
			os.Remove(f)
		}
	}
}
