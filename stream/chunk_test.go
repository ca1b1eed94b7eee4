package stream

import (
	"bytes"
	"testing"
	"time"

	"github.com/bluenviron/gortmplib/pkg/bytecounter"
	"github.com/bluenviron/gortmplib/pkg/message"
)

// TestAppendMessageReadsBackWithGortmplib: what appendMessage writes is
// read back by gortmplib's reader — bodies spanning several chunks, and
// timestamps past 4 h 39 min that need the extended timestamp field in
// every chunk (IVS streams last up to 48 h).
func TestAppendMessageReadsBackWithGortmplib(t *testing.T) {
	var buf bytes.Buffer
	bw := bytecounter.NewWriter(&buf)
	if err := message.NewWriter(bw, bw, false).Write(&message.SetChunkSize{Value: chunkSize}); err != nil {
		t.Fatal(err)
	}
	long := 5*time.Hour + 7*time.Millisecond
	video := append([]byte{0x17, 1, 0, 0, 0}, bytes.Repeat([]byte{0, 0, 0, 3, 0x65, 1, 2}, chunkSize/3)...)
	cases := []struct {
		csid, typ byte
		ts        time.Duration
		body      []byte
	}{
		{videoCSID, typeVideo, 33 * time.Millisecond, video},
		{audioCSID, typeAudio, 40 * time.Millisecond, []byte{0xAF, 1, 0x21, 0x10}},
		{videoCSID, typeVideo, long, video},
		{audioCSID, typeAudio, long + time.Millisecond, []byte{0xAF, 1, 0x21, 0x11}},
	}
	var out []byte
	for _, c := range cases {
		var err error
		if out, err = appendMessage(out[:0], c.csid, c.typ, c.ts, c.body); err != nil {
			t.Fatal(err)
		}
		buf.Write(out)
	}
	r := message.NewReader(&buf, bytecounter.NewReader(&buf), nil)
	if m, err := r.Read(); err != nil {
		t.Fatalf("chunk size message: %T %v", m, err)
	}
	for i, c := range cases {
		m, err := r.Read()
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		switch m := m.(type) {
		case *message.Video:
			if m.DTS != c.ts.Truncate(time.Millisecond) || !bytes.Equal(m.AU, c.body[5:]) || !m.IsKeyFrame || m.MessageStreamID != msid {
				t.Fatalf("message %d: video at %v, %d bytes, stream %x", i, m.DTS, len(m.AU), m.MessageStreamID)
			}
		case *message.Audio:
			if m.DTS != c.ts || !bytes.Equal(m.AU, c.body[2:]) || m.MessageStreamID != msid {
				t.Fatalf("message %d: audio at %v: %x", i, m.DTS, m.AU)
			}
		default:
			t.Fatalf("message %d: %T", i, m)
		}
	}
	if _, err := appendMessage(nil, videoCSID, typeVideo, 0, make([]byte, 1<<24)); err != errMessageTooLarge {
		t.Fatalf("a 16 MiB message: %v, want errMessageTooLarge", err)
	}
}
