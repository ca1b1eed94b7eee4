//go:build cgo

package opus

import (
	"bytes"
	"encoding/binary"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/encode"
)

// tone is frames of interleaved PCM: a hz sine in every channel, with
// channel c at amp[c], starting at sample position start.
func tone(frames int, hz float64, amp []float64, start int) []int16 {
	pcm := make([]int16, 0, frames*len(amp))
	for i := range frames {
		s := math.Sin(2 * math.Pi * hz * float64(start+i) / Rate)
		for _, a := range amp {
			pcm = append(pcm, int16(math.Round(a*s)))
		}
	}
	return pcm
}

// decode turns an Ogg Opus file into interleaved 48 kHz PCM with ffmpeg,
// failing on any decoding error.
func decode(t *testing.T, path string, channels int) []int16 {
	t.Helper()
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Fatal("this test needs ffmpeg to decode Opus (make deps-test installs it)")
	}
	cmd := exec.Command(ff, "-v", "error", "-xerror", "-i", path,
		"-f", "s16le", "-ac", strconv.Itoa(channels), "-ar", "48000", "-")
	var out, errs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errs
	if err := cmd.Run(); err != nil || errs.Len() > 0 {
		t.Fatalf("ffmpeg cannot decode the packets: %v: %s", err, errs.String())
	}
	pcm := make([]int16, out.Len()/2)
	if err := binary.Read(&out, binary.LittleEndian, pcm); err != nil {
		t.Fatal(err)
	}
	return pcm
}

// measure returns channel c's RMS and its frequency from zero crossings.
func measure(pcm []int16, channels, c int) (rms, hz float64) {
	var sum float64
	var crossings, n int
	prev := pcm[c]
	for i := c; i < len(pcm); i += channels {
		v := pcm[i]
		sum += float64(v) * float64(v)
		if (prev < 0) != (v < 0) {
			crossings++
		}
		prev = v
		n++
	}
	return math.Sqrt(sum / float64(n)), float64(crossings) / 2 / (float64(n) / Rate)
}

// encodeChunks feeds pcm to e in pieces of the given lengths, in turn,
// none of them a whole frame and some splitting a stereo sample.
func encodeChunks(t *testing.T, e *Encoder, pcm []int16, chunks []int, origin time.Duration) []*encode.Packet {
	t.Helper()
	var pkts []*encode.Packet
	var err error
	for i := 0; len(pcm) > 0; i++ {
		k := min(chunks[i%len(chunks)], len(pcm))
		if pkts, err = e.Encode(pkts, pcm[:k], origin); err != nil {
			t.Fatal(err)
		}
		pcm = pcm[k:]
	}
	return pkts
}

func TestEncodeTone(t *testing.T) {
	tests := []struct {
		name string
		amp  []float64 // per channel: a swap or a mixdown shows
		kbps int
	}{
		{"stereo", []float64{12000, 6000}, 64},
		{"mono", []float64{12000}, 32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := len(tt.amp)
			e, err := New(Rate, ch, tt.kbps)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			if e.FrameSize() != 960 || e.Config() != nil {
				t.Fatalf("frame size %d, config %x: want 960 and none", e.FrameSize(), e.Config())
			}
			const seconds = 2
			origin := 5 * time.Second
			pkts := encodeChunks(t, e, tone(seconds*Rate, 1000, tt.amp, 0), []int{1, 479, 2*960*ch + 7, 1000, 3}, origin)
			pkts, _ = e.Flush(pkts, origin) // nothing left: 2 s is 100 frames
			checkPackets(t, pkts, seconds*50, origin)
			if kbps := bitrate(pkts[5:]); math.Abs(kbps-float64(tt.kbps)) > float64(tt.kbps)*0.15 {
				t.Errorf("%.1f kbps, want about %d", kbps, tt.kbps)
			}
			if e.Lookahead() != 312 { // 2.5 ms + 4 ms at 48 kHz, not in low-delay mode
				t.Errorf("lookahead %d samples, want 312", e.Lookahead())
			}
			data := make([][]byte, len(pkts))
			for i, p := range pkts {
				data[i] = p.Data
			}
			pcm := decode(t, writeOggOpus(t, data, ch, e.Lookahead(), e.FrameSize()), ch)
			// Every packet decodes: the sound is all there, less the pre-skip.
			if want := (len(pkts)*e.FrameSize() - e.Lookahead()) * ch; len(pcm) != want {
				t.Fatalf("decoded %d samples, want %d", len(pcm), want)
			}
			pcm = pcm[ch*Rate/10 : len(pcm)-ch*Rate/10] // leave out the start and end
			for c, a := range tt.amp {
				rms, hz := measure(pcm, ch, c)
				if want := a / math.Sqrt2; math.Abs(rms-want) > want/10 {
					t.Errorf("channel %d: RMS %.0f, want %.0f", c, rms, want)
				}
				if math.Abs(hz-1000) > 5 {
					t.Errorf("channel %d: %.1f Hz, want 1000", c, hz)
				}
			}
		})
	}
}

// bitrate is the kbps of 20 ms packets.
func bitrate(pkts []*encode.Packet) float64 {
	var n int
	for _, p := range pkts {
		n += len(p.Data)
	}
	return float64(n*8) / (float64(len(pkts)) * 0.020) / 1000
}

// checkPackets checks n audio packets 20 ms apart from origin, each a key.
func checkPackets(t *testing.T, pkts []*encode.Packet, n int, origin time.Duration) {
	t.Helper()
	if len(pkts) != n {
		t.Fatalf("%d packets, want %d", len(pkts), n)
	}
	for i, p := range pkts {
		want := origin + time.Duration(i)*20*time.Millisecond
		if p.PTS != want || p.DTS != want || !p.Key || p.Kind != encode.Audio || len(p.Data) == 0 {
			t.Fatalf("packet %d: PTS %v DTS %v key %v kind %v %d bytes, want PTS = DTS = %v, a key audio packet",
				i, p.PTS, p.DTS, p.Key, p.Kind, len(p.Data), want)
		}
	}
}

func TestFlush(t *testing.T) {
	e, err := New(Rate, 2, 64)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	amp := []float64{8000, 8000}
	pkts, _ := e.Encode(nil, tone(1500, 440, amp, 0), 0)
	if len(pkts) != 1 {
		t.Fatalf("%d packets for 1.56 frames before Flush, want 1", len(pkts))
	}
	if pkts, err = e.Flush(pkts, 0); err != nil {
		t.Fatal(err)
	}
	if pkts, _ = e.Flush(pkts, 0); len(pkts) != 2 {
		t.Fatalf("%d packets after Flush (twice), want 2: the rest padded, then nothing", len(pkts))
	}
	// The stream goes on after the padded frame.
	pkts, _ = e.Encode(pkts, tone(960, 440, amp, 0), 0)
	checkPackets(t, pkts, 3, 0)
}

func TestClose(t *testing.T) {
	e, err := New(Rate, 1, 32)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // Close may be called again
		if err := e.Close(); err != nil {
			t.Fatalf("Close %d: %v", i+1, err)
		}
	}
	if _, err := e.Encode(nil, make([]int16, 960), 0); err == nil || !strings.Contains(err.Error(), "Close") {
		t.Fatalf("Encode after Close: %v, want an error naming Close", err)
	}
	if pkts, err := e.Flush(nil, 0); len(pkts) != 0 || err != nil {
		t.Fatalf("Flush after Close: %d packets, %v", len(pkts), err)
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name                 string
		rate, channels, kbps int
		want                 string
	}{
		{"44.1 kHz", 44100, 2, 64, "rate 44100 Hz: allowed 48000"},
		{"16 kHz", 16000, 1, 64, "rate 16000 Hz: allowed 48000"},
		{"no channels", 48000, 0, 64, "0 channels: allowed 1 or 2"},
		{"surround", 48000, 6, 64, "6 channels: allowed 1 or 2"},
		{"no bitrate", 48000, 2, 0, "bitrate 0 kbps: allowed 6 to 510"},
		{"too high", 48000, 2, 1000, "bitrate 1000 kbps: allowed 6 to 510"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(tt.rate, tt.channels, tt.kbps)
			if err == nil {
				e.Close()
				t.Fatal("accepted")
			}
			if !strings.HasPrefix(err.Error(), "opus: ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want it to say %q", err, tt.want)
			}
		})
	}
}

func BenchmarkEncodeStereo(b *testing.B) {
	e, err := New(Rate, 2, 64)
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	pcm := tone(960, 1000, []float64{12000, 12000}, 0)
	var pkts []*encode.Packet
	b.ReportAllocs()
	for b.Loop() { // one 20 ms frame per op
		pkts, _ = e.Encode(pkts[:0], pcm, 0)
		for _, p := range pkts {
			p.Release()
		}
	}
}
