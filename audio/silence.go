// Package audio provides the stream's sound. IVS does not accept video
// without audio, so with no microphone the box sends a silent AAC-LC track;
// silent AAC frames need no encoder at all.
package audio

import (
	"time"

	"github.com/pitchbox/pitchbox/encode"
)

// AAC-LC constants of the silent track.
const (
	SampleRate      = 44100
	Channels        = 2
	SamplesPerFrame = 1024
)

// FrameDuration is the length of one AAC frame: 1024 samples.
const FrameDuration = time.Second * SamplesPerFrame / SampleRate

// AudioSpecificConfig is the AAC-LC, 44.1 kHz, stereo decoder config
// (ISO 14496-3 1.6.2.1): object type 2, frequency index 4, channel
// configuration 2, GASpecificConfig all zero.
var AudioSpecificConfig = []byte{0x12, 0x10}

// silentFrame is one raw_data_block holding a channel pair element whose
// two channels share an ics_info with max_sfb = 0 (no spectral data: pure
// silence), then the END element.
var silentFrame = buildSilentFrame()

type bitWriter struct {
	b    []byte
	nbit int
}

func (w *bitWriter) put(v uint32, n int) {
	for i := n - 1; i >= 0; i-- {
		if w.nbit%8 == 0 {
			w.b = append(w.b, 0)
		}
		if v>>uint(i)&1 != 0 {
			w.b[len(w.b)-1] |= 0x80 >> uint(w.nbit%8)
		}
		w.nbit++
	}
}

func buildSilentFrame() []byte {
	var w bitWriter
	w.put(1, 3) // id_syn_ele = ID_CPE
	w.put(0, 4) // element_instance_tag
	w.put(1, 1) // common_window
	// ics_info
	w.put(0, 1) // ics_reserved_bit
	w.put(0, 2) // window_sequence = ONLY_LONG_SEQUENCE
	w.put(0, 1) // window_shape
	w.put(0, 6) // max_sfb = 0: no scale factor bands coded
	w.put(0, 1) // predictor_data_present
	w.put(0, 2) // ms_mask_present
	for ch := 0; ch < 2; ch++ {
		w.put(100, 8) // global_gain (unused with no bands)
		// section_data and scale_factor_data are empty for max_sfb = 0.
		w.put(0, 1) // pulse_data_present
		w.put(0, 1) // tns_data_present
		w.put(0, 1) // gain_control_data_present
	}
	w.put(7, 3) // id_syn_ele = ID_END
	return w.b
}

// SilentFrame returns one silent AAC-LC frame (do not modify it).
func SilentFrame() []byte { return silentFrame }

// opusSilentFrame is one 20 ms Opus packet (CELT only, fullband, one
// mono frame) whose range-coded payload decodes to silence.
var opusSilentFrame = []byte{0xF8, 0xFF, 0xFE}

// Opus frames of the silent track: 20 ms at 48 kHz.
const (
	opusRate  = 48000
	opusFrame = 960
)

// Silence produces silent frames that follow the video clock: Until
// returns the frames due up to a time, so audio and video stay muxed in
// timestamp order. They are AAC-LC frames, or Opus ones for WebRTC when
// Opus is set.
type Silence struct {
	// Opus makes 20 ms Opus frames instead of AAC ones.
	Opus    bool
	origin  time.Duration
	next    time.Duration
	started bool
	// Frames counts frames produced.
	Frames uint64
}

// Until appends to dst a packet for each silent frame whose start time is
// at or before t, starting from the first t seen, and returns dst.
func (s *Silence) Until(dst []*encode.Packet, t time.Duration) []*encode.Packet {
	if !s.started {
		s.started, s.origin, s.next = true, t, t
	}
	frame, samples, rate := silentFrame, SamplesPerFrame, SampleRate
	if s.Opus {
		frame, samples, rate = opusSilentFrame, opusFrame, opusRate
	}
	for s.next <= t {
		p := encode.NewPacket(encode.Audio)
		p.Data = append(p.Data, frame...)
		p.PTS, p.DTS, p.Key = s.next, s.next, true
		dst = append(dst, p)
		s.Frames++
		// Exact sample arithmetic so stamps never drift.
		s.next = s.origin + SampleTime(int64(s.Frames)*int64(samples), rate)
	}
	return dst
}

// SampleTime is the time of sample position n at rate, exact and without
// overflow for any n a stream reaches (n × 1 s would overflow int64 after
// 58 hours at 44.1 kHz).
func SampleTime(n int64, rate int) time.Duration {
	r := int64(rate)
	s := n / r
	return time.Duration(s)*time.Second + time.Duration(n-s*r)*time.Second/time.Duration(r)
}
