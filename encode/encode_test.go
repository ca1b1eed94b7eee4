package encode

import (
	"runtime"
	"slices"
	"testing"
	"time"
	"unsafe"
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

// TestPacketPoolReuse: a released packet, and the buffer its Data grew,
// come back from NewPacket (reset for the new kind), even after garbage
// collections; an outsized buffer is not kept, and the free list is bounded.
func TestPacketPoolReuse(t *testing.T) {
	drainFree() // packets released by earlier runs would come first
	defer drainFree()

	p := NewPacket(Video)
	p.Data = append(p.Data, 1, 2, 3)
	p.PTS, p.DTS, p.Key, p.Seq = time.Second, time.Second, true, 42
	buf, size := unsafe.SliceData(p.Data), cap(p.Data)
	p.Release()
	// The free list is for packets taken on one goroutine and released on
	// another: unlike a sync.Pool, a collection must not empty it.
	runtime.GC()
	runtime.GC()
	q := NewPacket(Audio)
	if q != p {
		t.Fatalf("NewPacket after Release gave a new packet %p, want the released %p back", q, p)
	}
	if unsafe.SliceData(q.Data) != buf || cap(q.Data) != size {
		t.Fatalf("reused packet has a new Data buffer (cap %d), want the released one (cap %d) back", cap(q.Data), size)
	}
	if len(q.Data) != 0 || q.Kind != Audio || q.Key || q.PTS != 0 || q.DTS != 0 || q.Seq != 0 {
		t.Fatalf("packet from the pool not reset: %+v", q)
	}

	big := NewPacket(Video)
	big.Data = make([]byte, 0, 5<<20)
	big.Release()
	if r := NewPacket(Video); r == big {
		t.Fatal("a packet with a 5 MiB buffer was kept for reuse")
	}

	held := make([]*Packet, 0, 2*cap(freePackets))
	for range 2 * cap(freePackets) {
		held = append(held, NewPacket(Video))
	}
	for _, h := range held {
		h.Release()
	}
	if n := len(freePackets); n != cap(freePackets) {
		t.Fatalf("%d packets free after releasing %d, want the bound %d", n, len(held), cap(freePackets))
	}
}

// drainFree empties the free list, keeping its byte count right.
func drainFree() {
	for len(freePackets) > 0 {
		p := <-freePackets
		freeBytes.Add(-int64(cap(p.Data)))
	}
}

// TestPacketPoolBoundsBytes: a burst of large keyframes released together
// keeps at most maxFreeBytes of buffers alive, and what it keeps is
// counted right as packets are taken again.
func TestPacketPoolBoundsBytes(t *testing.T) {
	drainFree()
	defer drainFree()
	var held []*Packet
	for range 100 {
		p := NewPacket(Video)
		p.Data = make([]byte, 0, 1<<20)
		held = append(held, p)
	}
	for _, p := range held {
		p.Release()
	}
	kept := int64(0)
	for _, p := range slices.Collect(func(yield func(*Packet) bool) {
		for len(freePackets) > 0 {
			if !yield(NewPacket(Video)) {
				return
			}
		}
	}) {
		kept += int64(cap(p.Data))
	}
	if kept > maxFreeBytes || kept < maxFreeBytes/2 {
		t.Fatalf("free list kept %d MiB of 100 MiB released, want at most (and near) %d MiB", kept>>20, maxFreeBytes>>20)
	}
	if n := freeBytes.Load(); n != 0 {
		t.Fatalf("free list empty but %d bytes counted", n)
	}
}
