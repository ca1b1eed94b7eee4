//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pitchbox/pitchbox/config"
)

// previewDigest is a fingerprint of the Presets form's preview picture
// (its pixels, drawn small) and its address; "" while none is loaded.
const previewDigest = `(() => {
	const i = document.getElementById("preset-preview");
	if (i.hidden || !i.complete || !i.naturalWidth) return "";
	const c = document.createElement("canvas"); c.width = 64; c.height = 36;
	const g = c.getContext("2d"); g.drawImage(i, 0, 0, 64, 36);
	let h = 0; for (const v of g.getImageData(0, 0, 64, 36).data) h = (h * 31 + v) >>> 0;
	return i.src + " " + h;
})()`

// TestPresetsCardPage makes a product card on the Presets page at a
// phone's size, as a seller does: photo uploaded, an accented title, the
// price "19,90 €", an old price, a countdown; the live preview follows the
// fields, a link the box refuses shows the box's own words, and the saved
// card is shown with Show now and has its thumbnail on the Presets and
// Live pages. The page has no control under 44×44 px, no sideways scroll
// and no serious axe-core violation; the screenshots are kept.
func TestPresetsCardPage(t *testing.T) {
	axe := loadAxe(t)
	s := newSetup(t, keyServer(t))
	b, base, _ := sellerBox(t, s, "", "")
	u := sellerUI(t, s, base)
	u.resize(sellerViewports[0])
	dir := artefacts(t, "presets")
	u.page("/live", "pair")
	u.pair(b, false)

	u.page("/presets", "presets")
	u.run(chromedp.Click(chromedp.CSS("#kind-card")), chromedp.WaitVisible(chromedp.CSS("#p-title")),
		chromedp.SetUploadFiles(chromedp.CSS("#upload"), []string{s.product}))
	u.waitText("#upload-ok", "Uploaded product.png")
	u.run(chromedp.SendKeys(chromedp.CSS("#p-name"), "Tasse émaillée"),
		chromedp.SendKeys(chromedp.CSS("#p-title"), "Tasse émaillée bleue"),
		chromedp.SendKeys(chromedp.CSS("#p-price"), "19,90 €"))
	first := u.waitPreview("")
	u.run(chromedp.SendKeys(chromedp.CSS("#p-old-price"), "24,90 €"),
		chromedp.SendKeys(chromedp.CSS("#p-countdown"), "90"))
	second := u.waitPreview(first)
	if strings.Fields(first)[1] == strings.Fields(second)[1] {
		t.Error("the preview's picture did not change with the fields")
	}
	u.waitText("#p-countdown-out", "1:30")

	// A link the box refuses: its own words, under the form.
	u.run(chromedp.SendKeys(chromedp.CSS("#p-url"), "ftp://shop.example/tasse"))
	u.waitText("#preset-error", "an https:// or http:// link")
	u.run(js(`document.getElementById("p-url").value = ""`),
		chromedp.SendKeys(chromedp.CSS("#p-url"), "https://shop.example/tasse"))
	u.waitPreview(second)
	if e := eval[string](u, `document.getElementById("preset-error").textContent`); e != "" {
		t.Errorf("after fixing the link the form still says %q", e)
	}
	u.waitText("#event-size", "of 1024 bytes used")
	u.pageChecks(axe, dir, "presets-card-form")

	u.tap("#save-preset")
	u.waitText("#preset-ok", "Saved “Tasse émaillée”.")
	id := config.PresetID("Tasse émaillée")
	li := fmt.Sprintf(`#preset-list li[data-name=%q]`, id)
	u.waitText(li, "product card · 19,90 € (was 24,90 €) · countdown 1:30")
	u.waitThumb(li + " img.thumb")
	u.tap(li + " button.show")
	u.waitText("#preset-ok", "Showing “Tasse émaillée” on the picture now.")
	if st, _ := b.Status(); st["scene"] != "Tasse émaillée" {
		t.Errorf("after Show now the scene is %v", st["scene"])
	}
	u.pageChecks(axe, dir, "presets-card-saved")

	u.page("/live", "live")
	u.waitThumb(fmt.Sprintf(`#preset-buttons button[data-name=%q] img`, id))
	u.pollJS("the card's button to be pressed", fmt.Sprintf(`document.querySelector('#preset-buttons button[data-name=%q]').getAttribute("aria-pressed") === "true"`, id), 10*time.Second)
	u.pageChecks(axe, dir, "live-card-shown")
	stopBox(t, b)
}

// tap clicks the element sel after scrolling it to the middle of the
// window, out from under the sticky banner.
func (u *ui) tap(sel string) {
	u.t.Helper()
	u.run(js(fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: "center"})`, sel)), chromedp.Click(chromedp.CSS(sel)))
}

// pollJS polls a script on the panel until it is true.
func (u *ui) pollJS(what, cond string, timeout time.Duration) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, timeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		u.fail(fmt.Errorf("%s: not within %v (%v)", what, timeout, err))
	}
}

// waitPreview waits for the Presets form's preview to show a picture other
// than the one previewDigest gave as old, and returns its digest.
func (u *ui) waitPreview(old string) string {
	u.t.Helper()
	cond := fmt.Sprintf(`(() => { const d = %s; return d !== "" && d.split(" ")[0] !== %q.split(" ")[0]; })()`, previewDigest, old)
	u.pollJS("a new preview", cond, 20*time.Second)
	return eval[string](u, previewDigest)
}

// waitThumb waits for a thumbnail to load, wider than it is high as a
// card's is.
func (u *ui) waitThumb(sel string) {
	u.t.Helper()
	cond := fmt.Sprintf(`(() => { const i = document.querySelector(%q);
		return !!i && i.complete && i.naturalWidth > i.naturalHeight && i.naturalHeight > 0; })()`, sel)
	u.pollJS("the thumbnail "+sel, cond, 20*time.Second)
}

// pageChecks checks the open page at the phone's size: no sideways
// scroll, no control under 44×44 px, axe-core; and keeps a full-page
// screenshot as dir/name.png.
func (u *ui) pageChecks(axe, dir, name string) {
	u.t.Helper()
	if eval[bool](u, `document.documentElement.scrollWidth > document.documentElement.clientWidth`) {
		u.t.Errorf("%s: the page scrolls sideways", name)
	}
	if small := eval[[]string](u, smallTargets); len(small) > 0 {
		u.t.Errorf("%s: controls under 44×44 px: %s", name, strings.Join(small, ", "))
	}
	u.axeCheck(axe, name)
	u.run(js(`scrollTo(0, 0)`))        // the sticky banner at the top of the shot
	time.Sleep(300 * time.Millisecond) // the live picture's next frame
	ctx, cancel := context.WithTimeout(u.ctx, 30*time.Second)
	defer cancel()
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		u.fail(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), shot, 0o644); err != nil {
		u.t.Fatal(err)
	}
}
