package text

import (
	"strings"
	"testing"
)

func TestDirection(t *testing.T) {
	for s, rtl := range map[string]bool{
		"hello": false, "שלום": true, "مرحبا": true, "123 שלום": true, "  (hi) שלום": false, "": false, "😀 hello": false,
	} {
		if got := Direction([]rune(s)).Progression() != Direction([]rune("a")).Progression(); got != rtl {
			t.Errorf("%q: right-to-left %v, want %v", s, got, rtl)
		}
	}
}

func TestFallbackAndWrapping(t *testing.T) {
	f, errs := LoadFonts(SystemFonts...)
	if len(errs) > 0 {
		t.Fatalf("fonts missing (the README's test command installs them): %v", errs)
	}
	for r, want := range map[rune]string{'a': "Go Regular", 'ש': "DejaVuSans", '中': "NotoSansCJK", '🛒': "Symbola"} {
		face := f.ResolveFace(r)
		name := ""
		for i, fc := range f.faces {
			if fc == face {
				name = f.names[i]
			}
		}
		if !strings.Contains(name, want) {
			t.Errorf("%q resolves to %q, want %s", r, name, want)
		}
	}
	r := NewRenderer(f)
	text := strings.Repeat("wrap me please ", 30)
	p := r.Layout("anna: "+text, 6, 24, 300)
	if len(p.Lines) < 5 {
		t.Fatalf("%d lines for %d characters at 300 px", len(p.Lines), len(text))
	}
	for i, l := range p.Lines {
		w := 0
		for _, run := range l {
			w += run.Advance.Round()
		}
		if w > 300 {
			t.Errorf("line %d is %d px wide, over 300", i, w)
		}
	}
	if p.RTL || p.Height() != len(p.Lines)*p.LineHeight {
		t.Errorf("paragraph %+v", p)
	}
	if q := r.Layout("bob: שלום עולם", 5, 24, 300); !q.RTL {
		t.Error("a Hebrew message from a Latin name is not right-to-left")
	}
	if e := r.Layout("", 0, 24, 300); len(e.Lines) != 0 {
		t.Error("empty text has lines")
	}
}

func TestMissingFontIsReported(t *testing.T) {
	f, errs := LoadFonts("/nonexistent/font.ttf")
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "/nonexistent/font.ttf") || len(f.Names()) != 1 {
		t.Fatalf("errs %v names %v", errs, f.Names())
	}
}

// TestFontsLoadWhenNeeded: only the built-in font is loaded at first; a
// CJK character loads the fonts up to Noto Sans CJK, not Symbola.
func TestFontsLoadWhenNeeded(t *testing.T) {
	f, errs := LoadFonts(SystemFonts...)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if n := f.Names(); len(n) != 1 {
		t.Fatalf("loaded at start: %v", n)
	}
	if !f.Has('a') || len(f.Names()) != 1 {
		t.Fatalf("a Latin letter loaded %v", f.Names())
	}
	if !f.Has('中') {
		t.Fatal("no face for 中")
	}
	if n := f.Names(); len(n) != 3 || !strings.Contains(n[2], "NotoSansCJK") {
		t.Fatalf("after 中: %v", n)
	}
	if f.Has('\U000F0000') || len(f.Names()) != 4 || len(f.Errors()) != 0 {
		t.Fatalf("a private-use character: %v %v", f.Names(), f.Errors())
	}
}
