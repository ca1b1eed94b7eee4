//go:build cgo && !race

package opus

import (
	"testing"

	"github.com/pitchbox/pitchbox/encode"
)

// Encoding allocates nothing once the packet pool is warm, whether a call
// holds whole frames, a partial one, or both (700 samples per channel are
// buffered, then completed from the next call's slice).
func TestEncodeAllocatesNothing(t *testing.T) {
	e, err := New(Rate, 2, 64)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	tests := []struct {
		name   string
		frames int
	}{
		{"one frame", 960},
		{"partial frames", 700},
		{"three frames", 3 * 960},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pcm := tone(tt.frames, 1000, []float64{12000, 6000}, 0)
			var pkts []*encode.Packet
			step := func() {
				pkts, err = e.Encode(pkts[:0], pcm, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range pkts {
					p.Release()
				}
			}
			for range 10 {
				step()
			}
			if n := testing.AllocsPerRun(100, step); n != 0 {
				t.Fatalf("%v allocations per Encode", n)
			}
		})
	}
}
