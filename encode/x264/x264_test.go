//go:build cgo

package x264

import (
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/encode/encodetest"
	"github.com/pitchbox/pitchbox/encode/h264"
	"github.com/pitchbox/pitchbox/frame"
	"github.com/pitchbox/pitchbox/frame/testpattern"
)

func TestEncoderIVSSafe(t *testing.T) {
	const w, h, fps = 320, 240, 30
	e, err := New(encode.Settings{Width: w, Height: h, FPS: fps, BitrateKbps: 500, KeyframeInterval: 2 * time.Second, Preset: "ultrafast"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	pool, _ := frame.NewPool(w, h, 2)
	pat, _ := testpattern.New(pool, fps)
	f := pool.Get()
	var out, keys int
	for i := 0; i < 90; i++ {
		pat.Draw(f, uint64(i), 0)
		f.PTS = time.Duration(i) * time.Second / fps
		f.Seq = uint64(i)
		force := i == 0 || i == 40
		pkts, err := e.Encode(nil, f, force)
		if err != nil {
			t.Fatal(err)
		}
		if len(pkts) != 1 {
			t.Fatalf("frame %d gave %d packets: zerolatency must not buffer", i, len(pkts))
		}
		p := pkts[0]
		out++
		// x264 keeps microseconds.
		if p.PTS != p.DTS || p.PTS != f.PTS.Truncate(time.Microsecond) || p.Seq != f.Seq {
			t.Fatalf("frame %d: pts %v dts %v seq %d, want pts = dts = %v seq %d", i, p.PTS, p.DTS, p.Seq, f.PTS, f.Seq)
		}
		if force {
			sps, pps := h264.ParamSets(p.Data)
			if !p.Key || !h264.IsIDR(p.Data) || sps == nil || pps == nil {
				t.Fatalf("forced frame %d: key %v idr %v sps %d pps %d, want an IDR with SPS/PPS", i, p.Key, h264.IsIDR(p.Data), len(sps), len(pps))
			}
		}
		if p.Key {
			keys++
		}
		p.Release()
	}
	// Forced at 0 and 40; x264's own GOP backs up at a little over 2 s
	// (63 frames) after the last IDR: none inside 90 frames after 40.
	if keys != 2 {
		t.Fatalf("%d keyframes in 90 frames, want 2 (no scene-cut IDRs)", keys)
	}
	if err := e.SetBitrate(800); err != nil {
		t.Fatal(err)
	}
	// The encoder restarts at the new rate: an IDR with SPS/PPS follows.
	f.PTS += time.Second / fps
	pkts, err := e.Encode(nil, f, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkts) != 1 {
		t.Fatalf("the frame after a bitrate change gave %d packets", len(pkts))
	}
	if sps, pps := h264.ParamSets(pkts[0].Data); !pkts[0].Key || !h264.IsIDR(pkts[0].Data) || sps == nil || pps == nil {
		t.Fatalf("the frame after a bitrate change: key %v idr %v sps %d pps %d, want an IDR with SPS/PPS", pkts[0].Key, h264.IsIDR(pkts[0].Data), len(sps), len(pps))
	}
	pkts[0].Release()
	bad, _ := frame.New(64, 64)
	if _, err := e.Encode(nil, bad, false); err == nil {
		t.Fatal("a frame of the wrong size was encoded")
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	for _, s := range []encode.Settings{
		{Width: 321, Height: 240, FPS: 30, BitrateKbps: 500},
		{Width: 320, Height: 240, FPS: 0, BitrateKbps: 500},
		{Width: 320, Height: 240, FPS: 30, BitrateKbps: 500, Preset: "warp"},
	} {
		if e, err := New(s); err == nil {
			e.Close()
			t.Errorf("%+v accepted", s)
		}
	}
}

func BenchmarkEncode720pUltrafast(b *testing.B) {
	e, err := New(encode.Settings{Width: 1280, Height: 720, FPS: 30, BitrateKbps: 2500, KeyframeInterval: 2 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	pool, _ := frame.NewPool(1280, 720, 1)
	pat, _ := testpattern.New(pool, 30)
	f := pool.Get()
	b.ReportAllocs()
	i := 0
	var pkts []*encode.Packet
	for b.Loop() {
		pat.Draw(f, uint64(i), 0)
		f.PTS = time.Duration(i) * time.Second / 30
		var err error
		pkts, err = e.Encode(pkts[:0], f, false)
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range pkts {
			p.Release()
		}
		i++
	}
}

func TestConformance(t *testing.T) {
	encodetest.Run(t, encode.Settings{Width: 320, Height: 240, FPS: 30, BitrateKbps: 600, KeyframeInterval: 2 * time.Second},
		func(t *testing.T, s encode.Settings) encode.Encoder {
			e, err := New(s)
			if err != nil {
				t.Fatal(err)
			}
			return e
		}, encodetest.Caps{})
}

func TestEncodeAllocatesNothing(t *testing.T) {
	e, err := New(encode.Settings{Width: 320, Height: 240, FPS: 30, BitrateKbps: 500})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	f, _ := frame.New(320, 240)
	var pkts []*encode.Packet
	i := 0
	step := func() {
		f.PTS = time.Duration(i) * time.Second / 30
		i++
		pkts, _ = e.Encode(pkts[:0], f, false)
		for _, p := range pkts {
			p.Release()
		}
	}
	for j := 0; j < 10; j++ {
		step()
	}
	if n := testing.AllocsPerRun(30, step); n != 0 {
		t.Fatalf("%v allocations per frame", n)
	}
}

// TestBaselineProfile: asked for Baseline, the SPS says constrained
// baseline (profile_idc 66 with constraint_set1); otherwise it is main
// (77). WebRTC players refuse anything but the first.
func TestBaselineProfile(t *testing.T) {
	for _, c := range []struct {
		baseline   bool
		profile    byte
		constraint bool
	}{{true, 66, true}, {false, 77, false}} { // main may set constraint_set1 too
		e, err := New(encode.Settings{Width: 320, Height: 240, FPS: 30, BitrateKbps: 500, KeyframeInterval: time.Second, Preset: "veryfast", Baseline: c.baseline})
		if err != nil {
			t.Fatal(err)
		}
		f, _ := frame.New(320, 240)
		pkts, err := e.Encode(nil, f, true)
		e.Close()
		if err != nil || len(pkts) != 1 {
			t.Fatalf("encode: %v, %d packets", err, len(pkts))
		}
		sps, _ := h264.ParamSets(pkts[0].Data)
		pkts[0].Release()
		if len(sps) < 3 {
			t.Fatalf("no SPS")
		}
		// sps[0] is the NAL header; then profile_idc, constraint flags.
		if sps[1] != c.profile || (c.constraint && sps[2]&0x40 == 0) {
			t.Errorf("Baseline %v: profile_idc %d, constraint flags %08b; want %d, constraint_set1 %v", c.baseline, sps[1], sps[2], c.profile, c.constraint)
		}
	}
}
