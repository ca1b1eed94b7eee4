package stream

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/encode/h264"
)

// File records the stream into FLV files in Dir, one file per session,
// named pitchbox-YYYYMMDD-HHMMSS.flv. FLV needs no index, so a recording
// cut short by a power loss still plays up to its last written tag.
type File struct {
	Dir string
	// Now gives the wall clock for file names (nil: time.Now).
	Now func() time.Time
	// OnOpen, if set, is told each file's path.
	OnOpen func(path string)
}

// String implements Destination.
func (f *File) String() string { return "recording in " + f.Dir }

// Open implements Destination.
func (f *File) Open(_ context.Context, h Header) (Session, error) {
	// The recording carries the encoder's AudioSpecificConfig as it is;
	// refuse one no player could decode.
	if _, err := h.audioConfig(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(f.Dir, 0o750); err != nil {
		return nil, &RejectedError{Reason: "cannot create recording folder: " + err.Error()}
	}
	now := time.Now
	if f.Now != nil {
		now = f.Now
	}
	name := filepath.Join(f.Dir, "pitchbox-"+now().Format("20060102-150405")+".flv")
	for i := 2; ; i++ {
		if _, err := os.Stat(name); os.IsNotExist(err) {
			break
		}
		name = filepath.Join(f.Dir, fmt.Sprintf("pitchbox-%s-%d.flv", now().Format("20060102-150405"), i))
	}
	fd, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, &RejectedError{Reason: "cannot create recording: " + err.Error()}
	}
	s := &flvSession{f: fd, w: bufio.NewWriterSize(fd, 256<<10), done: make(chan struct{})}
	// FLV header: signature, version 1, audio+video, header size 9, then
	// PreviousTagSize0.
	s.w.Write([]byte{'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0})
	s.tag(9, 0, avcSequenceHeader(h.SPS, h.PPS))
	s.tag(8, 0, append([]byte{0xAF, 0}, h.AudioConfig...))
	if err := s.w.Flush(); err != nil {
		fd.Close()
		return nil, fmt.Errorf("stream: write %s: %w", name, err)
	}
	if f.OnOpen != nil {
		f.OnOpen(name)
	}
	return s, nil
}

// avcSequenceHeader is the FLV AVC sequence header: the tag's video header
// and an AVCDecoderConfigurationRecord (ISO 14496-15 5.2.4.1).
func avcSequenceHeader(sps, pps []byte) []byte {
	b := []byte{0x17, 0, 0, 0, 0, 1, 0x42, 0, 0x1F, 0xFF, 0xE1}
	if len(sps) >= 4 {
		b[6], b[7], b[8] = sps[1], sps[2], sps[3]
	}
	b = append(b, byte(len(sps)>>8), byte(len(sps)))
	b = append(b, sps...)
	b = append(b, 1, byte(len(pps)>>8), byte(len(pps)))
	return append(b, pps...)
}

type flvSession struct {
	f    *os.File
	w    *bufio.Writer
	body []byte
	done chan struct{} // never closed: a file does not hang up
}

func (s *flvSession) tag(typ byte, ts time.Duration, body []byte) {
	ms := uint32(ts / time.Millisecond)
	n := len(body)
	var h [11]byte
	h[0] = typ
	h[1], h[2], h[3] = byte(n>>16), byte(n>>8), byte(n)
	h[4], h[5], h[6], h[7] = byte(ms>>16), byte(ms>>8), byte(ms), byte(ms>>24)
	s.w.Write(h[:])
	s.w.Write(body)
	t := n + 11
	s.w.Write([]byte{byte(t >> 24), byte(t >> 16), byte(t >> 8), byte(t)})
}

func (s *flvSession) WriteVideo(p *encode.Packet, ts time.Duration) error {
	cts := int32((p.PTS - p.DTS) / time.Millisecond)
	ft := byte(0x27)
	if p.Key {
		ft = 0x17
	}
	s.body = append(s.body[:0], ft, 1, byte(cts>>16), byte(cts>>8), byte(cts))
	s.body = h264.AppendAVCC(s.body, p.Data, true)
	s.tag(9, ts, s.body)
	if p.Key {
		// Flush at every keyframe: a crash loses at most one GOP.
		return s.flush()
	}
	return nil
}

func (s *flvSession) WriteAudio(p *encode.Packet, ts time.Duration) error {
	s.body = append(s.body[:0], 0xAF, 1)
	s.body = append(s.body, p.Data...)
	s.tag(8, ts, s.body)
	return nil
}

func (s *flvSession) flush() error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("stream: recording: %w", err)
	}
	return nil
}

func (s *flvSession) Done() <-chan struct{} { return s.done }
func (s *flvSession) Err() error            { return nil }

func (s *flvSession) Close() error {
	err := s.flush()
	if serr := s.f.Sync(); err == nil && serr != nil {
		err = serr
	}
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}
