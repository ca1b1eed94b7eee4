package panel_test

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/panel/paneltest"
)

// rssKiB reads the process's resident set size.
func rssKiB(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Error(err)
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	t.Error("no VmRSS in /proc/self/status")
	return 0
}

// peakRSS samples RSS while fn runs and returns the growth at its peak in
// MiB.
func peakRSS(t *testing.T, fn func()) int64 {
	base := rssKiB(t)
	var peak atomic.Int64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			if r := rssKiB(t); r > peak.Load() {
				peak.Store(r)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	fn()
	close(stop)
	<-done
	return (peak.Load() - base) >> 10
}

// TestUploadDecodeBudget: eight 4096×4096 16-bit PNGs sent at once (small
// files, 128 MiB each to decode) are refused from their headers by the
// decode budget, and eight 1024×1024 8-bit ones are decoded one at a
// time: memory grows by less than 150 MiB either way.
func TestUploadDecodeBudget(t *testing.T) {
	r := newRig(t)
	big := paneltest.PNG16(4096, 4096)
	ok := paneltest.ProductPNG(1024, 1024)
	parallel := func(data []byte, want int) int64 {
		var wg sync.WaitGroup
		return peakRSS(t, func() {
			for i := 0; i < 8; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					code, body := r.upload("p"+strconv.Itoa(i)+".png", data)
					if code != want {
						t.Errorf("upload %d: %d %s", i, code, body)
					}
					if want == 413 && !strings.Contains(body, "bytes a pixel") {
						t.Errorf("refusal does not say why: %s", body)
					}
				}()
			}
			wg.Wait()
		})
	}
	t.Logf("16-bit PNG of 4096² is %d KB", len(big)>>10)
	if grew := parallel(big, 413); grew > 150 {
		t.Errorf("8 parallel 16-bit 4096² uploads grew RSS by %d MiB", grew)
	} else {
		t.Logf("8 parallel 16-bit 4096² uploads: RSS +%d MiB", grew)
	}
	if grew := parallel(ok, 201); grew > 150 {
		t.Errorf("8 parallel 8-bit 1024² uploads grew RSS by %d MiB", grew)
	} else {
		t.Logf("8 parallel 8-bit 1024² uploads: RSS +%d MiB", grew)
	}
}
