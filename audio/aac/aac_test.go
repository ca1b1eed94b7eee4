//go:build cgo

package aac

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/encode"
)

func sine(frames, channels, rate int, hz float64, start int) []int16 {
	pcm := make([]int16, frames*channels)
	for i := 0; i < frames; i++ {
		v := int16(12000 * math.Sin(2*math.Pi*hz*float64(start+i)/float64(rate)))
		for c := 0; c < channels; c++ {
			pcm[i*channels+c] = v
		}
	}
	return pcm
}

func TestEncodeLC(t *testing.T) {
	e, err := New(44100, 2, 128)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.FrameSize() != 1024 {
		t.Fatalf("frame size %d", e.FrameSize())
	}
	// AAC-LC (2), 44.1 kHz (4), stereo (2); libavcodec may append an
	// explicit "no SBR" extension.
	if cfg := e.Config(); len(cfg) < 2 || !bytes.Equal(cfg[:2], []byte{0x12, 0x10}) {
		t.Fatalf("AudioSpecificConfig %x, want 1210… (AAC-LC, 44.1 kHz, stereo)", cfg)
	}
	origin := 5 * time.Second
	var pkts []*encode.Packet
	for i := 0; i < 50; i++ {
		pkts, err = e.Encode(pkts, sine(1024, 2, 44100, 1000, i*1024), origin)
		if err != nil {
			t.Fatal(err)
		}
	}
	pkts, _ = e.Flush(pkts, origin)
	if len(pkts) < 49 || len(pkts) > 52 {
		t.Fatalf("%d packets for 50 frames", len(pkts))
	}
	step := time.Second * 1024 / 44100
	for i := 1; i < len(pkts); i++ {
		if d := pkts[i].PTS - pkts[i-1].PTS; d < step-time.Microsecond || d > step+time.Microsecond {
			t.Fatalf("packet %d: step %v, want %v", i, d, step)
		}
	}
	// The encoder primes with one frame: its first packet starts before the
	// first sample, as AAC's priming samples do.
	if pkts[0].PTS > origin || pkts[0].PTS < origin-2*step {
		t.Fatalf("first packet at %v, origin %v", pkts[0].PTS, origin)
	}
	var total int
	for _, p := range pkts[5:45] {
		total += len(p.Data)
	}
	kbps := float64(total*8) / (40 * step.Seconds()) / 1000
	if kbps < 80 || kbps > 180 {
		t.Fatalf("%.0f kbps for a 128 kbps tone", kbps)
	}
	if _, err := e.Encode(nil, make([]int16, 10), origin); err == nil {
		t.Fatal("a short buffer was encoded")
	}
}

func TestEncodeAllocatesNothing(t *testing.T) {
	e, err := New(48000, 1, 96)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	pcm := sine(1024, 1, 48000, 440, 0)
	var pkts []*encode.Packet
	step := func() {
		pkts, _ = e.Encode(pkts[:0], pcm, 0)
		for _, p := range pkts {
			p.Release()
		}
	}
	for i := 0; i < 10; i++ {
		step()
	}
	if n := testing.AllocsPerRun(50, step); n != 0 {
		t.Fatalf("%v allocations per audio frame", n)
	}
}

func BenchmarkEncodeStereo44k(b *testing.B) {
	e, _ := New(44100, 2, 128)
	defer e.Close()
	pcm := sine(1024, 2, 44100, 1000, 0)
	var pkts []*encode.Packet
	b.ReportAllocs()
	for b.Loop() {
		pkts, _ = e.Encode(pkts[:0], pcm, 0)
		for _, p := range pkts {
			p.Release()
		}
	}
}
