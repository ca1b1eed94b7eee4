package uvcdev

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"
)

// host is a minimal USB/IP host (what vhci-hcd does) for tests.
type host struct {
	t   *testing.T
	c   net.Conn
	seq uint32
}

func (h *host) submit(ep, dir uint32, setup []byte, length int, out []byte) uint32 {
	h.t.Helper()
	h.seq++
	b := make([]byte, hdrSize, hdrSize+len(out))
	be := binary.BigEndian
	be.PutUint32(b[0:], cmdSubmit)
	be.PutUint32(b[4:], h.seq)
	be.PutUint32(b[12:], dir)
	be.PutUint32(b[16:], ep)
	be.PutUint32(b[24:], uint32(length))
	copy(b[40:], setup)
	if _, err := h.c.Write(append(b, out...)); err != nil {
		h.t.Fatal(err)
	}
	return h.seq
}

// ret reads one reply: command, seqnum, status and data (of an IN
// transfer).
func (h *host) ret(in bool) (cmd, seq uint32, status int32, data []byte) {
	h.t.Helper()
	var b [hdrSize]byte
	_ = h.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(h.c, b[:]); err != nil {
		h.t.Fatal(err)
	}
	be := binary.BigEndian
	cmd, seq, status = be.Uint32(b[0:]), be.Uint32(b[4:]), int32(be.Uint32(b[20:]))
	if cmd == retSubmit && in {
		data = make([]byte, be.Uint32(b[24:]))
		if _, err := io.ReadFull(h.c, data); err != nil {
			h.t.Fatal(err)
		}
	}
	return
}

// ctrl runs a control transfer and returns its status and data.
func (h *host) ctrl(reqType, req uint8, value, index, length uint16, out []byte) (int32, []byte) {
	h.t.Helper()
	s := []byte{reqType, req, byte(value), byte(value >> 8), byte(index), byte(index >> 8), byte(length), byte(length >> 8)}
	dir := uint32(dirIn)
	if reqType&0x80 == 0 {
		dir = 0
	}
	seq := h.submit(0, dir, s, int(length), out)
	_, got, status, data := h.ret(dir == dirIn)
	if got != seq {
		h.t.Fatalf("reply to %d, want %d", got, seq)
	}
	return status, data
}

// newHost connects a host to a new camera over loopback TCP, which
// buffers as vhci's socket does (a net.Pipe would deadlock two writers).
func newHost(t *testing.T) (*host, *Camera) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	b, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	a, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	cam := New(nil)
	go func() { _ = cam.Serve(a) }()
	t.Cleanup(func() { b.Close(); cam.Unplug() })
	return &host{t: t, c: b}, cam
}

func TestDescriptorsAddUp(t *testing.T) {
	h, _ := newHost(t)
	st, dev := h.ctrl(0x80, reqGetDescriptor, 0x0100, 0, 18, nil)
	if st != 0 || len(dev) != 18 || dev[0] != 18 || dev[1] != 1 {
		t.Fatalf("device descriptor: %d %x", st, dev)
	}
	st, cfg := h.ctrl(0x80, reqGetDescriptor, 0x0200, 0, 4096, nil)
	if st != 0 || int(binary.LittleEndian.Uint16(cfg[2:])) != len(cfg) {
		t.Fatalf("config descriptor: status %d, %d bytes, says %d", st, len(cfg), binary.LittleEndian.Uint16(cfg[2:]))
	}
	n, frames, vs := 0, 0, false
	for i := 0; i < len(cfg); i += int(cfg[i]) {
		if cfg[i] == 0 {
			t.Fatalf("zero-length descriptor at %d", i)
		}
		vs = vs || cfg[i+1] == 4 && cfg[i+2] == ifStreaming
		if vs && cfg[i+1] == 0x24 && (cfg[i+2] == 0x05 || cfg[i+2] == 0x07) {
			frames++
		}
		n++
	}
	if frames != len(C920) {
		t.Fatalf("%d frame descriptors, want %d", frames, len(C920))
	}
	if st, _ := h.ctrl(0x80, reqGetDescriptor, 0x0700, 0, 9, nil); st != errPipe {
		t.Fatalf("other-speed descriptor: status %d, want a stall", st)
	}
	t.Logf("%d descriptors, %d bytes", n, len(cfg))
}

// TestStreamYUYV negotiates 640x480 YUYV, streams, and reassembles a
// frame from bulk payloads; an unlink of a waiting URB is answered.
func TestStreamYUYV(t *testing.T) {
	h, cam := newHost(t)
	p := make([]byte, probeLen)
	p[2], p[3] = 2, 3 // YUYV, third frame: 640x480
	binary.LittleEndian.PutUint32(p[4:], interval(30))
	if st, _ := h.ctrl(0x21, setCur, vsProbe<<8, ifStreaming, probeLen, p); st != 0 {
		t.Fatal("probe refused")
	}
	_, got := h.ctrl(0xA1, getCur, vsProbe<<8, ifStreaming, probeLen, nil)
	size := binary.LittleEndian.Uint32(got[18:])
	if size != 640*480*2 || binary.LittleEndian.Uint32(got[22:]) != maxPayload {
		t.Fatalf("probe: frame size %d, payload %d", size, binary.LittleEndian.Uint32(got[22:]))
	}
	h.ctrl(0x21, setCur, vsCommit<<8, ifStreaming, probeLen, got)
	var frame []byte
	var fid byte = 0xff
	done := 0
	for done < 2 {
		h.submit(1, dirIn, nil, maxPayload, nil)
		_, _, st, d := h.ret(true)
		if st != 0 || len(d) < 2 || d[0] != 2 {
			t.Fatalf("payload: status %d, %d bytes", st, len(d))
		}
		if d[1]&1 != fid {
			fid, frame = d[1]&1, frame[:0]
		}
		frame = append(frame, d[2:]...)
		if d[1]&2 != 0 {
			if uint32(len(frame)) != size || frame[0] != MarkerY(done) {
				t.Fatalf("frame %d: %d bytes, marker %d", done, len(frame), frame[0])
			}
			done++
		}
	}
	if m, fps, ok := cam.Streaming(); !ok || m.Format != YUYV || fps != 30 {
		t.Fatalf("streaming %v %v %d", ok, m, fps)
	}
	cam.Stall(true)
	time.Sleep(100 * time.Millisecond)
	seq := h.submit(1, dirIn, nil, maxPayload, nil)
	un := h.unlink(seq)
	if cmd, s, st, _ := h.ret(false); cmd != retUnlink || s != un || st != errConnReset {
		t.Fatalf("unlink: cmd %d seq %d status %d", cmd, s, st)
	}
}

// unlink sends CMD_UNLINK for target and returns the unlink's seqnum.
func (h *host) unlink(target uint32) uint32 {
	h.t.Helper()
	h.seq++
	var u [hdrSize]byte
	binary.BigEndian.PutUint32(u[0:], cmdUnlink)
	binary.BigEndian.PutUint32(u[4:], h.seq)
	binary.BigEndian.PutUint32(u[20:], target)
	if _, err := h.c.Write(u[:]); err != nil {
		h.t.Fatal(err)
	}
	return h.seq
}

// TestUnlinkBeforeSubmit: vhci sends the unlink of a URB ahead of the
// URB's submit when the URB is queued and killed between its sending
// thread's two passes. The unlink is answered, as ECONNRESET, only once
// the submit is in, and the submit never: an answer to it after vhci
// gave the URB back makes vhci drop the device.
func TestUnlinkBeforeSubmit(t *testing.T) {
	h, _ := newHost(t)
	p := make([]byte, probeLen)
	p[2], p[3] = 2, 3 // YUYV 640x480: streaming, so a waiting URB would be filled
	binary.LittleEndian.PutUint32(p[4:], interval(30))
	h.ctrl(0x21, setCur, vsCommit<<8, ifStreaming, probeLen, p)
	target := h.seq + 2 // the unlink itself takes h.seq+1
	un := h.unlink(target)
	if got := h.submit(1, dirIn, nil, maxPayload, nil); got != target {
		t.Fatalf("test bookkeeping: submitted %d, want %d", got, target)
	}
	if cmd, s, st, _ := h.ret(false); cmd != retUnlink || s != un || st != errConnReset {
		t.Fatalf("first answer: cmd %d seq %d status %d, want RET_UNLINK %d ECONNRESET", cmd, s, st, un)
	}
	// The next answer is the next request's, not the dropped submit's.
	seq := h.submit(1, dirIn, nil, maxPayload, nil)
	if cmd, s, st, _ := h.ret(true); cmd != retSubmit || s != seq || st != 0 {
		t.Fatalf("then: cmd %d seq %d status %d, want RET_SUBMIT %d", cmd, s, st, seq)
	}
}

func TestMJPEGHasNoHuffmanTables(t *testing.T) {
	var s streamer
	for i, j := range s.pictures(Mode{MJPEG, 320, 240, []int{30}}) {
		if !bytes.HasPrefix(j, []byte{0xFF, 0xD8}) || !bytes.HasSuffix(j, []byte{0xFF, 0xD9}) {
			t.Fatalf("picture %d is not a whole JPEG", i)
		}
		if bytes.Contains(j[:bytes.Index(j, []byte{0xFF, 0xDA})], []byte{0xFF, 0xC4}) {
			t.Fatalf("picture %d still has a DHT segment", i)
		}
	}
}
