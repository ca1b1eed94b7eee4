package stream

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/encode/h264"
)

// File records the stream into FLV files in Dir, named
// pitchbox-YYYYMMDD-HHMMSS.flv: one per session, and a new one every Split
// of stream. FLV needs no index, so a recording cut short by a power loss
// still plays up to its last written tag.
type File struct {
	Dir string
	// Now gives the wall clock for file names (nil: time.Now).
	Now func() time.Time
	// OnOpen, if set, is told each file's path; OnDelete each old
	// recording deleted to keep KeepFree bytes free.
	OnOpen   func(path string)
	OnDelete func(path string)
	// KeepFree is how many bytes must stay free on Dir's disk (0: no
	// limit). Before opening a file and every few seconds of stream, the
	// oldest recordings are deleted to keep it so; when none is left,
	// recording stops with ErrNoSpace.
	KeepFree int64
	// Split starts a new file at the first keyframe after this much
	// stream (0: one file per session).
	Split time.Duration
	// FreeSpace reports the free bytes on dir's disk (nil: statfs).
	FreeSpace func(dir string) (int64, error)
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
	s := &flvSession{file: f, h: h, done: make(chan struct{})}
	if err := s.open(0); err != nil {
		return nil, err
	}
	return s, nil
}

// newName is a recording's path that does not exist yet.
func (f *File) newName() string {
	now := time.Now
	if f.Now != nil {
		now = f.Now
	}
	stamp := now().Format("20060102-150405")
	name := filepath.Join(f.Dir, "pitchbox-"+stamp+".flv")
	for i := 2; ; i++ {
		if _, err := os.Lstat(name); os.IsNotExist(err) {
			return name
		}
		name = filepath.Join(f.Dir, fmt.Sprintf("pitchbox-%s-%d.flv", stamp, i))
	}
}

// errNoFile is a write after a split that could not open the next file.
var errNoFile = errors.New("stream: recording: no file open")

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
	file *File
	h    Header
	path string
	f    *os.File // nil after a failed split
	w    *bufio.Writer
	body []byte
	hdr  [15]byte      // a tag's header and PreviousTagSize
	done chan struct{} // never closed: a file does not hang up
	// start is the stream time at which this file began; nextCheck when
	// the free space is looked at next.
	start, nextCheck time.Duration
	media            bool // a keyframe reached this file
	failed           bool // writing to this file failed
}

// open makes room, creates the next file and writes the FLV header and
// the sequence headers; ts is the stream time the file starts at. A file
// that cannot be written is removed at once: a full disk never collects
// empty recordings.
func (s *flvSession) open(ts time.Duration) error {
	f := s.file
	if err := f.makeRoom(""); err != nil {
		return err
	}
	name := f.newName()
	fd, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return &RejectedError{Reason: "cannot create recording: " + err.Error()}
	}
	if s.w == nil {
		s.w = bufio.NewWriterSize(fd, 256<<10)
	} else {
		s.w.Reset(fd)
	}
	s.f, s.path, s.start, s.nextCheck, s.media, s.failed = fd, name, ts, ts+checkEvery, false, false
	// FLV header: signature, version 1, audio+video, header size 9, then
	// PreviousTagSize0.
	s.w.Write([]byte{'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0})
	s.tag(9, 0, avcSequenceHeader(s.h.SPS, s.h.PPS))
	s.tag(8, 0, append([]byte{0xAF, 0}, s.h.AudioConfig...))
	if err := s.w.Flush(); err != nil {
		fd.Close()
		os.Remove(name)
		s.f = nil
		return fmt.Errorf("stream: write %s: %w", name, err)
	}
	if f.OnOpen != nil {
		f.OnOpen(name)
	}
	return nil
}

// housekeep runs before a video packet at stream time ts: every
// checkEvery it makes room on the disk, and at a keyframe past Split it
// closes this file and opens the next.
func (s *flvSession) housekeep(ts time.Duration, key bool) error {
	if s.f == nil {
		return errNoFile
	}
	if key && s.file.Split > 0 && ts-s.start >= s.file.Split {
		err := s.closeFile()
		if err == nil {
			err = s.open(ts)
		}
		return err
	}
	if ts >= s.nextCheck {
		s.nextCheck = ts + checkEvery
		return s.file.makeRoom(s.path)
	}
	return nil
}

// at is ts in this file's time.
func (s *flvSession) at(ts time.Duration) time.Duration {
	if ts < s.start {
		return 0
	}
	return ts - s.start
}

// tag writes one FLV tag: its header (in s.hdr, so that nothing escapes
// to the heap per packet), body and PreviousTagSize.
func (s *flvSession) tag(typ byte, ts time.Duration, body []byte) {
	ms := uint32(ts / time.Millisecond)
	n := len(body)
	h := s.hdr[:11]
	h[0] = typ
	h[1], h[2], h[3] = byte(n>>16), byte(n>>8), byte(n)
	h[4], h[5], h[6], h[7] = byte(ms>>16), byte(ms>>8), byte(ms), byte(ms>>24)
	h[8], h[9], h[10] = 0, 0, 0
	s.w.Write(h)
	s.w.Write(body)
	t := n + 11
	h = s.hdr[11:15]
	h[0], h[1], h[2], h[3] = byte(t>>24), byte(t>>16), byte(t>>8), byte(t)
	s.w.Write(h)
}

// WriteVideo implements Session.
func (s *flvSession) WriteVideo(p *encode.Packet, ts time.Duration) error {
	if err := s.housekeep(ts, p.Key); err != nil {
		return err
	}
	cts := int32((p.PTS - p.DTS) / time.Millisecond)
	ft := byte(0x27)
	if p.Key {
		ft = 0x17
	}
	s.body = append(s.body[:0], ft, 1, byte(cts>>16), byte(cts>>8), byte(cts))
	s.body = h264.AppendAVCC(s.body, p.Data, true)
	s.tag(9, s.at(ts), s.body)
	if p.Key {
		// Flush at every keyframe: a crash loses at most one GOP.
		if err := s.flush(); err != nil {
			return err
		}
		s.media = true
	}
	return nil
}

// WriteAudio implements Session.
func (s *flvSession) WriteAudio(p *encode.Packet, ts time.Duration) error {
	if s.f == nil {
		return errNoFile
	}
	s.body = append(s.body[:0], 0xAF, 1)
	s.body = append(s.body, p.Data...)
	s.tag(8, s.at(ts), s.body)
	return nil
}

func (s *flvSession) flush() error {
	if err := s.w.Flush(); err != nil {
		s.failed = true
		return fmt.Errorf("stream: recording %s: %w", filepath.Base(s.path), err)
	}
	return nil
}

func (s *flvSession) Done() <-chan struct{} { return s.done }
func (s *flvSession) Err() error            { return nil }

// Close implements Session.
func (s *flvSession) Close() error {
	if s.f == nil {
		return nil
	}
	return s.closeFile()
}

// closeFile flushes, syncs and closes the current file, and removes it if
// writing to it failed before any keyframe reached it.
func (s *flvSession) closeFile() error {
	err := s.flush()
	if serr := s.f.Sync(); err == nil && serr != nil {
		err = serr
	}
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	s.f = nil
	if s.failed && !s.media {
		os.Remove(s.path)
	}
	return err
}
