//go:build e2e

package e2e

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/e2e/harness"
	"github.com/pitchbox/pitchbox/encode/h264"
)

// The card and countdown presets, appended to a test config as TOML (the
// harness writes qr and image presets only).
const (
	cardURL    = "https://shop.example/p/cafe-creme?ref=live"
	cardPreset = `
[[preset]]
name = "Café crème"
title = "Café crème"
price = "19,90 €"
old_price = "24,90 €"
url = "` + cardURL + `"
position = "bottom-right"
size = 0.4
`
	flashPreset = `
[[preset]]
name = "flash"
text = "Flash sale"
countdown_seconds = 8
countdown_end = "hold"
position = "top-left"
size = 0.16
`
	lastCallPreset = `
[[preset]]
name = "last-call"
text = "Last call"
countdown_seconds = 3
countdown_end = "clear"
position = "top-left"
size = 0.16
`
)

// cardBox starts a live 720p box at 1 Mbit/s with presets (TOML).
func cardBox(t *testing.T, s *setup, presets string) *harness.Box {
	t.Helper()
	cfg := filepath.Join(s.dir, "card.toml")
	sock := filepath.Join(s.dir, "control.sock")
	c := harness.Config{StateDir: filepath.Join(s.dir, "state"), URL: s.nginx.URL(), Key: streamKey, Socket: sock,
		Width: width, Height: height, BitrateKbps: 1000}
	if err := c.Write(cfg); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(presets); err != nil {
		t.Fatal(err)
	}
	f.Close()
	b := startBox(t, cfg, sock)
	if err := b.WaitState("live", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	return b
}

// flvAU is one video access unit of an FLV file, as Annex-B.
type flvAU struct {
	key  bool
	ms   int // FLV timestamp
	data []byte
}

// flvVideo reads the H.264 access units of an FLV file, in order.
func flvVideo(t *testing.T, path string) []flvAU {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 13 || string(b[:3]) != "FLV" {
		t.Fatalf("%s is not FLV", path)
	}
	var aus []flvAU
	for p := int(binary.BigEndian.Uint32(b[5:9])) + 4; p+11 <= len(b); {
		typ := b[p]
		size := int(b[p+1])<<16 | int(b[p+2])<<8 | int(b[p+3])
		ms := int(b[p+4])<<16 | int(b[p+5])<<8 | int(b[p+6]) | int(b[p+7])<<24
		body := b[p+11 : min(p+11+size, len(b))]
		p += 11 + size + 4
		if typ != 9 || len(body) < 5 || body[0]&0x0F != 7 || body[1] != 1 {
			continue // not an AVC NALU packet
		}
		var au []byte
		for r := body[5:]; len(r) >= 4; {
			n := int(binary.BigEndian.Uint32(r))
			if n > len(r)-4 {
				break
			}
			au = append(au, 0, 0, 0, 1)
			au = append(au, r[4:4+n]...)
			r = r[4+n:]
		}
		aus = append(aus, flvAU{key: body[0]>>4 == 1, ms: ms, data: au})
	}
	return aus
}

// productEvents returns the product events in an access unit.
func productEvents(t *testing.T, au []byte) []control.ProductEvent {
	t.Helper()
	uuid, err := h264.ParseUUID(control.ProductEventUUID)
	if err != nil {
		t.Fatal(err)
	}
	var evs []control.ProductEvent
	for _, d := range h264.FindUserData(au, uuid) {
		var e control.ProductEvent
		if err := json.Unmarshal(d, &e); err != nil {
			t.Fatalf("SEI payload %q: %v", d, err)
		}
		evs = append(evs, e)
	}
	return evs
}

// frameAt decodes frame n of the recording (decode order: pitchbox sends
// no B-frames) to a PNG, cropped to crop (ffmpeg's w:h:x:y) and scaled
// up twice for OCR when crop is set.
func frameAt(t *testing.T, rec string, n int, crop, out string) string {
	t.Helper()
	vf := fmt.Sprintf("select=eq(n\\,%d)", n)
	if crop != "" {
		vf += ",crop=" + crop + ",scale=iw*2:ih*2:flags=bicubic"
	}
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", rec, "-vf", vf, "-frames:v", "1", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg frame %d: %v: %s", n, err, b)
	}
	return out
}

// cropPNG crops a picture (ffmpeg's w:h:x:y) and scales it up twice for OCR.
func cropPNG(t *testing.T, png, crop, out string) string {
	t.Helper()
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", png, "-vf", "crop="+crop+",scale=iw*2:ih*2:flags=bicubic", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg crop: %v: %s", err, b)
	}
	return out
}

// meanLuma is the mean luma of crop in frame n of rec.
func meanLuma(t *testing.T, rec string, n int, crop string) float64 {
	t.Helper()
	vf := fmt.Sprintf("select=eq(n\\,%d),crop=%s", n, crop)
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", rec, "-vf", vf, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-").Output()
	if err != nil || len(out) == 0 {
		t.Fatalf("ffmpeg frame %d: %v", n, err)
	}
	sum := 0
	for _, y := range out {
		sum += int(y)
	}
	return float64(sum) / float64(len(out))
}

// ocr reads a picture with tesseract as one block of text.
func ocr(t *testing.T, png string, psm int) string {
	t.Helper()
	out, err := exec.Command("tesseract", png, "-", "--psm", strconv.Itoa(psm)).Output()
	if err != nil {
		t.Fatalf("tesseract %s: %v", png, err)
	}
	return string(out)
}

// traceSEIs counts the user-data-unregistered SEI messages that ffmpeg's
// trace_headers bitstream filter reports with the product UUID.
func traceSEIs(t *testing.T, rec string) int {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-nostdin", "-i", rec, "-map", "0:v", "-c:v", "copy", "-bsf:v", "trace_headers", "-f", "null", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg trace_headers: %v: %s", err, lastLines(out))
	}
	// uuid_iso_iec_11578[0] … [15] are traced one byte a line.
	re := regexp.MustCompile(`uuid_iso_iec_11578\[0\]\s+\S+\s+=\s+(\d+)`)
	n := 0
	for _, m := range re.FindAllStringSubmatch(string(out), -1) {
		if m[1] == "154" { // 0x9a, the UUID's first byte
			n++
		}
	}
	return n
}

func lastLines(b []byte) string {
	l := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(l[max(len(l)-5, 0):], "\n")
}

// TestProductCardOverRTMP shows a card over RTMP: a pulled 720p frame has
// its url in a QR zbarimg reads and its price readable by tesseract; the
// recording has the card's product event as SEI in the access unit of the
// first frame that shows it and in every IDR while it is on, and the
// clear event where it comes off.
func TestProductCardOverRTMP(t *testing.T) {
	if _, err := exec.LookPath("tesseract"); err != nil {
		t.Fatal("tesseract is not installed (scripts/deps.sh test installs tesseract-ocr)")
	}
	s := newSetup(t, "")
	b := cardBox(t, s, cardPreset)
	time.Sleep(2 * time.Second)
	if _, err := b.CLI("show", "Café crème"); err != nil {
		t.Fatal(err)
	}
	png := s.pull(t, "card")
	if texts := qrTexts(t, png); len(texts) != 1 || texts[0] != cardURL {
		t.Errorf("zbarimg read %q from the card, want %q", texts, cardURL)
	}
	time.Sleep(5 * time.Second) // on for at least two IDRs
	if _, err := b.CLI("clear"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	rec := s.recording(t, b)
	first, shownIDRs := checkCardSEI(t, flvVideo(t, rec))
	// OCR-grade legibility: tesseract reads the price off the pulled frame.
	card := "320:288:690:404" // the card's text column (the test pattern's black bar is behind it)
	if text := ocr(t, cropPNG(t, png, card, filepath.Join(s.dir, "card-ocr.png")), 6); !strings.Contains(text, "19,90") {
		t.Errorf("tesseract read %q from the card; want the price 19,90", text)
	}
	// The first access unit with the event is the first frame with the
	// card (white paper where the test pattern was); the frame before has
	// none.
	paper := "90:14:700:588" // the card's paper between price and old price, over the black bar
	if y := meanLuma(t, rec, first, paper); y < 200 {
		t.Errorf("the first frame with the SEI has luma %.0f under the card, want it white", y)
	}
	if y := meanLuma(t, rec, first-1, paper); y >= 200 {
		t.Errorf("the frame before the SEI already has luma %.0f (white) under the card", y)
	}
	if n := traceSEIs(t, rec); n != shownIDRs+2 {
		t.Errorf("ffmpeg trace_headers found %d product SEI messages, want %d (show, %d IDRs, clear)", n, shownIDRs+2, shownIDRs)
	}
}

// checkCardSEI checks the product events in the recording's access units
// and returns the index of the first with the show event and how many
// IDRs repeated it.
func checkCardSEI(t *testing.T, aus []flvAU) (first, idrs int) {
	t.Helper()
	first, cleared := -1, -1
	for i, au := range aus {
		evs := productEvents(t, au.data)
		if len(evs) > 1 {
			t.Fatalf("access unit %d has %d product events", i, len(evs))
		}
		on := first >= 0 && cleared < 0
		switch {
		case len(evs) == 0:
			if on && au.key {
				t.Errorf("IDR %d (%d ms) while the card is on has no product event", i, au.ms)
			}
		case evs[0].Event == control.EventShow && first < 0:
			first = i
			e := evs[0]
			if e.V != 1 || e.Preset != "Café crème" || e.Title != "Café crème" || e.Price != "19,90 €" || e.OldPrice != "24,90 €" || e.URL != cardURL {
				t.Errorf("show event %+v", e)
			}
		case evs[0].Event == control.EventShow && on && au.key:
			idrs++
		case evs[0].Event == control.EventClear && on:
			cleared = i
		default:
			t.Errorf("access unit %d (IDR %v): unexpected %+v", i, au.key, evs[0])
		}
	}
	if first <= 0 || cleared < 0 || idrs < 2 {
		t.Fatalf("show at access unit %d, clear at %d, repeated in %d IDRs", first, cleared, idrs)
	}
	t.Logf("show at access unit %d (IDR %v), repeated in %d IDRs, clear at %d; %d bytes of SEI", first, aus[first].key, idrs, cleared,
		len(h264.AppendUserDataSEI(nil, [16]byte{}, mustJSON(t, productEvents(t, aus[first].data)[0]))))
	return first, idrs
}

func mustJSON(t *testing.T, e control.ProductEvent) []byte {
	b, err := e.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// clockRe finds an M:SS time in OCR output.
var clockRe = regexp.MustCompile(`(\d{1,2})\s*[:;.]\s*(\d\d)`)

// readClock OCRs the countdown in frame n of rec and returns its seconds.
func readClock(t *testing.T, s *setup, rec string, n int, crop string) (int, string) {
	t.Helper()
	text := ocr(t, frameAt(t, rec, n, crop, filepath.Join(s.dir, fmt.Sprintf("clock%d.png", n))), 6)
	m := clockRe.FindStringSubmatch(text)
	if m == nil {
		return -1, text
	}
	min, _ := strconv.Atoi(m[1])
	sec, _ := strconv.Atoi(m[2])
	return min*60 + sec, text
}

// TestCountdownOverRTMP shows an 8 s countdown that holds and then a 3 s
// one that clears: in the recording, frames 3 s apart show times 3 s
// apart, the first then shows "ended", and the second comes off at zero
// with its clear event in the stream.
func TestCountdownOverRTMP(t *testing.T) {
	if _, err := exec.LookPath("tesseract"); err != nil {
		t.Fatal("tesseract is not installed (scripts/deps.sh test installs tesseract-ocr)")
	}
	s := newSetup(t, "")
	b := cardBox(t, s, flashPreset+lastCallPreset)
	time.Sleep(2 * time.Second)
	if _, err := b.CLI("show", "flash"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Second)
	if _, err := b.CLI("show", "last-call"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Second)
	rec := s.recording(t, b)
	aus := flvVideo(t, rec)
	var shows, clears []int
	for i, au := range aus {
		for _, e := range productEvents(t, au.data) {
			switch {
			case e.Event == control.EventShow && (len(shows) == 0 || e.Preset != aus0(t, aus[shows[len(shows)-1]].data)):
				shows = append(shows, i)
				if e.CountdownEndsAt == nil {
					t.Errorf("show event without countdown_ends_at: %+v", e)
				}
			case e.Event == control.EventClear:
				clears = append(clears, i)
			}
		}
	}
	if len(shows) != 2 {
		t.Fatalf("show events at access units %v, want 2", shows)
	}
	// The timer sits under the text bar at the top left: 28 px in, 50 px
	// high, 12 px under the 114 px bar.
	timer := "136:46:30:156,negate"      // inside its dark box, negated: black on white
	a, b3 := shows[0]+45, shows[0]+45+90 // 1.5 s and 4.5 s after it went on, at 30 fps
	ta, textA := readClock(t, s, rec, a, timer)
	tb, textB := readClock(t, s, rec, b3, timer)
	if ta != 8-1 || tb != 8-4 {
		t.Errorf("frames 3 s apart read %d s (%q) and %d s (%q), want 7 and 4", ta, textA, tb, textB)
	}
	end := shows[0] + 9*30
	if text := ocr(t, frameAt(t, rec, end, timer, filepath.Join(s.dir, "ended.png")), 6); !strings.Contains(text, "ended") {
		t.Errorf("at zero the held countdown reads %q, want ended", text)
	}
	// last-call clears itself 3 s after it went on: its clear event
	// comes then, and its bar is gone from the picture.
	if d := lastClear(clears) - shows[1]; d < 3*30-3 || d > 3*30+3 {
		t.Errorf("clear events at %v, last-call shown at %d: want its clear 3 s (90 frames) later", clears, shows[1])
	}
	bar := "300:120:0:0"
	if text := ocr(t, frameAt(t, rec, shows[1]+4*30, bar, filepath.Join(s.dir, "cleared.png")), 6); strings.Contains(text, "Last") {
		t.Errorf("after its countdown the cleared preset still shows (%q)", text)
	}
}

// aus0 is the preset of the first product event in au.
func aus0(t *testing.T, au []byte) string {
	if evs := productEvents(t, au); len(evs) > 0 {
		return evs[0].Preset
	}
	return ""
}

// lastClear is the last clear event's access unit, -1 for none.
func lastClear(clears []int) int {
	if len(clears) == 0 {
		return -1
	}
	return clears[len(clears)-1]
}
