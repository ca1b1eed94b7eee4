// Package encodetest is the conformance suite every encode.Encoder
// backend passes: x264 on any host, the V4L2 M2M driver inside the test rig
// (against vicodec). It checks the contract the box relies on, not picture
// quality.
package encodetest

import (
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/frame"
	"github.com/pitchbox/pitchbox/frame/testpattern"
)

// Factory opens a fresh encoder with settings s.
type Factory func(t *testing.T, s encode.Settings) encode.Encoder

// Run runs the suite. s gives size, rate and bitrate to test at.
func Run(t *testing.T, s encode.Settings, open Factory) {
	t.Run("frames in order with timestamps", func(t *testing.T) { inOrder(t, s, open) })
	t.Run("keyframe on request", func(t *testing.T) { keyOnRequest(t, s, open) })
	t.Run("drain loses nothing and encoding resumes", func(t *testing.T) { drain(t, s, open) })
	t.Run("stop and restart", func(t *testing.T) { restart(t, s, open) })
	t.Run("bitrate change while running", func(t *testing.T) { bitrate(t, s, open) })
}

type feeder struct {
	pat  *testpattern.Pattern
	pool *frame.Pool
	f    *frame.Frame
	fps  int
	n    int
}

func newFeeder(t *testing.T, s encode.Settings) *feeder {
	pool, err := frame.NewPool(s.Width, s.Height, 1)
	if err != nil {
		t.Fatal(err)
	}
	pat, err := testpattern.New(pool, s.FPS)
	if err != nil {
		t.Fatal(err)
	}
	return &feeder{pat: pat, pool: pool, f: pool.Get(), fps: s.FPS}
}

// next draws frame n, stamped n/fps s after 10 s.
func (fd *feeder) next() *frame.Frame {
	fd.f.PTS = 10*time.Second + time.Duration(fd.n)*time.Second/time.Duration(fd.fps)
	fd.f.Seq = uint64(fd.n)
	fd.pat.Draw(fd.f, uint64(fd.n), fd.f.PTS)
	fd.n++
	return fd.f
}

// encodeN feeds n frames (keyframe requested where key(i)) and returns the
// packets produced, flushed at the end.
func encodeN(t *testing.T, e encode.Encoder, fd *feeder, n int, key func(int) bool) (pkts []*encode.Packet, pts []time.Duration) {
	t.Helper()
	var err error
	for i := 0; i < n; i++ {
		f := fd.next()
		pts = append(pts, f.PTS.Truncate(time.Microsecond))
		if pkts, err = e.Encode(pkts, f, key != nil && key(i)); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	if pkts, err = e.Flush(pkts); err != nil {
		t.Fatalf("flush: %v", err)
	}
	return pkts, pts
}

func checkSame(t *testing.T, pkts []*encode.Packet, pts []time.Duration) {
	t.Helper()
	if len(pkts) != len(pts) {
		t.Fatalf("%d frames in, %d packets out", len(pts), len(pkts))
	}
	for i, p := range pkts {
		if p.PTS != pts[i] || p.DTS > p.PTS || len(p.Data) == 0 || p.Kind != encode.Video {
			t.Fatalf("packet %d: pts %v dts %v, %d bytes; want pts %v", i, p.PTS, p.DTS, len(p.Data), pts[i])
		}
	}
}

func release(pkts []*encode.Packet) {
	for _, p := range pkts {
		p.Release()
	}
}

func inOrder(t *testing.T, s encode.Settings, open Factory) {
	e := open(t, s)
	defer e.Close()
	pkts, pts := encodeN(t, e, newFeeder(t, s), 40, func(i int) bool { return i == 0 })
	checkSame(t, pkts, pts)
	if !pkts[0].Key {
		t.Fatal("the first packet is not a keyframe")
	}
	release(pkts)
}

func keyOnRequest(t *testing.T, s encode.Settings, open Factory) {
	e := open(t, s)
	defer e.Close()
	kf, ok := e.(encode.KeyframeForcer)
	if !ok || !kf.CanForceKeyframe() {
		t.Logf("%s cannot force keyframes (no control); checking that requests do no harm", e.Name())
	}
	const at = 17
	pkts, pts := encodeN(t, e, newFeeder(t, s), 30, func(i int) bool { return i == 0 || i == at })
	checkSame(t, pkts, pts)
	if ok && kf.CanForceKeyframe() && !pkts[at].Key {
		t.Fatalf("frame %d was requested as a keyframe and is not one", at)
	}
	release(pkts)
}

func drain(t *testing.T, s encode.Settings, open Factory) {
	e := open(t, s)
	defer e.Close()
	fd := newFeeder(t, s)
	for round := 0; round < 3; round++ {
		pkts, pts := encodeN(t, e, fd, 7+round*5, func(i int) bool { return i == 0 })
		checkSame(t, pkts, pts)
		release(pkts)
	}
}

func restart(t *testing.T, s encode.Settings, open Factory) {
	for i := 0; i < 2; i++ {
		e := open(t, s)
		pkts, pts := encodeN(t, e, newFeeder(t, s), 10, func(i int) bool { return i == 0 })
		checkSame(t, pkts, pts)
		release(pkts)
		if err := e.Close(); err != nil {
			t.Fatalf("close %d: %v", i, err)
		}
	}
}

func bitrate(t *testing.T, s encode.Settings, open Factory) {
	e := open(t, s)
	defer e.Close()
	bs, ok := e.(encode.BitrateSetter)
	fd := newFeeder(t, s)
	pkts, pts := encodeN(t, e, fd, 10, func(i int) bool { return i == 0 })
	checkSame(t, pkts, pts)
	release(pkts)
	if ok {
		if err := bs.SetBitrate(s.BitrateKbps / 2); err != nil {
			t.Logf("%s: %v", e.Name(), err)
			t.Fatalf("bitrate change refused")
		}
	} else {
		t.Logf("%s has no bitrate control", e.Name())
	}
	pkts, pts = encodeN(t, e, fd, 10, nil)
	checkSame(t, pkts, pts)
	release(pkts)
}
