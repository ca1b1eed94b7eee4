package mjpeg

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pitchbox/pitchbox/frame"
)

// FuzzDecode feeds the decoder what a USB camera might send after a
// transfer error: any bytes, decoded into a 32x24 frame (the seeds in
// testdata/fuzz are 32x24 JPEGs of each subsampling, with restart
// markers, and truncated copies). It must return or fail, never crash,
// and keep working on the next frame.
func FuzzDecode(f *testing.F) {
	d, err := New()
	if err != nil {
		f.Fatal(err)
	}
	dst, _ := frame.New(32, 24)
	good := seed(f, "seed-422.jpg")
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = d.Decode(dst, data)
		if err := d.Decode(dst, good); err != nil {
			t.Fatalf("a good frame after %d bytes of fuzz: %v", len(data), err)
		}
	})
}

// seed reads the JPEG in a seed file of testdata/fuzz/FuzzDecode.
func seed(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzDecode", name))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	q, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(q)
}
