package srt

import "github.com/pitchbox/pitchbox/stream/srturl"

// SRT publishes to an srt:// URL (see stream/srturl).
type SRT struct {
	// URL is srt://HOST:PORT?streamid=…&passphrase=…&latency=…: it holds
	// secrets.
	URL string
	// Key is the stream id when the URL has none (output.stream_key).
	Key string
}

// String implements stream.Destination with the stream id and passphrase
// masked.
func (d *SRT) String() string { return srturl.Redact(d.URL) }
