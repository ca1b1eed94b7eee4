// Package encodetest is the conformance suite every encode.Encoder
// backend passes: x264 on any host, the V4L2 M2M driver inside the test rig
// (against vicodec). It checks the contract the box relies on, not picture
// quality.
package encodetest

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/frame"
	"github.com/pitchbox/pitchbox/frame/testpattern"
)

// Factory opens a fresh encoder with settings s.
type Factory func(t *testing.T, s encode.Settings) encode.Encoder

// Caps says what the backend under test cannot do that the suite would
// otherwise measure. The zero value claims everything.
type Caps struct {
	// NoRateControl, if set, says why the backend's output does not follow
	// its bitrate (vicodec's FWHT has no rate control). The bitrate case
	// then checks only that a change is accepted while streaming, and skips
	// the measurement giving this reason.
	NoRateControl string
}

// Run runs the suite. s gives size, rate and bitrate to test at (the
// bitrate case starts at s.BitrateKbps and drops to a quarter of it).
func Run(t *testing.T, s encode.Settings, open Factory, caps Caps) {
	t.Run("frames in order with timestamps", func(t *testing.T) { inOrder(t, s, open) })
	t.Run("keyframe on request", func(t *testing.T) { keyOnRequest(t, s, open) })
	t.Run("drain loses nothing and encoding resumes", func(t *testing.T) { drain(t, s, open) })
	t.Run("stop and restart", func(t *testing.T) { restart(t, s, open) })
	t.Run("bitrate change while running", func(t *testing.T) { bitrate(t, s, open, caps) })
}

type feeder struct {
	pat  *testpattern.Pattern
	pool *frame.Pool
	f    *frame.Frame
	fps  int
	n    int
	// noise, if set, is XORed into every sample (6 bits, fresh each
	// frame), so that no frame predicts the next and an encoder spends
	// whatever bitrate it is given.
	noise *rand.Rand
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
	if fd.noise != nil {
		for _, plane := range [][]byte{fd.f.Y, fd.f.U, fd.f.V} {
			i := 0
			for ; i+8 <= len(plane); i += 8 {
				v := binary.LittleEndian.Uint64(plane[i:])
				binary.LittleEndian.PutUint64(plane[i:], v^fd.noise.Uint64()&0x3f3f3f3f3f3f3f3f)
			}
			for ; i < len(plane); i++ {
				plane[i] ^= byte(fd.noise.Uint64()) & 0x3f
			}
		}
	}
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

// bitrate encodes a busy picture (the pattern under fresh noise) at
// s.BitrateKbps, lowers the bitrate to a quarter while streaming, and
// compares the bytes of equally long windows, each after a settling
// second: the lower rate must give at most 60% of the higher's bytes. The
// higher rate must be mostly used, or the picture is too easy to show a
// drop.
func bitrate(t *testing.T, s encode.Settings, open Factory, caps Caps) {
	hi := s.BitrateKbps
	lo := hi / 4
	e := open(t, s)
	defer e.Close()
	bs, ok := e.(encode.BitrateSetter)
	if !ok {
		t.Fatalf("%s has no bitrate control (encode.BitrateSetter)", e.Name())
	}
	fd := newFeeder(t, s)
	fd.noise = rand.New(rand.NewPCG(1, 2))
	// Frames per phase: one second to settle, two measured.
	settle, window := s.FPS, 2*s.FPS
	if caps.NoRateControl != "" {
		settle, window = 0, 10 // nothing to measure
	}
	n := settle + window
	var pkts []*encode.Packet
	var pts []time.Duration
	var err error
	for i := 0; i < 2*n; i++ {
		if i == n {
			if err := bs.SetBitrate(lo); err != nil {
				t.Fatalf("%s: bitrate change to %d kbps refused while streaming: %v", e.Name(), lo, err)
			}
		}
		f := fd.next()
		pts = append(pts, f.PTS.Truncate(time.Microsecond))
		if pkts, err = e.Encode(pkts, f, i == 0); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	if pkts, err = e.Flush(pkts); err != nil {
		t.Fatalf("flush: %v", err)
	}
	checkSame(t, pkts, pts) // packet i is frame i
	defer release(pkts)
	if caps.NoRateControl != "" {
		// What this hardware allows is checked: the change is taken while
		// streaming and every frame still comes out, in order.
		t.Logf("%s: %s; the change to %d kbps was accepted while streaming, the output is not measured", e.Name(), caps.NoRateControl, lo)
		return
	}
	bytes := func(from, to int) (b int) {
		for _, p := range pkts[from:to] {
			b += len(p.Data)
		}
		return b
	}
	hiBytes, loBytes := bytes(settle, n), bytes(n+settle, 2*n)
	kbps := func(b int) float64 { return float64(b) * 8 / 1000 / (float64(window) / float64(s.FPS)) }
	t.Logf("%s: %.0f kbps at %d kbps, %.0f kbps after the change to %d kbps (%.0f%%)",
		e.Name(), kbps(hiBytes), hi, kbps(loBytes), lo, 100*float64(loBytes)/float64(hiBytes))
	if kbps(hiBytes) < 0.5*float64(hi) {
		t.Fatalf("only %.0f kbps of %d kbps used on the noisy picture: too easy to show a bitrate drop", kbps(hiBytes), hi)
	}
	if float64(loBytes) > 0.6*float64(hiBytes) {
		t.Fatalf("after the change from %d to %d kbps the output is %.0f kbps, %.0f%% of the %.0f kbps before: want at most 60%%",
			hi, lo, kbps(loBytes), 100*float64(loBytes)/float64(hiBytes), kbps(hiBytes))
	}
}
