package audio

import (
	"math"
	"testing"
	"time"
)

func TestPipelineChunksGainAndMute(t *testing.T) {
	p := NewPipeline(44100, 2, 1024, 6.0206) // ×2
	var got []int16
	emit := func(f []int16) { got = append(got, f...) }
	period := make([]int16, 441*2)
	for i := range period {
		period[i] = int16(i)
	}
	for k := 0; k < 10; k++ {
		p.Push(period, time.Duration(k)*10*time.Millisecond, emit)
	}
	if len(got) != 4*1024*2 {
		t.Fatalf("%d samples out of 4410 frames in, want 4 frames of 1024", len(got)/2)
	}
	for i := 0; i < 2048; i++ {
		if want := int16(min(2*(i%882), math.MaxInt16)); got[i] != want {
			t.Fatalf("sample %d = %d, want %d (gain ×2, continuity)", i, got[i], want)
		}
	}
	loud := []int16{30000, -30000}
	p2 := NewPipeline(44100, 2, 1, 6.0206)
	p2.Push(loud, 0, func(f []int16) { got = append(got[:0], f...) })
	if got[0] != math.MaxInt16 || got[1] != math.MinInt16 {
		t.Fatalf("saturation: %v", got)
	}
	p2.SetMute(true)
	p2.Push(loud, 0, func(f []int16) { got = append(got[:0], f...) })
	if got[0] != 0 || got[1] != 0 {
		t.Fatalf("muted: %v", got)
	}
}

// simulate runs a sound card whose clock is off by ppm against the capture
// clock for d and returns how far the sample clock ended from the capture
// clock.
func simulate(t *testing.T, ppm float64, d time.Duration) (offset time.Duration, corrected int64) {
	const rate, period = 44100, 441
	p := NewPipeline(rate, 1, 1024, 0)
	buf := make([]int16, period)
	var emitted int64
	emit := func(f []int16) { emitted += int64(len(f)) }
	trueRate := rate * (1 + ppm/1e6)
	var devFrames int64
	for elapsed := time.Duration(0); elapsed < d; {
		// The card delivers a period; its first frame was captured at
		// devFrames/trueRate on the monotonic clock (plus stamping jitter).
		at := time.Duration(float64(devFrames) / trueRate * float64(time.Second))
		jitter := time.Duration((devFrames*7919)%2000-1000) * time.Microsecond
		p.Push(buf, at+jitter, emit)
		devFrames += period
		elapsed = at
	}
	captureNow := time.Duration(float64(devFrames) / trueRate * float64(time.Second))
	sampleNow := time.Duration(float64(emitted+int64(p.fill)) / rate * float64(time.Second))
	return captureNow - sampleNow, p.Corrected.Load()
}

func TestDriftCorrectionKeepsSync(t *testing.T) {
	for _, ppm := range []float64{-300, 0, 150} {
		span := driftSpan * time.Second
		off, corr := simulate(t, ppm, span)
		uncorrected := time.Duration(float64(span) * -ppm / 1e6)
		t.Logf("%+.0f ppm over %v: offset %v (uncorrected %v), %d samples corrected", ppm, span, off.Round(time.Millisecond), uncorrected.Round(time.Millisecond), corr)
		if off > 40*time.Millisecond || off < -40*time.Millisecond {
			t.Errorf("%+.0f ppm: sample clock %v off the capture clock, want within ±40 ms", ppm, off)
		}
		if ppm == 0 && corr != 0 {
			t.Errorf("no drift, yet %d samples corrected", corr)
		}
	}
}

func TestMeter(t *testing.T) {
	p := NewPipeline(44100, 1, 1024, 0)
	buf := make([]int16, 44100)
	for i := range buf {
		buf[i] = int16(32767 * math.Sin(2*math.Pi*1000*float64(i)/44100))
	}
	p.Push(buf, 0, func([]int16) {})
	peak, rms := p.Meter.Levels()
	if peak < -0.5 || rms < -3.6 || rms > -2.4 {
		t.Fatalf("full-scale sine: peak %.1f dBFS, RMS %.1f dBFS; want 0 and −3", peak, rms)
	}
}

func TestPushAllocatesNothing(t *testing.T) {
	p := NewPipeline(48000, 2, 1024, 3)
	period := make([]int16, 480*2)
	emit := func([]int16) {}
	var at time.Duration
	if n := testing.AllocsPerRun(100, func() {
		p.Push(period, at, emit)
		at += 10 * time.Millisecond
	}); n != 0 {
		t.Fatalf("%v allocations per period", n)
	}
}

func BenchmarkPushPeriod(b *testing.B) {
	p := NewPipeline(48000, 2, 1024, 3)
	period := make([]int16, 480*2)
	emit := func([]int16) {}
	var at time.Duration
	b.ReportAllocs()
	for b.Loop() {
		p.Push(period, at, emit)
		at += 10 * time.Millisecond
	}
}

func TestPipelineResyncsAfterGap(t *testing.T) {
	p := NewPipeline(44100, 1, 1024, 0)
	var emitted int
	emit := func(f []int16) { emitted += len(f) }
	period := make([]int16, 441)
	p.Push(period, 0, emit)
	// The next period arrives a second later than the sample clock says.
	p.Push(period, time.Second+10*time.Millisecond, emit)
	if d := time.Second + 20*time.Millisecond - p.Next(); d > 2*time.Millisecond || d < -2*time.Millisecond {
		t.Fatalf("after a 1 s gap the sample clock is at %v, want about 1.02 s", p.Next())
	}
	// A period far behind the clock is dropped.
	before := p.Next()
	p.Push(period, 0, emit)
	if p.Next() != before {
		t.Fatal("a period 1 s in the past was kept")
	}
}
