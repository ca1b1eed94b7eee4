package testpattern

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/frame"
)

func TestPatternMovesAndPaces(t *testing.T) {
	pool, _ := frame.NewPool(320, 180, 4)
	p, err := New(pool, 30)
	if err != nil {
		t.Fatal(err)
	}
	var now time.Duration
	var slept time.Duration
	p.now = func() time.Duration { return now }
	p.sleep = func(_ context.Context, d time.Duration) error { slept += d; now += d; return nil }
	p.start = 0
	a, err := p.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := p.Next(context.Background())
	if bytes.Equal(a.Y, b.Y) {
		t.Fatal("consecutive frames are identical: a freeze would not show")
	}
	if b.Seq != a.Seq+1 || b.PTS-a.PTS != time.Second/30 {
		t.Fatalf("seq %d→%d pts %v→%v, want consecutive at 1/30 s", a.Seq, b.Seq, a.PTS, b.PTS)
	}
	a.Release()
	b.Release()
	// A consumer that fell a second behind skips ahead instead of bursting.
	now += time.Second
	c, _ := p.Next(context.Background())
	if c.Seq < 30 {
		t.Fatalf("seq %d after a 1 s stall, want ≥ 30", c.Seq)
	}
	c.Release()
}

func TestTextDrawsDigits(t *testing.T) {
	f, _ := frame.New(64, 16)
	f.Fill(16, 128, 128)
	DrawText(f, 0, 0, 1, "8", 235)
	lit := 0
	for _, v := range f.Y {
		if v == 235 {
			lit++
		}
	}
	// '8' has 17 lit pixels in the 5×7 font.
	if lit != 17 {
		t.Fatalf("'8' lit %d pixels, want 17", lit)
	}
	if got := string(appendUint(nil, 42, 6)); got != "000042" {
		t.Fatalf("appendUint = %q", got)
	}
}

func BenchmarkDraw720p(b *testing.B) {
	pool, _ := frame.NewPool(1280, 720, 2)
	p, _ := New(pool, 30)
	f := pool.Get()
	b.ReportAllocs()
	var i uint64
	for b.Loop() {
		p.Draw(f, i, time.Duration(i)*time.Millisecond)
		i++
	}
}

func TestNextAllocatesNothing(t *testing.T) {
	pool, _ := frame.NewPool(320, 180, 2)
	p, _ := New(pool, 30)
	var now time.Duration
	p.now = func() time.Duration { return now }
	p.sleep = func(_ context.Context, d time.Duration) error { now += d; return nil }
	ctx := context.Background()
	if n := testing.AllocsPerRun(20, func() {
		f, _ := p.Next(ctx)
		f.Release()
	}); n != 0 {
		t.Fatalf("Next allocates %v times per frame", n)
	}
}

func TestFlashOnSyncInstants(t *testing.T) {
	pool, _ := frame.NewPool(64, 36, 2)
	p, _ := New(pool, 30)
	p.Flash = 2 * time.Second
	f := pool.Get()
	flashes := 0
	for n := 0; n < 30*60; n++ {
		ts := time.Duration(n) * (time.Second / 30)
		p.Draw(f, uint64(n), ts)
		white := 0
		for _, v := range f.Y {
			if v == 235 {
				white++
			}
		}
		if white == len(f.Y) {
			flashes++
			if d := (ts + time.Second) % (2 * time.Second); d < time.Second-20*time.Millisecond || d > time.Second+20*time.Millisecond {
				t.Fatalf("flash at %v, not at a multiple of 2 s", ts)
			}
		}
	}
	if flashes != 30 {
		t.Fatalf("%d flashes in 60 s, want 30", flashes)
	}
}
