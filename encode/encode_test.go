package encode

import (
	"testing"
	"time"
)

func TestKeyframeClock(t *testing.T) {
	k := KeyframeClock{Interval: 2 * time.Second}
	frame := time.Second / 30
	var keys []time.Duration
	// Frames with jitter and a gap of dropped frames.
	pts := time.Duration(0)
	for i := 0; i < 200; i++ {
		pts += frame
		if i == 100 {
			pts += 500 * time.Millisecond
		}
		if k.Due(pts) {
			keys = append(keys, pts)
		}
	}
	if keys[0] != frame {
		t.Fatalf("first frame not a keyframe: %v", keys)
	}
	for i := 1; i < len(keys); i++ {
		if d := keys[i] - keys[i-1]; d < 2*time.Second-time.Millisecond || d > 2*time.Second+frame {
			t.Fatalf("keyframe interval %v, want 2 s (+ at most a frame)", d)
		}
	}
	k.Request()
	if !k.Due(pts + frame) {
		t.Fatal("requested keyframe not due")
	}
	// A second request right after that IDR is served by it.
	k.Request()
	if k.Due(pts + 2*frame) {
		t.Fatal("a request one frame after an IDR made another IDR")
	}
	k.Request()
	if !k.Due(pts + 10*frame) {
		t.Fatal("a request 300 ms after the last IDR was not honoured")
	}
}

func TestPacketPoolReuse(t *testing.T) {
	p := NewPacket(Video)
	p.Data = append(p.Data, 1, 2, 3)
	p.Key = true
	p.Release()
	q := NewPacket(Audio)
	if len(q.Data) != 0 || q.Key || q.Kind != Audio {
		t.Fatalf("packet from the pool not reset: %+v", q)
	}
}
