package buttons

import (
	"context"
	"image"
	"math/rand/v2"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/pitchbox/pitchbox/frame"
	"github.com/pitchbox/pitchbox/frame/testpattern"
	"github.com/pitchbox/pitchbox/overlay"
)

// compositorBox shows presets through a real compositor.
type compositorBox struct {
	fakeBox
	comp  *overlay.Compositor
	scene *overlay.Scene
}

func (c *compositorBox) Show(name, source string) error { c.comp.Set(c.scene); return nil }
func (c *compositorBox) Clear(source string)            { c.comp.Set(nil) }

// BenchmarkPressToPicture measures from an edge on a fake pin to the first
// composited frame of a 30 fps test pattern that carries the overlay, and
// reports p50 and p99 (one frame interval is 33.3 ms).
func BenchmarkPressToPicture(b *testing.B) {
	pool, _ := frame.NewPool(1280, 720, 4)
	pat, _ := testpattern.New(pool, 30)
	var comp overlay.Compositor
	img := image.NewGray(image.Rect(0, 0, 200, 200))
	scene := &overlay.Scene{Name: "buy", Overlays: []*overlay.Overlay{overlay.FromImage("buy", img, 100, 100)}}
	box := &compositorBox{comp: &comp, scene: scene}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// The frame loop: composite each frame; once armed, the first frame
	// that carries the overlay reports when it was made.
	shown := make(chan time.Time, 1)
	var armed atomic.Bool
	go func() {
		for ctx.Err() == nil {
			f, err := pat.Next(ctx)
			if err != nil {
				return
			}
			if comp.Apply(f) != nil && armed.CompareAndSwap(true, false) {
				shown <- time.Now()
			}
			f.Release()
		}
	}()

	pin := &gpiotest.Pin{N: "GPIO17", L: gpio.High, EdgesChan: make(chan gpio.Level, 1)}
	btn, err := NewButton("button GPIO17", pin, false, Binding{Press: Action{Verb: "show", Arg: "buy"}}, 30*ms, 800*ms)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	go btn.Run(ctx, box, func() time.Duration { return time.Since(start) }, func(string, Action, error) {})

	timer := time.NewTimer(time.Hour)
	pause := func(d time.Duration) {
		timer.Reset(d)
		<-timer.C
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		comp.Set(nil)
		// A frame without the overlay, then a random phase against the
		// frame clock, as a real press has.
		pause(40*ms + time.Duration(rand.Int64N(int64(time.Second/30))))
		armed.Store(true)
		edge := time.Now()
		pin.EdgesChan <- gpio.Low
		select {
		case at := <-shown:
			lat = append(lat, at.Sub(edge))
		case <-time.After(5 * time.Second):
			b.Fatal("no frame with the overlay 5 s after the press")
		}
		pin.EdgesChan <- gpio.High
		pause(50 * ms) // the release settles (30 ms) before the next press
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(p(0.5), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
	b.ReportMetric(1000.0/30, "frame-ms")
}
