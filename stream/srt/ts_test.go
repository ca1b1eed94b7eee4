package srt

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/mpegts"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mpegts/codecs"
)

// asc48k is the AudioSpecificConfig of AAC-LC, 48 kHz, stereo.
var asc48k = []byte{0x11, 0x90}

// testAU is an Annex B access unit: SPS, PPS and an IDR slice of n bytes
// when key, else a non-IDR slice.
func testAU(key bool, n int) []byte {
	var b []byte
	if key {
		b = append(b, 0, 0, 0, 1, 0x67, 0x42, 0xC0, 0x1F, 0xDA, 0x01, 0x40, 0x16, 0xE8, 0x40)
		b = append(b, 0, 0, 0, 1, 0x68, 0xCE, 0x3C, 0x80)
		b = append(b, 0, 0, 0, 1, 0x65)
	} else {
		b = append(b, 0, 0, 0, 1, 0x41)
	}
	for i := range n {
		b = append(b, byte(i%200)+1)
	}
	return b
}

// TestMuxReadBack muxes a few access units and AAC frames and reads them
// back with mediacommon's reader: tracks, timestamps and data survive.
func TestMuxReadBack(t *testing.T) {
	var ts bytes.Buffer
	var chunks []int
	m, err := newMuxer(asc48k, func(b []byte) error {
		chunks = append(chunks, len(b))
		ts.Write(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sizes := []int{5000, 183, 184, 1, 170, 3000}
	for i, n := range sizes {
		d := time.Duration(i) * time.Second / 30
		if err := m.writeVideo(testAU(i == 0, n), d, d+time.Second/15, i == 0); err != nil {
			t.Fatal(err)
		}
		if err := m.writeAudio(bytes.Repeat([]byte{byte(i + 1)}, 200+i*50), d); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range chunks {
		if c == 0 || c > chunkSize || c%tsSize != 0 {
			t.Fatalf("chunk of %d bytes", c)
		}
	}
	r := &mpegts.Reader{R: &ts}
	if err := r.Initialize(); err != nil {
		t.Fatal(err)
	}
	var video, audio []int64
	var vdts []int64
	for _, tr := range r.Tracks() {
		switch c := tr.Codec.(type) {
		case *codecs.H264:
			r.OnDataH264(tr, func(pts, dts int64, au [][]byte) error {
				video, vdts = append(video, pts), append(vdts, dts)
				if n := len(au[len(au)-1]) - 1; n != sizes[len(video)-1] {
					t.Errorf("access unit %d: slice of %d bytes, want %d", len(video)-1, n, sizes[len(video)-1])
				}
				return nil
			})
		case *codecs.MPEG4Audio:
			if c.Config.SampleRate != 48000 || c.Config.ChannelConfig != 2 {
				t.Errorf("audio config %+v", c.Config)
			}
			r.OnDataMPEG4Audio(tr, func(pts int64, aus [][]byte) error {
				if len(aus) != 1 || len(aus[0]) != 200+len(audio)*50 || aus[0][0] != byte(len(audio)+1) {
					t.Errorf("audio frame %d: %d frames, %d bytes", len(audio), len(aus), len(aus[0]))
				}
				audio = append(audio, pts)
				return nil
			})
		default:
			t.Fatalf("unexpected track %T", c)
		}
	}
	for {
		if err := r.Read(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if len(video) != len(sizes) || len(audio) < len(sizes)-1 {
		t.Fatalf("read back %d access units and %d audio frames", len(video), len(audio))
	}
	for i := range video {
		want := int64(tsOffset + i*3000)
		if vdts[i] != want || video[i] != want+6000 {
			t.Errorf("access unit %d: pts %d dts %d, want %d %d", i, video[i], vdts[i], want+6000, want)
		}
	}
}

func TestADTSConfig(t *testing.T) {
	if _, err := newMuxer([]byte{0xF8, 0}, nil); err == nil {
		t.Fatal("escaped object type accepted")
	}
	if _, err := newMuxer(nil, nil); err == nil {
		t.Fatal("no config accepted")
	}
}

// TestMuxAllocs: steady state, muxing allocates nothing.
func TestMuxAllocs(t *testing.T) {
	m, err := newMuxer(asc48k, func([]byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	key, inter, frame := testAU(true, 20000), testAU(false, 4000), make([]byte, 400)
	i := 0
	n := testing.AllocsPerRun(200, func() {
		d := time.Duration(i) * time.Second / 30
		_ = m.writeVideo(inter, d, d, i%60 == 0)
		if i%60 == 0 {
			_ = m.writeVideo(key, d, d, true)
		}
		_ = m.writeAudio(frame, d)
		i++
	})
	if n != 0 {
		t.Fatalf("%.1f allocations per frame", n)
	}
}
