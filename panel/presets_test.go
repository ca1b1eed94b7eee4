package panel_test

import (
	"bytes"
	"encoding/json"
	"image/jpeg"
	"image/png"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/panel"
	"github.com/pitchbox/pitchbox/panel/paneltest"
)

// card is the product card the tests make, as the Presets page sends it.
func card() map[string]any {
	return map[string]any{"name": "Tasse émaillée", "kind": "card", "title": "Tasse émaillée bleue",
		"price": "19,90 €", "old_price": "24,90 €", "url": "https://shop.example/tasse", "image": "mug.png",
		"countdown_seconds": 90, "countdown_end": "hold", "position": "bottom-left", "size": 0.35}
}

// TestCardTextAndCountdownPresets makes a product card (with its photo),
// a lower third and a QR code with a countdown through the API the
// Presets page uses, previews, edits and shows the card, and checks each
// preset's thumbnail and what is saved.
func TestCardTextAndCountdownPresets(t *testing.T) {
	r := newRig(t)
	if code, body := r.upload("mug.png", paneltest.ProductPNG(200, 200)); code != 201 {
		t.Fatalf("upload: %d %s", code, body)
	}
	if code, body := r.do("POST", "/api/presets/preview", card(), true, r.csrf); code != 200 {
		t.Fatalf("preview a card: %d %s", code, body)
	} else if _, err := jpeg.Decode(strings.NewReader(body)); err != nil {
		t.Fatalf("the card's preview is not a JPEG: %v", err)
	}
	made := []map[string]any{card(),
		{"name": "Lower third", "kind": "text", "text": "Live now — ¡ofertas! שלום", "countdown_seconds": 30, "countdown_end": "clear"},
		{"name": "buy", "kind": "qr", "qr": "https://shop.example/1", "countdown_seconds": 5, "size": 0.3}}
	for _, p := range made {
		if code, body := r.do("POST", "/api/presets", p, true, r.csrf); code != 200 {
			t.Fatalf("create %v: %d %s", p["name"], code, body)
		}
	}
	views := r.presets()
	if len(views) != 3 || views[0].Kind != "card" || views[0].Image != "mug.png" || views[0].OldPrice != "24,90 €" ||
		views[0].CountdownSeconds != 90 || views[1].Kind != "text" || views[1].Size != config.DefaultTextSize ||
		views[1].CountdownEnd != "clear" || views[2].Kind != "qr" || views[2].CountdownSeconds != 5 {
		t.Fatalf("presets %+v", views)
	}
	for _, v := range views {
		r.checkThumb(v)
	}
	edit := card()
	edit["price"] = "17,90 €"
	if code, body := r.do("PUT", "/api/presets/"+views[0].ID, edit, true, r.csrf); code != 200 {
		t.Fatalf("edit the card, keeping its photo: %d %s", code, body)
	}
	if code, body := r.do("POST", "/api/presets/"+views[0].ID+"/show", nil, true, r.csrf); code != 200 {
		t.Fatalf("show the card: %d %s", code, body)
	}
	if s := r.b.Scene(); s != "Tasse émaillée" {
		t.Fatalf("scene %q", s)
	}
	saved, err := config.Load(filepath.Join(r.state, "pitchbox.toml"))
	if err != nil {
		t.Fatal(err)
	}
	c := saved.Presets[0]
	if c.Title != "Tasse émaillée bleue" || c.Price != "17,90 €" || c.URL != "https://shop.example/tasse" ||
		filepath.Base(c.Image) != "mug.png" || c.CountdownEnd != "hold" || saved.Presets[1].Text == "" {
		t.Fatalf("saved presets %+v", saved.Presets)
	}
}

// presets lists the presets as the page gets them.
func (r *rig) presets() []panel.PresetView {
	r.t.Helper()
	code, body := r.do("GET", "/api/presets", nil, true, "")
	var vs []panel.PresetView
	if err := json.Unmarshal([]byte(body), &vs); code != 200 || err != nil {
		r.t.Fatalf("list presets: %d %v %s", code, err, body)
	}
	return vs
}

// checkThumb fetches a preset's thumbnail and checks it is a PNG of at
// most 240×160 that is not blank.
func (r *rig) checkThumb(v panel.PresetView) {
	r.t.Helper()
	code, body := r.do("GET", "/api/presets/"+v.ID+"/thumb", nil, true, "")
	if code != http.StatusOK {
		r.t.Fatalf("%s's thumbnail: %d %s", v.Name, code, body)
	}
	img, err := png.Decode(bytes.NewReader([]byte(body)))
	if err != nil {
		r.t.Fatalf("%s's thumbnail: %v", v.Name, err)
	}
	b := img.Bounds()
	if b.Dx() > 240 || b.Dy() > 160 || b.Dx() < 40 || b.Dy() < 20 {
		r.t.Errorf("%s's thumbnail is %v", v.Name, b)
	}
	dark, light := 0, 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c, _, _, a := img.At(x, y).RGBA()
			switch {
			case a < 0x8000:
			case c < 0x4000:
				dark++
			case c > 0xc000:
				light++
			}
		}
	}
	if n := b.Dx() * b.Dy(); dark < n/50 || light < n/50 {
		r.t.Errorf("%s's thumbnail %v has %d dark and %d light pixels: not the preset", v.Name, b, dark, light)
	}
}

// TestBadCardsRefused checks that cards, lower thirds and countdowns the
// config would refuse are refused by the API (and by the preview the page
// asks for as the seller types) with the config's own words, and that
// nothing is saved.
func TestBadCardsRefused(t *testing.T) {
	r := newRig(t)
	long := card()
	long["image"] = ""
	long["title"] = strings.Repeat("Très longue tasse ", 60)
	bad := []struct {
		change map[string]any
		msg    string
	}{
		{map[string]any{"price": ""}, `needs a price, e.g. price = "19,90 €"`},
		{map[string]any{"title": ""}, "needs a title"},
		{map[string]any{"url": "ftp://shop.example/x"}, "not allowed (allowed: an https:// or http:// link)"},
		{map[string]any{"countdown_seconds": 6000}, "6000 is not allowed (allowed: 1 to 5999, i.e. up to 99:59"},
		{map[string]any{"countdown_end": "later"}, `"later" is not allowed (allowed: hold, clear)`},
		{map[string]any{"image": "missing.png"}, "upload it first"},
		{long, "too long for the buyers' product event"},
		{map[string]any{"kind": "text", "text": ""}, "a lower third needs its text"},
		{map[string]any{"kind": "banner"}, `kind "banner" is not allowed`},
	}
	for _, b := range bad {
		p := card()
		p["image"] = ""
		for k, v := range b.change {
			p[k] = v
		}
		for _, path := range []string{"/api/presets", "/api/presets/preview"} {
			code, body := r.do("POST", path, p, true, r.csrf)
			var e struct{ Error string }
			json.Unmarshal([]byte(body), &e)
			if code != 400 || !strings.Contains(e.Error, b.msg) {
				t.Errorf("POST %s: %d %s, want 400 with %q", path, code, body, b.msg)
			}
		}
	}
	if vs := r.presets(); len(vs) != 0 {
		t.Fatalf("refused presets were saved: %+v", vs)
	}
}
