//go:build cgo

package opus

import (
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/audio"
)

// TestSilentTrackDecodes: the box's Opus silent track (audio.Silence with
// Opus set, used over WHIP without a microphone) is valid Opus: 20 ms
// frames on the video clock that a decoder turns into digital silence.
func TestSilentTrackDecodes(t *testing.T) {
	s := audio.Silence{Opus: true}
	pkts := s.Until(nil, 0)
	pkts = s.Until(pkts, time.Second-time.Millisecond)
	if len(pkts) != 50 {
		t.Fatalf("%d frames in 1 s, want 50", len(pkts))
	}
	var data [][]byte
	for i, p := range pkts {
		if p.PTS != time.Duration(i)*20*time.Millisecond || !p.Key {
			t.Fatalf("frame %d: pts %v key %v", i, p.PTS, p.Key)
		}
		data = append(data, p.Data)
	}
	pcm := decode(t, writeOggOpus(t, data, 2, 0, Rate/50), 2)
	if len(pcm) != 2*50*960 {
		t.Fatalf("decoded %d samples, want %d", len(pcm), 2*50*960)
	}
	for i, v := range pcm {
		if v != 0 {
			t.Fatalf("sample %d is %d, not silence", i, v)
		}
	}
}
