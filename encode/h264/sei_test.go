package h264

import (
	"bytes"
	"strings"
	"testing"
)

var testUUID = [16]byte{0x9a, 0x1e, 0x0c, 0x4b, 0x7c, 0x2d, 0x4f, 0x6e, 0x8b, 0x3a, 0x5d, 0x1f, 0x2e, 0x6c, 0x7a, 0x90}

func TestParseUUID(t *testing.T) {
	u, err := ParseUUID("9a1e0c4b-7c2d-4f6e-8b3a-5d1f2e6c7a90")
	if err != nil || u != testUUID {
		t.Fatalf("%x, %v", u, err)
	}
	if _, err := ParseUUID("9a1e0c4b"); err == nil {
		t.Fatal("a short UUID parsed")
	}
}

func TestUserDataSEIRoundTrip(t *testing.T) {
	for _, data := range [][]byte{
		nil,
		[]byte(`{"v":1,"event":"show","preset":"Café crème","price":"19,90 €"}`),
		bytes.Repeat([]byte("x"), 239), // payload size 255: two size bytes
		bytes.Repeat([]byte("y"), 1024),
	} {
		nal := AppendUserDataSEI(nil, testUUID, data)
		if !bytes.HasPrefix(nal, []byte{0, 0, 0, 1, TypeSEI}) || nal[len(nal)-1] != 0x80 {
			t.Fatalf("framing: % x…", nal[:8])
		}
		if len(data) < 300 && len(nal) != UserDataSEISize(len(data)) {
			t.Fatalf("%d bytes of data: NAL is %d bytes, size says %d", len(data), len(nal), UserDataSEISize(len(data)))
		}
		got := FindUserData(nal, testUUID)
		if len(got) != 1 || !bytes.Equal(got[0], data) {
			t.Fatalf("%d bytes of data: parsed %q", len(data), got)
		}
		other := testUUID
		other[0]++
		if got := FindUserData(nal, other); len(got) != 0 {
			t.Fatalf("another UUID matched: %q", got)
		}
	}
}

// TestUserDataSEIEmulationPrevention checks that zero runs in the payload
// are escaped (no start code can appear inside the NAL unit) and undone by
// the parser.
func TestUserDataSEIEmulationPrevention(t *testing.T) {
	data := []byte{0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0, 4, 0, 0}
	nal := AppendUserDataSEI(nil, testUUID, data)
	body := nal[4:]
	for i := 0; i+2 < len(body); i++ {
		if body[i] == 0 && body[i+1] == 0 && body[i+2] <= 2 {
			t.Fatalf("unescaped 00 00 %02x at %d: % x", body[i+2], i, body)
		}
	}
	if n := bytes.Count(body, []byte{0, 0, 3}); n != 4 {
		t.Fatalf("%d emulation prevention bytes, want 4: % x", n, body)
	}
	got := FindUserData(nal, testUUID)
	if len(got) != 1 || !bytes.Equal(got[0], data) {
		t.Fatalf("parsed % x", got)
	}
}

func TestUserDataMalformed(t *testing.T) {
	for _, nal := range [][]byte{{TypeSEI, 5}, {TypeSEI, 5, 200, 1, 2}, {TypeSEI, 0xFF}} {
		if _, err := UserData(nal, testUUID); err == nil {
			t.Fatalf("% x parsed", nal)
		}
	}
	if _, err := UserData([]byte{TypeIDR, 1}, testUUID); err == nil {
		t.Fatal("a slice parsed as SEI")
	}
}

func TestInsertBeforeVCL(t *testing.T) {
	sei := AppendUserDataSEI(nil, testUUID, []byte(`{"v":1}`))
	out := InsertBeforeVCL(append([]byte(nil), au...), sei)
	var types []int
	for rest := out; ; {
		nal, r, ok := NextNAL(rest)
		if !ok {
			break
		}
		types = append(types, Type(nal))
		rest = r
	}
	if want := []int{TypeAUD, TypeSPS, TypePPS, TypeSEI, TypeIDR}; !equal(types, want) {
		t.Fatalf("types %v, want %v", types, want)
	}
	if len(out) != len(au)+len(sei) || !bytes.HasSuffix(out, []byte{0, 0, 0, 1, 0x65, 6, 7, 0, 0, 3, 1}) {
		t.Fatalf("% x", out)
	}
	// A P-slice alone: the SEI goes first.
	p := []byte{0, 0, 0, 1, 0x41, 9, 9}
	if out := InsertBeforeVCL(p, sei); !bytes.HasPrefix(out, sei) || !bytes.HasSuffix(out, p) {
		t.Fatalf("% x", out)
	}
}

func TestInsertBeforeVCLAllocatesNothing(t *testing.T) {
	sei := AppendUserDataSEI(nil, testUUID, []byte(strings.Repeat("z", 200)))
	buf := make([]byte, 0, 4096)
	n := testing.AllocsPerRun(100, func() {
		buf = InsertBeforeVCL(append(buf[:0], au...), sei)
	})
	if n != 0 {
		t.Fatalf("%v allocations", n)
	}
}
