// Package m2m is the hardware H.264 backend: a stateful V4L2
// memory-to-memory encoder (bcm2835-codec on the Pi 4, CM4 and Zero 2 W)
// driven by package v4l2. It sets the controls IVS needs (CBR, bitrate,
// I-period, SPS/PPS on every IDR, profile, level), lays frames out with the
// stride the driver asks for (bcm2835: a multiple of 64, 1080 rows padded to
// 1088), and folds a first buffer that holds only SPS/PPS into the next
// picture. The same state machine drives vicodec (FWHT) in the test rig.
package m2m

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/encode/h264"
	"github.com/pitchbox/pitchbox/frame"
	"github.com/pitchbox/pitchbox/v4l2"
)

// Options select the node and codec.
type Options struct {
	// Path of the encoder node; "" finds the first H.264 M2M encoder.
	Path string
	// Coded is the bitstream format (default H.264).
	Coded v4l2.FourCC
}

// Find returns the first H.264 memory-to-memory encoder node, or "".
func Find() string {
	for _, e := range v4l2.Encoders(v4l2.FmtH264) {
		return e.Path
	}
	return ""
}

// Encoder is a V4L2 M2M encoder. It is used from one goroutine.
type Encoder struct {
	m        *v4l2.M2M
	s        encode.Settings
	coded    v4l2.FourCC
	name     string
	canForce bool
	params   []byte // SPS/PPS delivered alone, put before the next picture
	out      []*encode.Packet
	queued   int // frames queued since the stream (re)started
	deliver  func(*v4l2.Coded)
}

// New opens the encoder with IVS-safe settings.
func New(s encode.Settings, o Options) (*Encoder, error) {
	if o.Coded == 0 {
		o.Coded = v4l2.FmtH264
	}
	if o.Path == "" {
		o.Path = Find()
		if o.Path == "" {
			return nil, fmt.Errorf("m2m: no H.264 memory-to-memory encoder: %w", encode.ErrUnavailable)
		}
	}
	if s.KeyframeInterval <= 0 {
		s.KeyframeInterval = 2 * time.Second
	}
	cfg := v4l2.M2MConfig{
		Path: o.Path, Width: s.Width, Height: s.Height, FPS: s.FPS,
		Raw: v4l2.FmtYU12, Coded: o.Coded,
		BytesPerLine: (s.Width + 63) &^ 63,
		Buffers:      4,
	}
	if o.Coded == v4l2.FmtH264 {
		period := int32(s.KeyframeInterval.Seconds()*float64(s.FPS) + 0.5)
		cfg.CodedSize = max(512<<10, s.Width*s.Height/2)
		cfg.Controls = []v4l2.CtrlValue{
			{ID: v4l2.CIDBitrateMode, Value: v4l2.BitrateModeCBR},
			{ID: v4l2.CIDBitrate, Value: int32(s.BitrateKbps * 1000)},
			{ID: v4l2.CIDH264IPeriod, Value: period},
			{ID: v4l2.CIDRepeatSeqHeader, Value: 1},
			{ID: v4l2.CIDH264Profile, Value: profile(s)},
			{ID: v4l2.CIDH264Level, Value: level(s)},
		}
	}
	m, err := v4l2.OpenM2M(cfg)
	if err != nil {
		return nil, fmt.Errorf("m2m: %w", err)
	}
	for _, c := range m.Controls() {
		if c.Got != c.Value {
			m.Close()
			return nil, fmt.Errorf("m2m: %s: control %#x set to %d, driver kept %d", o.Path, c.ID, c.Value, c.Got)
		}
	}
	e := &Encoder{m: m, s: s, coded: o.Coded, canForce: m.HasControl(v4l2.CIDForceKeyFrame)}
	e.name = fmt.Sprintf("m2m %s %v", o.Path, o.Coded)
	e.deliver = e.collect
	return e, nil
}

// level picks the H.264 level for the picture size and rate.
func level(s encode.Settings) int32 {
	mbps := (s.Width + 15) / 16 * ((s.Height + 15) / 16) * s.FPS
	switch {
	case mbps <= 108000 && s.BitrateKbps <= 14000:
		return v4l2.H264Level31
	case mbps <= 245760 && s.BitrateKbps <= 20000:
		return v4l2.H264Level40
	}
	return v4l2.H264Level41
}

// Name implements encode.Encoder.
func (e *Encoder) Name() string { return e.name }

// H264 reports whether the encoder codes H.264 (the rig's vicodec codes
// FWHT).
func (e *Encoder) H264() bool { return e.coded == v4l2.FmtH264 }

// CanForceKeyframe implements encode.KeyframeForcer: with the driver's
// control, or else by restarting the stream.
func (e *Encoder) CanForceKeyframe() bool { return true }

// collect turns a coded buffer into a packet appended to e.out.
func (e *Encoder) collect(c *v4l2.Coded) {
	if len(c.Data) == 0 {
		return
	}
	if e.coded == v4l2.FmtH264 && !hasPicture(c.Data) {
		// bcm2835's first buffer: SPS/PPS alone.
		e.params = append(e.params[:0], c.Data...)
		return
	}
	p := encode.NewPacket(encode.Video)
	if len(e.params) > 0 {
		p.Data = append(p.Data, e.params...)
		e.params = e.params[:0]
	}
	p.Data = append(p.Data, c.Data...)
	p.PTS, p.DTS = c.Timestamp, c.Timestamp
	p.Key = c.Key() || e.isKey(c.Data)
	e.out = append(e.out, p)
}

func hasPicture(au []byte) bool {
	for rest := au; ; {
		nal, r, ok := h264.NextNAL(rest)
		if !ok {
			return false
		}
		if t := h264.Type(nal); t == h264.TypeIDR || t == h264.TypeNonIDR {
			return true
		}
		rest = r
	}
}

// isKey reads the keyframe flag from the bitstream when the driver does not
// set V4L2_BUF_FLAG_KEYFRAME.
func (e *Encoder) isKey(data []byte) bool {
	switch e.coded {
	case v4l2.FmtH264:
		return h264.IsIDR(data)
	case v4l2.FmtFWHT:
		// struct fwht_cframe_hdr: big-endian flags at byte 20; I-frame is
		// bit 10 (V4L2_FWHT_FL_I_FRAME).
		return len(data) >= 24 && binary.BigEndian.Uint32(data[20:24])&(1<<10) != 0
	}
	return false
}

// Encode implements encode.Encoder.
func (e *Encoder) Encode(dst []*encode.Packet, f *frame.Frame, keyframe bool) ([]*encode.Packet, error) {
	if f.Width != e.s.Width || f.Height != e.s.Height {
		return dst, fmt.Errorf("m2m: frame is %dx%d, encoder is %dx%d", f.Width, f.Height, e.s.Width, e.s.Height)
	}
	e.out = dst
	if keyframe && e.canForce {
		if _, err := e.m.SetControl(v4l2.CIDForceKeyFrame, 1); err != nil {
			return e.out, fmt.Errorf("m2m: %w", err)
		}
	} else if keyframe && e.queued > 0 {
		// No force-keyframe control: drain and restart the stream, which
		// starts a new sequence at a keyframe. It costs the pipeline's
		// depth in latency, so it is only the fallback.
		if _, err := e.Flush(e.out); err != nil {
			return e.out, err
		}
	}
	e.queued++
	if err := e.m.Queue(f, time.Second, e.deliver); err != nil {
		return e.out, fmt.Errorf("m2m: %w", err)
	}
	if err := e.m.Poll(0, e.deliver); err != nil {
		return e.out, fmt.Errorf("m2m: %w", err)
	}
	return e.out, nil
}

// Flush implements encode.Encoder: it drains the encoder to its LAST
// buffer and starts it again.
func (e *Encoder) Flush(dst []*encode.Packet) ([]*encode.Packet, error) {
	e.out = dst
	if err := e.m.Drain(2*time.Second, e.deliver); err != nil {
		return e.out, fmt.Errorf("m2m: %w", err)
	}
	if err := e.m.Start(); err != nil {
		return e.out, fmt.Errorf("m2m: %w", err)
	}
	e.queued = 0
	return e.out, nil
}

// SetBitrate implements encode.BitrateSetter: the bitrate control of an
// H.264 encoder. vicodec's FWHT has no rate control; there the quantiser
// stands in (scaled from QP 20 at the starting bitrate), so the rig still
// exercises changing a control while both queues stream.
func (e *Encoder) SetBitrate(kbps int) error {
	if kbps <= 0 {
		return fmt.Errorf("m2m: bitrate %d kbps: must be positive", kbps)
	}
	if e.coded == v4l2.FmtFWHT {
		qp := int32(min(max(20*e.s.BitrateKbps/kbps, 1), 31))
		for _, id := range []uint32{v4l2.CIDFWHTIFrameQP, v4l2.CIDFWHTPFrameQP} {
			if got, err := e.m.SetControl(id, qp); err != nil || got != qp {
				return fmt.Errorf("m2m: quantiser %d for %d kbps: kept %d: %v", qp, kbps, got, err)
			}
		}
		return nil
	}
	if !e.m.HasControl(v4l2.CIDBitrate) {
		return fmt.Errorf("m2m: %s has no bitrate control", e.name)
	}
	got, err := e.m.SetControl(v4l2.CIDBitrate, int32(kbps*1000))
	if err != nil {
		return fmt.Errorf("m2m: %w", err)
	}
	if got != int32(kbps*1000) {
		return fmt.Errorf("m2m: bitrate set to %d, driver kept %d", kbps*1000, got)
	}
	e.s.BitrateKbps = kbps
	return nil
}

// Close implements encode.Encoder.
func (e *Encoder) Close() error { return e.m.Close() }

// profile is the H.264 profile control for s: constrained baseline when
// asked (WebRTC), else main.
func profile(s encode.Settings) int32 {
	if s.Baseline {
		return v4l2.H264ProfileConstrainedBas
	}
	return v4l2.H264ProfileMain
}
