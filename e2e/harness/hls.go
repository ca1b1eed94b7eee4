package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// NewNginxHLS is NewNginx with HLS output as well (nginx-rtmp's `hls on`):
// each stream published to app "live" is also cut into MPEG-TS fragments
// and a playlist, KEY.m3u8, in the returned folder, for a test to serve
// over HTTP to a browser's player. Fragments end at keyframes.
func NewNginxHLS(dir, certFile, keyFile, onPublish string) (*Nginx, string, error) {
	n, err := NewNginx(dir, certFile, keyFile, onPublish)
	if err != nil {
		return nil, "", err
	}
	hls := filepath.Join(dir, "hls")
	if err := os.MkdirAll(hls, 0o777); err != nil {
		return nil, "", err
	}
	const anchor = "record_unique on;"
	conf := n.config()
	if !strings.Contains(conf, anchor) {
		return nil, "", fmt.Errorf("harness: the nginx config has no %q to add HLS after", anchor)
	}
	conf = strings.Replace(conf, anchor, anchor+fmt.Sprintf(`
			hls on;
			hls_path %s;
			hls_fragment 1s;
			hls_playlist_length 12s;
			hls_cleanup on;`, hls), 1)
	return n, hls, os.WriteFile(n.confPath, []byte(conf), 0o644)
}
