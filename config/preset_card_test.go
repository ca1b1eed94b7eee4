package config

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/control"
)

const cardTOML = `[[preset]]
name = "Café crème"
title = "Café crème"
price = "19,90 €"
old_price = "24,90 €"
url = "https://shop.example/cafe"
countdown_seconds = 90
countdown_end = "clear"
`

func TestCardTextCountdownPresets(t *testing.T) {
	c, err := Parse(filepath.Join(t.TempDir(), "p.toml"), []byte(cardTOML+"[[preset]]\nname = \"ship\"\ntext = \"Free shipping today\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := c.Presets[0]
	if !p.IsCard() || p.Price != "19,90 €" || p.CountdownSeconds != 90 || p.CountdownEnd != "clear" || p.Size != DefaultPresetSize {
		t.Fatalf("%+v", p)
	}
	if s := c.Presets[1]; s.Text != "Free shipping today" || s.Size != DefaultTextSize {
		t.Fatalf("%+v", s)
	}
	ends := time.Date(2026, 11, 30, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	b, err := p.Event(control.EventShow, ends).JSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"v":1,"event":"show","preset":"Café crème","title":"Café crème","price":"19,90 €","old_price":"24,90 €","url":"https://shop.example/cafe","countdown_ends_at":"2026-11-30T11:00:00Z"}`
	if string(b) != want {
		t.Fatalf("event\n%s\nwant\n%s", b, want)
	}
	b, _ = p.Event(control.EventClear, ends).JSON()
	if string(b) != `{"v":1,"event":"clear","preset":"Café crème"}` {
		t.Fatalf("clear event %s", b)
	}
	var back control.ProductEvent
	if err := json.Unmarshal(b, &back); err != nil || back.Event != control.EventClear {
		t.Fatalf("%+v %v", back, err)
	}
}

func TestCardPresetErrors(t *testing.T) {
	dir := t.TempDir()
	long := strings.Repeat("é", 500) // 1000 bytes
	for _, tc := range []struct {
		name, toml string
		want       []string
	}{
		{"card without price", "[[preset]]\nname = \"a\"\ntitle = \"Mug\"\n", []string{`preset["a"].price`, "needs a price"}},
		{"price without title", "[[preset]]\nname = \"a\"\nqr = \"x\"\nprice = \"1 €\"\n", []string{`preset["a"].price`, "set title too"}},
		{"url without title", "[[preset]]\nname = \"a\"\ntext = \"x\"\nurl = \"https://x.example\"\n", []string{`preset["a"].url`, "set title too"}},
		{"text and title", "[[preset]]\nname = \"a\"\ntext = \"x\"\ntitle = \"y\"\nprice = \"1\"\n", []string{`preset["a"].text`, "not text and title"}},
		{"qr and text", "[[preset]]\nname = \"a\"\nqr = \"x\"\ntext = \"y\"\n", []string{`preset["a"].qr`, "not qr and text"}},
		{"text and image", "[[preset]]\nname = \"a\"\ntext = \"x\"\nimage = \"x.png\"\n", []string{"set text or image, not both"}},
		{"nothing", "[[preset]]\nname = \"a\"\n", []string{`preset["a"].qr`, "title and price"}},
		{"bad url", "[[preset]]\nname = \"a\"\ntitle = \"x\"\nprice = \"1\"\nurl = \"shop.example\"\n", []string{`preset["a"].url`, "https://"}},
		{"countdown range", "[[preset]]\nname = \"a\"\ntext = \"x\"\ncountdown_seconds = 6000\n", []string{`preset["a"].countdown_seconds`, "99:59"}},
		{"countdown end alone", "[[preset]]\nname = \"a\"\ntext = \"x\"\ncountdown_end = \"hold\"\n", []string{`preset["a"].countdown_end`, "countdown_seconds"}},
		{"countdown end", "[[preset]]\nname = \"a\"\ntext = \"x\"\ncountdown_seconds = 5\ncountdown_end = \"stop\"\n", []string{`"stop"`, "hold, clear"}},
		{"too long", "[[preset]]\nname = \"a\"\ntitle = \"" + long + "\"\nprice = \"1\"\n", []string{`preset["a"].title`, `preset "a" is too long`, "at most 1024"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(filepath.Join(dir, "p.toml"), []byte(tc.toml))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestCardImageURL: a card's image_url (where buyers' pages load the
// photo) goes into the product event; it must be an http(s) link on a
// card.
func TestCardImageURL(t *testing.T) {
	c, err := Parse(filepath.Join(t.TempDir(), "p.toml"), []byte("[[preset]]\nname = \"mug\"\ntitle = \"Mug\"\nprice = \"9 €\"\nimage_url = \"https://cdn.example/mug.jpg\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if e := c.Presets[0].Event("show", time.Time{}); e.ImageURL != "https://cdn.example/mug.jpg" {
		t.Fatalf("event image_url %q", e.ImageURL)
	}
	for _, bad := range []string{"image_url = \"javascript:alert(1)\"\ntitle = \"Mug\"\nprice = \"9 €\"", "image_url = \"https://cdn.example/a.jpg\"\nqr = \"x\""} {
		_, err := Parse(filepath.Join(t.TempDir(), "p.toml"), []byte("[[preset]]\nname = \"mug\"\n"+bad+"\n"))
		if err == nil || !strings.Contains(err.Error(), "image_url") {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}
