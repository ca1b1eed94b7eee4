//go:build hil

package vmtest

import (
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/frame"
	"github.com/pitchbox/pitchbox/v4l2"
)

// fwhtMarker is the luma of frame i's left half in the test streams.
func fwhtMarker(i int) byte { return byte(40 + (i*17)%180) }

// encodeFWHT makes a w×h FWHT stream of n frames with vicodec's encoder
// (I- and P-frames, as vicodec's GOP makes them): frame i has a flat left
// half of luma fwhtMarker(first+i) and a ramp on the right.
func encodeFWHT(t *testing.T, enc *v4l2.M2M, w, h, first, n int) [][]byte {
	t.Helper()
	f, err := frame.New(w, h)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	keep := func(c *v4l2.Coded) {
		if len(c.Data) > 0 {
			out = append(out, append([]byte(nil), c.Data...))
		}
	}
	for i := 0; i < n; i++ {
		f.Fill(0, 128, 128)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				v := fwhtMarker(first + i)
				if x >= w/2 {
					v = byte(16 + (x-w/2)*200/(w/2))
				}
				f.Y[y*f.YStride+x] = v
			}
		}
		f.PTS = time.Duration(first+i+1) * 40 * time.Millisecond
		if err := enc.Queue(f, 2*time.Second, keep); err != nil {
			t.Fatal(err)
		}
	}
	for len(out) < n {
		before := len(out)
		if err := enc.Poll(500*time.Millisecond, keep); err != nil {
			t.Fatal(err)
		}
		if len(out) == before {
			t.Fatalf("encoder gave %d of %d frames", len(out), n)
		}
	}
	return out
}

// fwhtEncoder opens vicodec's encoder at w×h.
func fwhtEncoder(t *testing.T, w, h int) *v4l2.M2M {
	t.Helper()
	enc, err := v4l2.OpenM2M(v4l2.M2MConfig{Path: vicodecEncoder(t).Path, Width: w, Height: h, FPS: 25,
		Raw: v4l2.FmtYU12, Coded: v4l2.FmtFWHT})
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

// vicodecDecoder finds vicodec's stateful decoder node.
func vicodecDecoder(t *testing.T) v4l2.DecoderInfo {
	t.Helper()
	for _, d := range v4l2.Decoders(v4l2.FmtFWHT) {
		if d.Driver == "vicodec" {
			return d
		}
	}
	t.Fatal("no vicodec decoder node")
	return v4l2.DecoderInfo{}
}

// picture is what the conformance suite keeps of a decoded picture.
type picture struct {
	ts     time.Duration
	w, h   int
	marker byte
}

// TestM2MDecoderConformance runs pitchbox's stateful decoder against
// vicodec, single- and multi-planar: N coded buffers in give N pictures
// out in order with their timestamps; the first header raises a source
// change, a drain ends with LAST, decoding resumes after Start, and a
// resolution change mid-stream sets the CAPTURE queue up again.
func TestM2MDecoderConformance(t *testing.T) {
	for _, mp := range []bool{false, true} {
		name := map[bool]string{false: "single-planar", true: "multi-planar"}[mp]
		t.Run(name, func(t *testing.T) {
			reloadVicodec(t, mp)
			decoderConformance(t)
		})
	}
}

func decoderConformance(t *testing.T) {
	// vicodec's smallest size is 640x360; 960x540 is coded as 960x544,
	// so the decoded buffer has more rows than the picture.
	enc := fwhtEncoder(t, 640, 360)
	s1 := encodeFWHT(t, enc, 640, 360, 0, 12)
	enc.Close()
	// After a drain the stream goes on from a keyframe (vicodec drops its
	// reference picture when CAPTURE restarts): a new encoder session.
	enc = fwhtEncoder(t, 640, 360)
	s2 := encodeFWHT(t, enc, 640, 360, 12, 6)
	enc.Close()
	enc = fwhtEncoder(t, 960, 540)
	s3 := encodeFWHT(t, enc, 960, 540, 18, 6)
	enc.Close()
	info := vicodecDecoder(t)
	dec, err := v4l2.OpenM2MDecoder(v4l2.M2MDecoderConfig{Path: info.Path, Coded: v4l2.FmtFWHT, Width: 640, Height: 360})
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var got []picture
	deliver := func(p *v4l2.Decoded) {
		if p.Flags&v4l2.BufFlagError != 0 {
			t.Errorf("picture %v flagged as an error", p.Timestamp)
			return
		}
		got = append(got, picture{p.Timestamp, p.Width, p.Height, p.Data[8*p.Stride+8]})
	}
	queue := func(s [][]byte, first int) {
		for i, c := range s {
			if err := dec.Queue(c, time.Duration(first+i+1)*40*time.Millisecond, 2*time.Second, deliver); err != nil {
				t.Fatal(err)
			}
		}
	}
	queue(s1, 0)
	if err := dec.Drain(5*time.Second, deliver); err != nil {
		t.Fatal(err)
	}
	w, h, f := dec.Format()
	t.Logf("%s (%s): first header: %dx%d %v after %d source change(s); %d pictures before LAST", info.Path, map[bool]string{true: "multi-planar"}[info.MPlane], w, h, f, dec.SourceChanges(), len(got))
	if dec.SourceChanges() != 1 || w != 640 || h != 360 {
		t.Fatalf("after the first header: %d source changes, %dx%d", dec.SourceChanges(), w, h)
	}
	checkPictures(t, got, 0, len(s1), 640, 360)
	resumeAndResize(t, dec, s2, s3)
	syncDecode(t, info.Path, s1)
}

// resumeAndResize checks Start after a drain and a resolution change:
// s2 at the first size, then s3 at 960x540.
func resumeAndResize(t *testing.T, dec *v4l2.M2MDecoder, s2, s3 [][]byte) {
	var got []picture
	deliver := func(p *v4l2.Decoded) {
		got = append(got, picture{p.Timestamp, p.Width, p.Height, p.Data[8*p.Stride+8]})
	}
	queue := func(s [][]byte, first int) {
		for i, c := range s {
			if err := dec.Queue(c, time.Duration(first+i+1)*40*time.Millisecond, 2*time.Second, deliver); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := dec.Queue(s2[0], time.Second, time.Second, deliver); err != v4l2.ErrDecoderStopped {
		t.Fatalf("queue after a drain: %v, want ErrDecoderStopped", err)
	}
	if err := dec.Start(); err != nil {
		t.Fatal(err)
	}
	queue(s2, 12)
	queue(s3, 18)
	if err := dec.Drain(5*time.Second, deliver); err != nil {
		t.Fatal(err)
	}
	w, h, _ := dec.Format()
	t.Logf("after Start and a resolution change: %dx%d, %d source changes, %d pictures", w, h, dec.SourceChanges(), len(got))
	if dec.SourceChanges() != 2 || w != 960 || h != 540 {
		t.Fatalf("after the resolution change: %d source changes, %dx%d", dec.SourceChanges(), w, h)
	}
	checkPictures(t, got[:min(len(got), len(s2))], 12, len(s2), 640, 360)
	checkPictures(t, got[min(len(got), len(s2)):], 18, len(s3), 960, 540)
}

// checkPictures compares decoded pictures with what went in: n of them,
// in order, each with its coded buffer's timestamp, size and marker.
func checkPictures(t *testing.T, got []picture, first, n, w, h int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("%d pictures out for %d coded buffers in", len(got), n)
	}
	for i, p := range got {
		ts := time.Duration(first+i+1) * 40 * time.Millisecond
		if p.ts != ts || p.w != w || p.h != h {
			t.Fatalf("picture %d: %v %dx%d, want %v %dx%d", first+i, p.ts, p.w, p.h, ts, w, h)
		}
		if d := int(p.marker) - int(fwhtMarker(first+i)); d < -6 || d > 6 {
			t.Fatalf("picture %d: marker luma %d, want %d", first+i, p.marker, fwhtMarker(first+i))
		}
	}
}

// syncDecode runs the camera's form, Decode into a frame, and checks that
// steady state allocates nothing.
func syncDecode(t *testing.T, path string, s [][]byte) {
	dec, err := v4l2.OpenM2MDecoder(v4l2.M2MDecoderConfig{Path: path, Coded: v4l2.FmtFWHT, Width: 640, Height: 360})
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	dst, _ := frame.New(640, 360)
	start := time.Now()
	for i, c := range s[:6] {
		if err := dec.Decode(dst, c); err != nil {
			t.Fatalf("decode %d: %v", i, err)
		}
		if d := int(dst.Y[8*dst.YStride+8]) - int(fwhtMarker(i)); d < -6 || d > 6 {
			t.Fatalf("decode %d: marker luma %d, want %d", i, dst.Y[8*dst.YStride+8], fwhtMarker(i))
		}
	}
	per := time.Since(start) / 6
	i := 6
	allocs := testing.AllocsPerRun(4, func() {
		if err := dec.Decode(dst, s[i]); err != nil {
			t.Fatal(err)
		}
		i++
	})
	t.Logf("Decode: %v per 640x360 picture (TCG), %v allocations per call", per.Round(time.Microsecond), allocs)
	if allocs != 0 {
		t.Errorf("Decode allocates %v times per picture", allocs)
	}
}
