package stream

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/gortmplib"
	"github.com/bluenviron/gortmplib/pkg/message"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"

	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/encode/h264"
)

// A real 1920x1080 baseline SPS (from gortmplib's tests) and a PPS.
var (
	testSPS = []byte{0x67, 0x42, 0xc0, 0x28, 0xd9, 0x00, 0x78, 0x02, 0x27, 0xe5, 0x84, 0x00, 0x00, 0x03, 0x00, 0x04,
		0x00, 0x00, 0x03, 0x00, 0xf0, 0x3c, 0x60, 0xc9, 0x20}
	testPPS = []byte{0x68, 0xce, 0x3c, 0x80}
	// asc48kMono is AAC-LC, 48 kHz, mono: object type 2, frequency index
	// 3, channel configuration 1.
	asc48kMono = []byte{0x11, 0x88}
)

// rtmpServer is an in-process RTMP server on 127.0.0.1: gortmplib's
// server side accepts each publisher, then handle gets the connection.
type rtmpServer struct {
	URL     string
	ln      net.Listener
	mu      sync.Mutex
	conns   []net.Conn
	accepts int
	wg      sync.WaitGroup
}

// startRTMPServer serves until the test ends. handle accepts or refuses
// the publish request (see accepted).
func startRTMPServer(t testing.TB, handle func(sc *gortmplib.ServerConn, nc net.Conn)) *rtmpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rtmpServer{URL: "rtmp://" + ln.Addr().String() + "/live/sk_test_key", ln: ln}
	go s.serve(handle)
	t.Cleanup(s.close)
	return s
}

func (s *rtmpServer) serve(handle func(sc *gortmplib.ServerConn, nc net.Conn)) {
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns = append(s.conns, nc)
		s.accepts++
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer nc.Close()
			sc := &gortmplib.ServerConn{RW: nc}
			if sc.Initialize() != nil || sc.AcceptConn() != nil || !sc.Publish {
				return
			}
			handle(sc, nc)
		}()
	}
}

func (s *rtmpServer) connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepts
}

func (s *rtmpServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// accepted accepts the publish request, then hands over to h.
func accepted(h func(*gortmplib.ServerConn, net.Conn)) func(*gortmplib.ServerConn, net.Conn) {
	return func(sc *gortmplib.ServerConn, nc net.Conn) {
		if sc.AcceptAction() == nil {
			h(sc, nc)
		}
	}
}

// readMessages sends every media message the publisher sends to out.
func readMessages(out chan<- message.Message) func(*gortmplib.ServerConn, net.Conn) {
	return func(sc *gortmplib.ServerConn, _ net.Conn) {
		for {
			m, err := sc.Read()
			if err != nil {
				close(out)
				return
			}
			switch m.(type) {
			case *message.Audio, *message.Video:
				out <- m
			}
		}
	}
}

// keyframe is an Annex B IDR access unit with SPS and PPS, its slice n
// bytes long.
func keyframe(n int) []byte {
	b := append([]byte{0, 0, 0, 1}, testSPS...)
	b = append(b, 0, 0, 0, 1)
	b = append(b, testPPS...)
	b = append(b, 0, 0, 0, 1, 0x65)
	for i := 0; i < n; i++ {
		b = append(b, byte(i%251)+1) // no start codes inside
	}
	return b
}

func nextMessage(t *testing.T, ch <-chan message.Message) message.Message {
	t.Helper()
	select {
	case m, ok := <-ch:
		if !ok {
			t.Fatal("the server's connection ended")
		}
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no message from the publisher within 5 s")
	}
	return nil
}

// TestRTMPSessionAnnouncesTheEncodersAudioConfig: a 48 kHz mono encoder
// is announced as 48 kHz mono to the server, not as 44.1 kHz stereo.
func TestRTMPSessionAnnouncesTheEncodersAudioConfig(t *testing.T) {
	msgs := make(chan message.Message, 16)
	srv := startRTMPServer(t, accepted(readMessages(msgs)))
	sess, err := (&RTMP{URL: srv.URL}).Open(context.Background(), Header{SPS: testSPS, PPS: testPPS, AudioConfig: asc48kMono})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	// A keyframe larger than a chunk, so that it is sent in several.
	v := encode.NewPacket(encode.Video)
	v.Data, v.Key = keyframe(3*chunkSize+100), true
	a := encode.NewPacket(encode.Audio)
	a.Data = append(a.Data, 0x21, 0x10, 0x04, 0x60, 0x8c, 0x1c)
	if err := sess.WriteVideo(v, 40*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := sess.WriteAudio(a, 61*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	var conf *mpeg4audio.AudioSpecificConfig
	for conf == nil {
		if m, ok := nextMessage(t, msgs).(*message.Audio); ok && m.AACType == message.AudioAACTypeConfig {
			conf = m.AACConfig
		}
	}
	if conf.SampleRate != 48000 || conf.ChannelConfig != 1 || conf.Type != mpeg4audio.ObjectTypeAACLC {
		t.Fatalf("the server was told %+v, want AAC-LC 48000 Hz mono", conf)
	}
	var gotVideo, gotAudio bool
	for !gotVideo || !gotAudio {
		switch m := nextMessage(t, msgs).(type) {
		case *message.Video:
			if m.Type != message.VideoTypeAU {
				continue
			}
			want := h264.AppendAVCC(nil, v.Data, true)
			if !bytes.Equal(m.AU, want) || m.DTS != 40*time.Millisecond || !m.IsKeyFrame {
				t.Fatalf("video: %d bytes at %v key %v, want %d bytes at 40ms key", len(m.AU), m.DTS, m.IsKeyFrame, len(want))
			}
			gotVideo = true
		case *message.Audio:
			if m.AACType != message.AudioAACTypeAU {
				continue
			}
			if !bytes.Equal(m.AU, a.Data) || m.DTS != 61*time.Millisecond {
				t.Fatalf("audio: %x at %v, want %x at 61ms", m.AU, m.DTS, a.Data)
			}
			gotAudio = true
		}
	}
}

// TestRTMPRefusesABadHeader: a malformed AudioSpecificConfig or SPS is
// refused with an error saying which, before anything is sent (gortmplib
// would announce garbage, or panic on the SPS).
func TestRTMPRefusesABadHeader(t *testing.T) {
	srv := startRTMPServer(t, func(*gortmplib.ServerConn, net.Conn) {})
	for _, c := range []struct {
		name string
		h    Header
		want string
	}{
		{"truncated ASC", Header{SPS: testSPS, PPS: testPPS, AudioConfig: []byte{0x11}}, "AudioSpecificConfig"},
		{"no ASC", Header{SPS: testSPS, PPS: testPPS}, "AudioSpecificConfig"},
		{"bad object type", Header{SPS: testSPS, PPS: testPPS, AudioConfig: []byte{0xF8, 0x88}}, "AudioSpecificConfig"},
		{"bad SPS", Header{SPS: []byte{0x67, 0x42}, PPS: testPPS, AudioConfig: asc48kMono}, "SPS"},
	} {
		_, err := (&RTMP{URL: srv.URL}).Open(context.Background(), c.h)
		if err == nil || !strings.HasPrefix(err.Error(), "stream: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Open error %v, want one about the %s", c.name, err, c.want)
		}
	}
	if n := srv.connections(); n != 0 {
		t.Errorf("%d connections made with a bad header, want none", n)
	}
}

// TestRTMPRefusedPublish: a server that refuses the publish request gives
// a RejectedError saying so, without the stream key; so does a probe.
func TestRTMPRefusedPublish(t *testing.T) {
	srv := startRTMPServer(t, func(sc *gortmplib.ServerConn, _ net.Conn) {
		if sc.RejectAction() == nil {
			_, _ = sc.Read() // until the publisher hangs up
		}
	})
	r := &RTMP{URL: srv.URL}
	_, err := r.Open(context.Background(), Header{SPS: testSPS, PPS: testPPS, AudioConfig: asc48kMono})
	perr := r.Probe(context.Background())
	for _, err := range []error{err, perr} {
		if !IsRejected(err) || !strings.Contains(err.Error(), "Unauthorized") || strings.Contains(err.Error(), "sk_test_key") {
			t.Errorf("error %v, want a refusal naming the server's code, without the key", err)
		}
	}
}

// TestFileRecordsTheEncodersAudioConfig: the FLV recorder writes the
// encoder's AudioSpecificConfig and refuses a malformed one.
func TestFileRecordsTheEncodersAudioConfig(t *testing.T) {
	dir := t.TempDir()
	var path string
	f := &File{Dir: dir, OnOpen: func(p string) { path = p }}
	if _, err := f.Open(context.Background(), Header{SPS: testSPS, PPS: testPPS, AudioConfig: []byte{0x11}}); err == nil ||
		!strings.Contains(err.Error(), "AudioSpecificConfig") {
		t.Fatalf("Open with a malformed AudioSpecificConfig: %v, want an error naming it", err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.flv")); len(m) != 0 {
		t.Fatalf("files %v left by a refused header", m)
	}
	s, err := f.Open(context.Background(), Header{SPS: testSPS, PPS: testPPS, AudioConfig: asc48kMono})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := append([]byte{8, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0xAF, 0}, asc48kMono...); !bytes.Contains(b, want) {
		t.Fatalf("recording lacks the audio sequence header %x", want)
	}
}
