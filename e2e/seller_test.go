//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/e2e/harness"
)

// viewport is a browser window size the panel is checked at: a phone and
// a laptop.
type viewport struct{ w, h int64 }

var sellerViewports = []viewport{{390, 844}, {1280, 800}}

// panelPages are the pages behind a session.
var panelPages = []string{"live", "presets", "chat", "destination", "camera", "system"}

// stateWords is what the banner says for each state.
var stateWords = map[string]string{
	"recording":    "Recording on the box only — nobody can see this",
	"off":          "Off air",
	"connecting":   "Connecting to IVS",
	"live":         "LIVE — buyers can see you",
	"reconnecting": "Reconnecting — buyers cannot see you",
	"refused":      "Stream refused — buyers cannot see you",
}

// sellerBox runs pitchbox as a seller's box has it (no autostart: it goes
// on air only when told to), 640x360, with its panel; url "" is no
// destination. It returns the box, the panel's address and the config
// file.
func sellerBox(t *testing.T, s *setup, url, key string) (*harness.Box, string, string) {
	t.Helper()
	port, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	socket, cfgPath := filepath.Join(s.dir, "control.sock"), filepath.Join(s.dir, "pitchbox.toml")
	c := harness.Config{StateDir: filepath.Join(s.dir, "state"), Width: 640, Height: 360, BitrateKbps: 800,
		URL: url, Key: key, Socket: socket, PanelListen: fmt.Sprintf("127.0.0.1:%d", port), DefaultStart: true}
	if err := c.Write(cfgPath); err != nil {
		t.Fatal(err)
	}
	b := startBox(t, cfgPath, socket)
	want := "off"
	if url == "" {
		want = "recording"
	}
	if err := b.WaitState(want, 20*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, b.Log())
	}
	return b, fmt.Sprintf("http://127.0.0.1:%d", port), cfgPath
}

// sellerUI opens a browser on the panel at the phone's size.
func sellerUI(t *testing.T, s *setup, base string) *ui {
	t.Helper()
	ctx, closeBrowser, err := harness.Browser(context.Background(), filepath.Join(s.dir, "chromium"), 390, 844)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeBrowser)
	return &ui{t: t, ctx: ctx, base: base}
}

// artefacts is this test's folder of kept screenshots, logged.
func artefacts(t *testing.T, name string) string {
	t.Helper()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := harness.ArtefactDir(root, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// fetched is an answer to a request the page made.
type fetched struct {
	Code int    `json:"code"`
	Body string `json:"body"`
}

// fetch sends a request from the page, with the session's CSRF token, as
// the panel's own script does; body is JSON (or nil).
func (u *ui) fetch(method, path string, body any) fetched {
	u.t.Helper()
	js := "null"
	if body != nil {
		js = fmt.Sprintf("JSON.stringify(%s)", mustJSONText(u.t, body))
	}
	script := fmt.Sprintf(`(async () => {
		const r = await fetch(%q, {method: %q, body: %s, headers: {"Content-Type": "application/json",
			"X-CSRF-Token": document.querySelector('meta[name="csrf"]').content}});
		return {code: r.status, body: await r.text()};
	})()`, path, method, js)
	v, err := chromedp.Run(u.ctx, chromedp.Evaluate[fetched](script, chromedp.EvalAwaitPromise))
	if err != nil {
		u.fail(err)
	}
	return v
}

// bannerBox is where the banner is on the screen and what it says.
type bannerBox struct {
	Top, Bottom, Left, Right float64
	W, H                     float64
	Title, Text, Time, Color string
}

// banner waits for the banner to show state and returns it.
func (u *ui) banner(state string) bannerBox {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, 20*time.Second)
	defer cancel()
	cond := fmt.Sprintf(`(() => { const b = document.getElementById("banner"); return !!b && b.dataset.state === %q; })()`, state)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		got := eval[string](u, `(document.getElementById("banner") || {dataset: {}}).dataset.state || "none"`)
		u.t.Fatalf("the banner shows %q, not %q", got, state)
	}
	return eval[bannerBox](u, `(() => { const b = document.getElementById("banner"), r = b.getBoundingClientRect();
		return {Top: r.top, Bottom: r.bottom, Left: r.left, Right: r.right, W: innerWidth, H: innerHeight,
			Title: document.getElementById("banner-title").textContent, Text: b.innerText,
			Time: document.getElementById("banner-time").textContent, Color: getComputedStyle(b).backgroundColor}; })()`)
}

// checkBanner checks the banner shows state in words, wholly inside the
// window (above the fold), and keeps a screenshot of the window.
func (u *ui) checkBanner(dir, page, state string, vp viewport) bannerBox {
	u.t.Helper()
	b := u.banner(state)
	where := fmt.Sprintf("%s page at %dx%d, state %s", page, vp.w, vp.h, state)
	if b.Top < 0 || b.Left < 0 || b.Bottom > b.H || b.Right > b.W || b.Bottom-b.Top < 30 {
		u.t.Errorf("%s: the banner is at %+v, not wholly in the %gx%g window", where, b, b.W, b.H)
	}
	if !strings.Contains(b.Title, stateWords[state]) {
		u.t.Errorf("%s: the banner says %q, want %q", where, b.Title, stateWords[state])
	}
	u.screenshot(dir, fmt.Sprintf("%s-%s-%dx%d", state, page, vp.w, vp.h))
	return b
}

// screenshot keeps what the window shows as dir/name.png.
func (u *ui) screenshot(dir, name string) {
	u.t.Helper()
	time.Sleep(300 * time.Millisecond) // the preview's next picture
	shot, err := chromedp.Run(u.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		u.fail(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), shot, 0o644); err != nil {
		u.t.Fatal(err)
	}
}

// resize sets the window's size.
func (u *ui) resize(vp viewport) {
	u.t.Helper()
	u.run(chromedp.EmulateViewport(vp.w, vp.h))
}

// smallTargets lists the visible controls smaller than 44×44 CSS px: a
// radio or checkbox counts by its label. Links inside running text are
// not controls of their own (WCAG 2.5.5 exempts them).
const smallTargets = `(() => {
	const bad = [];
	const sel = "button, a.button, nav a, .checklist a, summary, select, input, textarea";
	for (const e of document.querySelectorAll(sel)) {
		if (e.type === "hidden" || !e.getClientRects().length || getComputedStyle(e).visibility === "hidden") continue;
		if (e.closest("dialog:not([open])")) continue;
		const t = (e.type === "radio" || e.type === "checkbox") && e.closest("label") ? e.closest("label") : e;
		const r = t.getBoundingClientRect();
		if (r.width < 43.5 || r.height < 43.5) bad.push((e.id || e.textContent.trim().slice(0, 20) || e.tagName) + " " + Math.round(r.width) + "x" + Math.round(r.height));
	}
	return bad;
})()`

// axeCheck runs axe-core on the open page and reports its serious and
// critical violations.
func (u *ui) axeCheck(axe, where string) {
	u.t.Helper()
	vs, err := harness.Axe(u.ctx, axe)
	if err != nil {
		u.fail(err)
	}
	var minor []string
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			u.t.Errorf("axe-core on %s: %s", where, v)
		} else {
			minor = append(minor, v.ID+" ("+v.Impact+")")
		}
	}
	if len(minor) > 0 {
		u.t.Logf("axe-core on %s, below serious: %s", where, strings.Join(minor, ", "))
	}
}

// TestSellerBanners takes one box through every state — recording (no
// destination), off (a destination, not started), live, reconnecting (the
// server gone), refused (a rejected key), connecting (a server that never
// answers) — and checks that the panel's banner says it in words, inside
// the window, at a phone's and a laptop's size, with the retry countdown
// ticking; Stop asks first and sits apart from Clear; every page's
// controls are at least 44×44 px, and axe-core finds no serious or
// critical violation on any page, login and pairing included.
func TestSellerBanners(t *testing.T) {
	axe := loadAxe(t)
	s := newSetup(t, keyServer(t))
	hole := blackHole(t)
	b, base, _ := sellerBox(t, s, "", "")
	r := &stateRun{t: t, u: sellerUI(t, s, base), b: b, dir: artefacts(t, "seller-banners")}

	r.u.page("/live", "pair")
	r.u.axeCheck(axe, "the pairing page")
	r.u.pair(b, false)
	addPresets(t, r.u, s, b)
	r.shoot("recording")

	r.put(s.nginx.URL(), streamKey, "off")
	r.shoot("off")
	pagesAndTargets(t, r.u, axe, r.dir)

	r.u.page("/live", "live")
	r.u.waitText("#live-toggle", "Go live")
	r.u.run(chromedp.Click(chromedp.CSS("#live-toggle")))
	r.wait("live", 20*time.Second)
	r.shoot("live")
	stopApartFromClear(t, r.u)
	everyPageHasBanner(t, r.u, r.dir, "live")

	s.nginx.Stop()
	r.wait("reconnecting", 15*time.Second)
	r.shoot("reconnecting")
	if err := s.nginx.Start(); err != nil {
		t.Fatal(err)
	}
	r.put(s.nginx.URL(), "sk_wrong_key", "refused")
	r.shoot("refused")
	countdownTicks(t, r.u)
	r.put(hole, streamKey, "connecting")
	r.shoot("connecting")

	stopWithConfirmation(t, r.u, b, r.dir)
	r.u.page("/system", "system")
	r.u.run(chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS(`body[data-page="login"]`)))
	r.u.axeCheck(axe, "the login page")
	stopBox(t, b)
}

// stateRun is a box taken through its states with a browser on its panel.
type stateRun struct {
	t   *testing.T
	u   *ui
	b   *harness.Box
	dir string
}

// wait waits for the box to report state.
func (r *stateRun) wait(state string, timeout time.Duration) {
	r.t.Helper()
	if err := r.b.WaitState(state, timeout); err != nil {
		r.t.Fatalf("%v\n%s", err, r.b.Log())
	}
}

// put sets the destination through the panel's API and waits for state.
func (r *stateRun) put(url, key, state string) {
	r.t.Helper()
	if res := r.u.fetch("PUT", "/api/destination", map[string]string{"url": url, "stream_key": key}); res.Code != 200 {
		r.t.Fatalf("set destination %s: %d %s", url, res.Code, res.Body)
	}
	r.wait(state, 20*time.Second)
}

// shoot checks the Live page's banner for state at both sizes, and keeps
// the screenshots.
func (r *stateRun) shoot(state string) {
	r.t.Helper()
	r.u.page("/live", "live")
	for _, vp := range sellerViewports {
		r.u.resize(vp)
		r.u.checkBanner(r.dir, "live", state, vp)
	}
	r.u.resize(sellerViewports[0])
}

// addPresets makes two presets with free-text names, a QR code (through
// the API) and a picture (through the Presets page), checks their
// thumbnails and the "Saved" confirmation, and shows one with "Show now".
func addPresets(t *testing.T, u *ui, s *setup, b *harness.Box) {
	t.Helper()
	r := u.fetch("POST", "/api/presets", map[string]any{"name": "Blue mug — €12", "kind": "qr", "qr": panelQR, "position": "top-right", "size": 0.4})
	if r.Code != 200 {
		t.Fatalf("add a QR preset: %d %s", r.Code, r.Body)
	}
	u.page("/presets", "presets")
	u.run(chromedp.Click(chromedp.CSS("#kind-image")), chromedp.WaitVisible(chromedp.CSS("#upload")),
		chromedp.SetUploadFiles(chromedp.CSS("#upload"), []string{s.product}))
	u.waitText("#upload-ok", "Uploaded product.png")
	u.run(chromedp.SendKeys(chromedp.CSS("#p-name"), "Кружка синяя"), chromedp.Click(chromedp.CSS("#save-preset")))
	u.waitText("#preset-ok", "Saved “Кружка синяя”.")
	u.waitText("#preset-list", "Кружка синяя")
	ctx, cancel := context.WithTimeout(u.ctx, 10*time.Second)
	defer cancel()
	thumbs := `(() => { const is = [...document.querySelectorAll("#preset-list img.thumb")];
		return is.length === 2 && is.every((i) => i.complete && i.naturalWidth > 0); })()`
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](thumbs, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		t.Error("the presets' thumbnails did not load")
	}
	u.run(chromedp.Click(chromedp.CSS(`#preset-list li[data-name="кружка-синяя"] button.show`)))
	u.waitText("#preset-ok", "Showing “Кружка синяя” on the picture now.")
	if st, _ := b.Status(); st["scene"] != "Кружка синяя" {
		t.Errorf("after Show now the scene is %v", st["scene"])
	}
}

// loadAxe reads axe-core's script.
func loadAxe(t *testing.T) string {
	t.Helper()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	axe, err := harness.LoadAxe(root)
	if err != nil {
		t.Fatal(err)
	}
	return axe
}

// keyServer is nginx's on_publish check: only streamKey may publish.
func keyServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.Form.Get("name") != streamKey {
			http.Error(w, "unknown key", http.StatusForbidden)
		}
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/auth"
}

// blackHole is an RTMP URL whose server takes the connection and never
// answers: the box stays connecting until its I/O timeout.
func blackHole(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				for _, c := range conns {
					c.Close()
				}
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return "rtmp://" + ln.Addr().String() + "/live/"
}

// pagesAndTargets opens every page at both sizes: no sideways scrolling,
// no control under 44×44 px, no serious or critical axe-core violation;
// the screenshots are kept.
func pagesAndTargets(t *testing.T, u *ui, axe, dir string) {
	t.Helper()
	for _, vp := range sellerViewports {
		u.resize(vp)
		for _, p := range panelPages {
			u.page("/"+p, p)
			u.banner("off")
			time.Sleep(300 * time.Millisecond) // let the page fill in
			where := fmt.Sprintf("the %s page at %dx%d", p, vp.w, vp.h)
			if eval[bool](u, `document.documentElement.scrollWidth > document.documentElement.clientWidth`) {
				t.Errorf("%s scrolls sideways", where)
			}
			if small := eval[[]string](u, smallTargets); len(small) > 0 {
				t.Errorf("%s: controls under 44×44 px: %s", where, strings.Join(small, ", "))
			}
			u.axeCheck(axe, where)
			shot, err := chromedp.Run(u.ctx, chromedp.FullScreenshot(90))
			if err != nil {
				u.fail(err)
			}
			os.WriteFile(filepath.Join(dir, fmt.Sprintf("page-%s-%dx%d.jpg", p, vp.w, vp.h)), shot, 0o644)
		}
	}
	u.resize(sellerViewports[0])
}

// everyPageHasBanner checks the banner on every page, and that it stays
// in the window when the page is scrolled to its end.
func everyPageHasBanner(t *testing.T, u *ui, dir, state string) {
	t.Helper()
	for _, vp := range sellerViewports {
		u.resize(vp)
		for _, p := range panelPages {
			u.page("/"+p, p)
			u.run(js(`window.scrollTo(0, document.documentElement.scrollHeight)`))
			u.checkBanner(dir, p+"-scrolled", state, vp)
		}
	}
	u.resize(sellerViewports[0])
}

// stopApartFromClear checks that Stop and Clear are on different rows,
// far apart, and of different colours.
func stopApartFromClear(t *testing.T, u *ui) {
	t.Helper()
	u.page("/live", "live")
	u.waitText("#live-toggle", "Stop")
	for _, vp := range sellerViewports {
		u.resize(vp)
		got := eval[[]float64](u, `(() => { const a = document.getElementById("live-toggle").getBoundingClientRect(),
			b = document.getElementById("clear").getBoundingClientRect(); return [a.bottom, b.top, a.height]; })()`)
		if got[1]-got[0] < 100 || got[2] < 56 {
			t.Errorf("at %dx%d Stop ends at %g px and Clear starts at %g px (want 100 px between), Stop is %g px tall", vp.w, vp.h, got[0], got[1], got[2])
		}
		colours := eval[[]string](u, `["live-toggle", "clear"].map((id) => getComputedStyle(document.getElementById(id)).backgroundColor)`)
		if colours[0] == colours[1] {
			t.Errorf("Stop and Clear are both %s", colours[0])
		}
	}
	u.resize(sellerViewports[0])
}

// countdownTicks checks that the retry countdown counts down by itself.
func countdownTicks(t *testing.T, u *ui) {
	t.Helper()
	first := u.banner("refused").Time
	time.Sleep(1200 * time.Millisecond)
	second := u.banner("refused").Time
	if !strings.Contains(first, "Retrying in") || first == second {
		t.Errorf("retry countdown %q, then %q a second later: want it to count down", first, second)
	}
}

// stopWithConfirmation: Stop opens a dialog that says what stopping does;
// keeping on changes nothing, confirming stops.
func stopWithConfirmation(t *testing.T, u *ui, b *harness.Box, dir string) {
	t.Helper()
	u.page("/live", "live")
	u.waitText("#live-toggle", "Stop")
	u.run(chromedp.Click(chromedp.CSS("#live-toggle")), chromedp.WaitVisible(chromedp.CSS("#stop-dialog")))
	u.waitText("#stop-dialog", "Buyers will see the stream end.")
	u.screenshot(dir, "stop-dialog-390x844")
	u.run(chromedp.Click(chromedp.CSS("#stop-cancel")), chromedp.WaitNotVisible(chromedp.CSS("#stop-dialog")))
	if st, _ := b.Status(); st["live_requested"] != true {
		t.Fatal("keeping on streaming stopped the stream")
	}
	u.run(chromedp.Click(chromedp.CSS("#live-toggle")), chromedp.WaitVisible(chromedp.CSS("#stop-confirm")),
		chromedp.Click(chromedp.CSS("#stop-confirm")))
	if err := b.WaitState("off", 15*time.Second); err != nil {
		t.Fatal(err)
	}
}

// TestSellerKeyInURL pastes the ingest URL with the stream key at its end
// into the Destination page: the key ends up in the key file (and is
// used: the stream reaches the server under it) and in no response,
// page, log line, status or config file; the page says what happened. A
// pasted playback URL gets a message that names it.
func TestSellerKeyInURL(t *testing.T) {
	s := newSetup(t, "")
	b, base, cfgPath := sellerBox(t, s, "", "")
	u := sellerUI(t, s, base)
	u.pair(b, false)

	u.page("/destination", "destination")
	u.run(chromedp.SendKeys(chromedp.CSS("#d-url"), s.nginx.URL()+streamKey),
		chromedp.Click(chromedp.CSS(`#dest-form button[type="submit"]`)))
	u.waitText("#dest-ok", "The stream key was in the URL; it is saved as the key")
	u.waitText("#dest-ok", "Saved. Press Go live when you are ready.")
	if got := eval[string](u, `document.getElementById("d-url").value`); got != s.nginx.URL() {
		t.Errorf("the URL field shows %q, want %q", got, s.nginx.URL())
	}
	u.waitText("#d-key-state", "A stream key is set")
	if err := b.WaitState("off", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(cfg.Output.StreamKeyFile)
	if cfg.Output.URL != s.nginx.URL() || cfg.Output.StreamKey != "" || err != nil || strings.TrimSpace(string(key)) != streamKey {
		t.Fatalf("saved url %q, key file %q (%v): want the URL without the key and the key in the file", cfg.Output.URL, cfg.Output.StreamKeyFile, err)
	}
	// The key works: live, the server plays the stream under it.
	u.page("/live", "live")
	u.run(chromedp.Click(chromedp.CSS("#live-toggle")))
	if err := b.WaitState("live", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	s.pull(t, "key-from-url")

	keyNowhere(t, u, b, s, cfgPath)

	// A playback URL is named as such.
	u.page("/destination", "destination")
	u.run(chromedp.SetValue(chromedp.CSS("#d-url"), "https://a1b2c3.us-west-2.playback.live-video.net/api/video/v1/us-west-2.123456789012.channel.x.m3u8"),
		chromedp.Click(chromedp.CSS(`#dest-form button[type="submit"]`)))
	u.waitText("#dest-error", "This is the playback URL (for viewers); paste the Ingest server instead")
	stopBox(t, b)
}

// keyNowhere checks that the stream key, pasted into the URL, is in no
// API response (PUT /api/destination says where it went), page, log
// line, status or the config file.
func keyNowhere(t *testing.T, u *ui, b *harness.Box, s *setup, cfgPath string) {
	t.Helper()
	// The API says it too (the CLI gets the same), without the key.
	r := u.fetch("PUT", "/api/destination", map[string]string{"url": s.nginx.URL() + streamKey})
	if r.Code != 200 || !strings.Contains(r.Body, "stream key was in the URL") {
		t.Errorf("PUT /api/destination: %d %s", r.Code, r.Body)
	}
	bodies := []string{r.Body}
	for _, p := range []string{"/api/status", "/api/destination", "/api/config", "/api/system"} {
		bodies = append(bodies, u.fetch("GET", p, nil).Body)
	}
	for _, p := range panelPages {
		u.page("/"+p, p)
		time.Sleep(300 * time.Millisecond)
		u.noSecrets(streamKey)
	}
	status, _ := b.CLI("status", "--json")
	toml, _ := os.ReadFile(cfgPath)
	for where, text := range map[string]string{"a response": strings.Join(bodies, "\n"), "the log": b.Log(),
		"status --json": status, "the config file": string(toml)} {
		if strings.Contains(text, streamKey) {
			t.Errorf("the stream key is in %s", where)
		}
	}
}

// mustJSONText is v as JSON.
func mustJSONText(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
