package overlay

import (
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pitchbox/pitchbox/frame"
)

func TestBlendRowExact(t *testing.T) {
	dst := make([]byte, 1)
	for a := 0; a < 256; a++ {
		for s := 0; s < 256; s++ {
			for d := 0; d < 256; d += 3 {
				dst[0] = byte(d)
				blendRow(dst, []byte{byte(s)}, []byte{byte(a)})
				want := (s*a + d*(255-a) + 127) / 255
				if int(dst[0]) != want {
					t.Fatalf("a=%d s=%d d=%d: got %d, want %d", a, s, d, dst[0], want)
				}
			}
		}
	}
}

// refBlend is the obviously correct blend: per pixel, with bounds checks.
func refBlend(o *Overlay, f *frame.Frame) {
	for y := 0; y < o.H; y++ {
		for x := 0; x < o.W; x++ {
			fx, fy := o.X+x, o.Y+y
			if fx < 0 || fy < 0 || fx >= f.Width || fy >= f.Height {
				continue
			}
			a := int(o.A[y*o.W+x])
			p := &f.Y[fy*f.YStride+fx]
			*p = byte((int(o.Yp[y*o.W+x])*a + int(*p)*(255-a) + 127) / 255)
		}
	}
	for y := 0; y < o.H/2; y++ {
		for x := 0; x < o.W/2; x++ {
			fx, fy := o.X/2+x, o.Y/2+y
			if fx < 0 || fy < 0 || fx >= f.Width/2 || fy >= f.Height/2 {
				continue
			}
			a := int(o.CA[y*o.W/2+x])
			u, v := &f.U[fy*f.CStride+fx], &f.V[fy*f.CStride+fx]
			*u = byte((int(o.Up[y*o.W/2+x])*a + int(*u)*(255-a) + 127) / 255)
			*v = byte((int(o.Vp[y*o.W/2+x])*a + int(*v)*(255-a) + 127) / 255)
		}
	}
}

func randomOverlay(r *rand.Rand, w, h int, opaque bool) *Overlay {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(r.UintN(256))
		if opaque && i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	return FromImage("t", img, 0, 0)
}

func TestBlendMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const fw, fh = 96, 64
	cases := []struct {
		name       string
		x, y, w, h int
		opaque     bool
	}{
		{"inside", 10, 8, 20, 16, false},
		{"opaque", 10, 8, 20, 16, true},
		{"clipped right bottom", 80, 50, 30, 30, false},
		{"clipped left top", -10, -6, 30, 20, false},
		{"opaque clipped", 84, -4, 20, 20, true},
		{"outside", 200, 200, 10, 10, false},
		{"whole frame", 0, 0, fw, fh, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := randomOverlay(r, tc.w, tc.h, tc.opaque)
			o.X, o.Y = tc.x, tc.y
			got, _ := frame.New(fw, fh)
			want, _ := frame.New(fw, fh)
			for i := range got.Y {
				got.Y[i] = byte(r.UintN(256))
			}
			for i := range got.U {
				got.U[i], got.V[i] = byte(r.UintN(256)), byte(r.UintN(256))
			}
			want.CopyFrom(got)
			o.Blend(got)
			refBlend(o, want)
			for i := range got.Y {
				if got.Y[i] != want.Y[i] {
					t.Fatalf("Y[%d] (x %d y %d) = %d, want %d", i, i%fw, i/fw, got.Y[i], want.Y[i])
				}
			}
			for i := range got.U {
				if got.U[i] != want.U[i] || got.V[i] != want.V[i] {
					t.Fatalf("chroma[%d] = %d,%d, want %d,%d", i, got.U[i], got.V[i], want.U[i], want.V[i])
				}
			}
		})
	}
}

func TestRenderQRCrisp(t *testing.T) {
	img, err := RenderQR("https://shop.example/p/1", 300)
	if err != nil {
		t.Fatal(err)
	}
	mods, _ := QRModules("https://shop.example/p/1")
	n := len(mods)
	px := 300 / n
	if img.Bounds().Dx() > 300 || img.Bounds().Dx() < n*px {
		t.Fatalf("size %v for %d modules of %d px", img.Bounds(), n, px)
	}
	// Quiet zone: the go-qrcode bitmap carries a 4-module light border.
	for i := 0; i < 4; i++ {
		if mods[i][n/2] || mods[n/2][i] {
			t.Fatal("no quiet zone")
		}
	}
	for r := 0; r < n; r++ {
		for c := 0; c < n; c++ {
			want := byte(255)
			if mods[r][c] {
				want = 0
			}
			for y := r * px; y < (r+1)*px; y++ {
				for x := c * px; x < (c+1)*px; x++ {
					if img.GrayAt(x, y).Y != want {
						t.Fatalf("module (%d,%d) pixel (%d,%d) = %d, want %d: edges not crisp", r, c, x, y, img.GrayAt(x, y).Y, want)
					}
				}
			}
		}
	}
}

func TestQRTooLong(t *testing.T) {
	_, err := QRModules(strings.Repeat("x", 3000))
	if err == nil || !strings.Contains(err.Error(), "does not fit any QR version") {
		t.Fatalf("err = %v", err)
	}
}

func TestPlace(t *testing.T) {
	m := Margin(720)
	for _, tc := range []struct {
		pos        Position
		fx, fy     float64
		wantX, wtY int
	}{
		{TopLeft, 0, 0, m, m},
		{TopRight, 0, 0, 1280 - 200 - m, m},
		{BottomLeft, 0, 0, m, 720 - 100 - m},
		{BottomRight, 0, 0, 1280 - 200 - m, 720 - 100 - m},
		{Center, 0, 0, 540, 310},
		{XY, 0.5, 0.5, 640, 360},
		{XY, 0.99, 0.99, 1080, 620}, // clamped inside
	} {
		x, y := Place(tc.pos, tc.fx, tc.fy, 200, 100, 1280, 720)
		if x != tc.wantX&^1 || y != tc.wtY&^1 {
			t.Errorf("%v: got %d,%d want %d,%d", tc.pos, x, y, tc.wantX&^1, tc.wtY&^1)
		}
	}
	if _, err := ParsePosition("middle"); err == nil || !strings.Contains(err.Error(), "top-left") {
		t.Errorf("ParsePosition(middle) err = %v, want a list of allowed names", err)
	}
}

func TestBuildImageKeepsAspectAndAlpha(t *testing.T) {
	dir := t.TempDir()
	src := image.NewNRGBA(image.Rect(0, 0, 400, 200))
	for y := 0; y < 200; y++ {
		for x := 0; x < 400; x++ {
			a := uint8(255)
			if x < 200 {
				a = 0
			}
			src.SetNRGBA(x, y, color.NRGBA{255, 0, 0, a})
		}
	}
	path := filepath.Join(dir, "p.png")
	f, _ := os.Create(path)
	png.Encode(f, src)
	f.Close()
	o, err := Build(Spec{Name: "p", Image: path, Position: Center, Size: 0.25}, 1280, 720)
	if err != nil {
		t.Fatal(err)
	}
	if o.H != 180 || o.W != 360 {
		t.Fatalf("size %dx%d, want 360x180", o.W, o.H)
	}
	if o.Opaque {
		t.Fatal("image with transparency marked opaque")
	}
	// Left half transparent, right half opaque red (BT.601: Y 81, V 240).
	if a := o.A[90*o.W+20]; a != 0 {
		t.Fatalf("alpha on the transparent side = %d", a)
	}
	if y, a := o.Yp[90*o.W+300], o.A[90*o.W+300]; a != 255 || y < 79 || y > 83 {
		t.Fatalf("red side: Y %d alpha %d, want Y≈81 alpha 255", y, a)
	}
	if _, err := Build(Spec{Name: "x", Image: filepath.Join(dir, "missing.png"), Size: 0.2}, 1280, 720); err == nil {
		t.Fatal("missing image built")
	}
	os.WriteFile(filepath.Join(dir, "bad.png"), []byte("GIF89a not really"), 0o644)
	if _, err := CheckImage(filepath.Join(dir, "bad.png")); err == nil {
		t.Fatal("non-image accepted")
	}
}

func TestCheckImageRefusesBomb(t *testing.T) {
	// A PNG header claiming 30000×30000 is refused before decoding.
	dir := t.TempDir()
	big := image.NewGray(image.Rect(0, 0, 30000, 1))
	path := filepath.Join(dir, "wide.png")
	f, _ := os.Create(path)
	png.Encode(f, big)
	f.Close()
	data, _ := os.ReadFile(path)
	// Patch the IHDR height to 30000 (big-endian at offset 20).
	data[20], data[21], data[22], data[23] = 0, 0, 0x75, 0x30
	binary.BigEndian.PutUint32(data[29:33], crc32.ChecksumIEEE(data[12:29]))
	os.WriteFile(path, data, 0o644)
	_, err := CheckImage(path)
	if err == nil || !strings.Contains(err.Error(), "at most") {
		t.Fatalf("err = %v, want a pixel-count refusal", err)
	}
}

func TestCompositorSwitchesOnNextFrame(t *testing.T) {
	var c Compositor
	f, _ := frame.New(64, 64)
	f.Fill(16, 128, 128)
	if c.Apply(f) != nil || f.Y[0] != 16 {
		t.Fatal("empty scene changed the frame")
	}
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	c.Set(&Scene{Name: "w", Overlays: []*Overlay{FromImage("w", img, 0, 0)}})
	if s := c.Apply(f); s == nil || s.Name != "w" || f.Y[0] != 235 || f.Y[8] != 16 {
		t.Fatalf("after Set: scene %v, Y[0]=%d Y[8]=%d", s, f.Y[0], f.Y[8])
	}
	c.Set(nil)
	if c.Current() != nil {
		t.Fatal("clear kept the scene")
	}
}

func benchComposite(b *testing.B, spec Spec) {
	o, err := Build(spec, 1920, 1080)
	if err != nil {
		b.Fatal(err)
	}
	var c Compositor
	c.Set(&Scene{Name: spec.Name, Overlays: []*Overlay{o}})
	f, _ := frame.New(1920, 1080)
	b.ReportAllocs()
	for b.Loop() {
		c.Apply(f)
	}
}

func BenchmarkComposite1080pQR(b *testing.B) {
	benchComposite(b, Spec{Name: "qr", QR: "https://shop.example/buy/42", Position: BottomRight, Size: 0.4})
}

func BenchmarkComposite1080pImageAlpha(b *testing.B) {
	dir := b.TempDir()
	img := image.NewNRGBA(image.Rect(0, 0, 600, 400))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 13)
	}
	path := filepath.Join(dir, "a.png")
	f, _ := os.Create(path)
	png.Encode(f, img)
	f.Close()
	benchComposite(b, Spec{Name: "img", Image: path, Position: Center, Size: 0.5})
}

func TestCompositeAllocatesNothing(t *testing.T) {
	o, err := Build(Spec{Name: "qr", QR: "https://shop.example/buy/42", Position: BottomRight, Size: 0.4}, 1920, 1080)
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewNRGBA(image.Rect(0, 0, 64, 64)) // transparent: the blend path
	var c Compositor
	c.Set(&Scene{Name: "qr", Overlays: []*Overlay{o, FromImage("a", img, 10, 10)}})
	f, _ := frame.New(1920, 1080)
	if n := testing.AllocsPerRun(20, func() { c.Apply(f) }); n != 0 {
		t.Fatalf("compositing allocates %v times per frame", n)
	}
}
