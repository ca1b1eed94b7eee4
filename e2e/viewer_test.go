//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pitchbox/pitchbox/chat/chattest"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/e2e/harness"
	"github.com/pitchbox/pitchbox/viewer"
)

// viewerSite is the buyers' page exported by the viewer package and served
// by a test server with, on the same origin, the nginx-rtmp HLS output
// (/hls/), a stub of the buyers' chat-token endpoint (/token) and the fake
// IVS Chat room behind a WebSocket proxy (/chat).
type viewerSite struct {
	*httptest.Server
	box  *harness.Box
	room *chattest.Server
}

// newViewerSite starts nginx with HLS, a live 640x360 box with the card
// preset, the chat room and the page's server.
func newViewerSite(t *testing.T) *viewerSite {
	t.Helper()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	vendor := filepath.Join(root, viewer.VendorDir)
	if _, err := os.Stat(filepath.Join(vendor, viewer.VendorFiles[0])); err != nil {
		t.Fatalf("the IVS Player is not vendored: run %s (make deps-test does): %v", viewer.VendorScript, err)
	}
	dir := t.TempDir()
	_, cert, key, err := harness.TestPKI(dir)
	if err != nil {
		t.Fatal(err)
	}
	ng, hls, err := harness.NewNginxHLS(dir, cert, key, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := ng.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ng.Stop)
	room := chattest.New()
	t.Cleanup(room.Close)
	site := filepath.Join(dir, "site")
	v := &viewerSite{room: room}
	v.Server = httptest.NewServer(siteHandler(t, site, hls, room))
	t.Cleanup(v.Server.Close)
	ws := "ws" + strings.TrimPrefix(v.URL, "http") + "/chat"
	cfg := viewer.Config{PlaybackURL: v.URL + "/hls/" + streamKey + ".m3u8", TokenURL: v.URL + "/token", ChatEndpoint: ws, Title: "Café live"}
	if err := viewer.Export(site, vendor, cfg); err != nil {
		t.Fatal(err)
	}
	v.box = viewerBox(t, &setup{dir: dir, nginx: ng})
	return v
}

func siteHandler(t *testing.T, site, hls string, room *chattest.Server) http.Handler {
	roomURL, err := url.Parse(room.URL)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServer(http.Dir(site)))
	noCache := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-cache")
			h.ServeHTTP(w, r)
		})
	}
	mux.Handle("/hls/", noCache(http.StripPrefix("/hls/", http.FileServer(http.Dir(hls)))))
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST", http.StatusMethodNotAllowed)
			return
		}
		tok, _ := room.Token(r.Context())
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"token": tok.Value, "sessionExpirationTime": tok.SessionExpires.UTC(),
			"userId": "b-1", "displayName": "buyer-1"})
	})
	// The room checks the Origin against the Host: the proxy keeps both
	// the page's. A browser drops a WebSocket whose server does not echo
	// the subprotocol (the token) it asked for, which the fake room does
	// not promise: IVS Chat does, for its web SDK; the proxy does here.
	proxy := httputil.NewSingleHostReverseProxy(roomURL)
	proxy.ModifyResponse = func(r *http.Response) error {
		if p := r.Request.Header.Get("Sec-WebSocket-Protocol"); p != "" && r.StatusCode == http.StatusSwitchingProtocols {
			r.Header.Set("Sec-WebSocket-Protocol", p)
		}
		return nil
	}
	mux.Handle("/chat", proxy)
	return mux
}

// viewerBox is a live 640x360 box with the card preset.
func viewerBox(t *testing.T, s *setup) *harness.Box {
	t.Helper()
	cfg := filepath.Join(s.dir, "viewer.toml")
	sock := filepath.Join(s.dir, "control.sock")
	c := harness.Config{StateDir: filepath.Join(s.dir, "state"), URL: s.nginx.URL(), Key: streamKey, Socket: sock,
		Width: 640, Height: 360, BitrateKbps: 800}
	if err := c.Write(cfg); err != nil {
		t.Fatal(err)
	}
	toml, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// A keyframe a second: HLS fragments end at keyframes, so the card's
	// fragment reaches the player sooner.
	toml = []byte(strings.Replace(string(toml), "keyframe_seconds = 2", "keyframe_seconds = 1", 1) + cardPreset)
	if err := os.WriteFile(cfg, toml, 0o600); err != nil {
		t.Fatal(err)
	}
	b := startBox(t, cfg, sock)
	if err := b.WaitState("live", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	return b
}

// viewerUI opens the page in chromium at the phone's size.
func (v *viewerSite) ui(t *testing.T) *ui {
	t.Helper()
	ctx, closeBrowser, err := harness.Browser(context.Background(), filepath.Join(t.TempDir(), "chromium"), 390, 844)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeBrowser)
	u := &ui{t: t, ctx: ctx, base: v.URL}
	u.run(chromedp.EmulateViewport(390, 844), chromedp.Navigate(v.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#video")))
	return u
}

// waitJS polls a script until it is true.
func (u *ui) waitJS(what, cond string, timeout time.Duration) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, timeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		st := eval[string](u, `JSON.stringify({status: document.getElementById("player-status").textContent,
			chat: document.getElementById("chat-status").textContent,
			err: window.pitchboxViewer.state.lastError || null, log: window.pitchboxViewer.state.log})`)
		u.t.Fatalf("%s: not within %v (%v); page: %s", what, timeout, err, st)
	}
}

// TestViewerCardAndChat plays the box's stream in the buyers' page with the
// real IVS Player (nginx-rtmp's HLS), shows and clears the card preset
// with the CLI and checks the card follows the SEI in the video, chats
// with the fake room, and keeps screenshots at a phone's and a laptop's
// size.
func TestViewerCardAndChat(t *testing.T) {
	v := newViewerSite(t)
	u := v.ui(t)
	dir := artefacts(t, "viewer")
	u.waitJS("the IVS Player plays the local HLS", `(() => { const p = window.pitchboxViewer.state.player;
		return !!p && p.getState() === "Playing" && document.getElementById("video").currentTime > 0; })()`, 45*time.Second)
	t.Logf("player: %s", eval[string](u, `(() => { const p = window.pitchboxViewer.state.player;
		const v = document.getElementById("video");
		return "IVS Player " + IVSPlayer.getVersion() + " playing " + v.videoWidth + "x" + v.videoHeight + ", state " + p.getState(); })()`))
	viewerChat(t, u, v.room)

	t0 := time.Now()
	if _, err := v.box.CLI("show", "Café crème"); err != nil {
		t.Fatal(err)
	}
	u.waitJS("the card", `!document.getElementById("card").hidden`, 20*time.Second)
	shown := time.UnixMilli(int64(eval[float64](u, `window.pitchboxViewer.state.shownAt`)))
	t.Logf("card shown %v after `pitchbox show` (HLS delivery included); events: %s", shown.Sub(t0).Round(time.Millisecond),
		eval[string](u, `JSON.stringify(window.pitchboxViewer.state.log)`))
	checkCardSync(t, u, shown.Sub(t0))
	checkCard(t, u)
	for _, vp := range sellerViewports {
		u.resize(vp)
		u.screenshot(dir, fmt.Sprintf("viewer-card-%dx%d", vp.w, vp.h))
		if w := eval[[]int](u, `[document.scrollingElement.scrollWidth, innerWidth]`); w[0] > w[1] {
			t.Errorf("%dx%d: the page scrolls sideways (%d > %d)", vp.w, vp.h, w[0], w[1])
		}
		if small := eval[[]string](u, smallTargets+` .concat([...document.querySelectorAll("#card-buy")].filter(e =>
			e.getBoundingClientRect().height < 44).map(e => "buy"))`); len(small) > 0 {
			t.Errorf("%dx%d: targets under 44 px: %v", vp.w, vp.h, small)
		}
	}
	u.axeCheck(loadAxe(t), "the buyers' page")

	t1 := time.Now()
	if _, err := v.box.CLI("clear"); err != nil {
		t.Fatal(err)
	}
	u.waitJS("the card cleared", `document.getElementById("card").hidden`, 20*time.Second)
	cleared := time.UnixMilli(int64(eval[float64](u, `window.pitchboxViewer.state.clearedAt`)))
	t.Logf("card cleared %v after `pitchbox clear`", cleared.Sub(t1).Round(time.Millisecond))
	u.screenshot(dir, "viewer-cleared-1280x800")
}

// viewerChat reads a buyer's question and posts an answer from the page.
func viewerChat(t *testing.T, u *ui, room *chattest.Server) {
	t.Helper()
	u.waitJS("the chat connects", `document.getElementById("chat-status").textContent.startsWith("Chatting as buyer-1")`, 15*time.Second)
	room.Message("q1", "buyer42", "Is it waterproof?")
	u.waitText("#chat-messages", "buyer42:Is it waterproof?")
	u.run(chromedp.SendKeys(chromedp.CSS("#chat-input"), "Two for me, please"), chromedp.Click(chromedp.CSS("#chat-send")))
	u.waitText("#chat-messages", "Two for me, please")
	if got := eval[string](u, `document.getElementById("chat-input").value`); got != "" {
		t.Errorf("the message box keeps %q after sending", got)
	}
	room.Delete("q1", "MessageId")
	u.waitJS("the deleted question gone", `!document.getElementById("chat-messages").textContent.includes("waterproof")`, 10*time.Second)
}

// checkCard checks the card shows the preset's product.
func checkCard(t *testing.T, u *ui) {
	t.Helper()
	got := eval[map[string]string](u, `(() => { const $ = id => document.getElementById(id);
		return {title: $("card-title").textContent, price: $("card-price").textContent,
			old: $("card-old-price").hidden ? "" : $("card-old-price").textContent,
			struck: getComputedStyle($("card-old-price")).textDecorationLine,
			buy: $("card-buy").hidden ? "" : $("card-buy").href}; })()`)
	want := map[string]string{"title": "Café crème", "price": "19,90 €", "old": "was 24,90 €", "struck": "line-through", "buy": cardURL}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("card %s = %q, want %q", k, got[k], w)
		}
	}
}

// checkCardSync checks the card came from the SEI in the video and went up
// within 1 s of the frame that carries it reaching the buyer's screen (the
// player's playhead passing the SEI's timestamp), and that the stream's
// delivery (nginx-rtmp HLS: fragments end at keyframes) stays bounded.
func checkCardSync(t *testing.T, u *ui, sinceShow time.Duration) {
	t.Helper()
	ev := eval[map[string]any](u, `window.pitchboxViewer.state.log.find(e => e.event === "show") || {}`)
	pts, _ := ev["pts"].(float64)
	pos, _ := ev["position"].(float64)
	if ev["source"] != "sei" {
		t.Fatalf("the card came from %v, not the video's SEI", ev["source"])
	}
	t.Logf("card up at playhead %.3f s, %.0f ms after its frame (SEI timestamp %.3f s)", pos, (pos-pts)*1000, pts)
	if d := pos - pts; d < -0.1 || d > 1 {
		t.Errorf("the card went up %.3f s from its frame (playhead %.3f, SEI %.3f); want within 1 s", d, pos, pts)
	}
	if sinceShow > 10*time.Second {
		t.Errorf("the card took %v after `pitchbox show`", sinceShow)
	}
}

// TestViewerCardFromEvents drives the page's card with product events
// made here, as the player hands them over (SEI and PutMetadata cues):
// other SEI is ignored, the photo and countdown show, a link that is not
// http(s) gets no Buy button, and a clear hides the card.
func TestViewerCardFromEvents(t *testing.T) {
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	site := filepath.Join(dir, "site")
	srv := httptest.NewServer(http.FileServer(http.Dir(site)))
	defer srv.Close()
	if err := viewer.Export(site, filepath.Join(root, viewer.VendorDir), viewer.Config{PlaybackURL: srv.URL + "/offline.m3u8"}); err != nil {
		t.Fatal(err)
	}
	if err := harness.WriteProductImage(filepath.Join(site, "mug.png"), 200, 200); err != nil {
		t.Fatal(err)
	}
	ctx, closeBrowser, err := harness.Browser(context.Background(), filepath.Join(dir, "chromium"), 390, 844)
	if err != nil {
		t.Fatal(err)
	}
	defer closeBrowser()
	u := &ui{t: t, ctx: ctx, base: srv.URL}
	u.run(chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#video")))
	u.waitJS("the page started", `!!window.pitchboxViewer && !!window.pitchboxViewer.state.player`, 10*time.Second)
	send := func(uuid, ev string) bool {
		return eval[bool](u, fmt.Sprintf(`window.pitchboxViewer.sei({uuid: %q, timestamp: 1, data: new TextEncoder().encode(%q)})`, uuid, ev))
	}
	ends := time.Now().Add(65 * time.Second).UTC().Format(time.RFC3339Nano)
	show := `{"v":1,"event":"show","preset":"mug","title":"Mug","price":"9 €","url":"javascript:alert(1)","image_url":"` +
		srv.URL + `/mug.png","countdown_ends_at":"` + ends + `"}`
	if send("00000000-0000-0000-0000-000000000000", show) || !eval[bool](u, `document.getElementById("card").hidden`) {
		t.Fatal("SEI with another UUID showed the card")
	}
	if !send(control.ProductEventUUID, show) {
		t.Fatal("the product event was refused")
	}
	got := eval[map[string]any](u, `(() => { const $ = id => document.getElementById(id);
		return {shown: !$("card").hidden, countdown: $("card-countdown").textContent, buy: !$("card-buy").hidden,
			photo: !$("card-image").hidden && $("card-image").src, old: !$("card-old-price").hidden}; })()`)
	if got["shown"] != true || !strings.HasPrefix(got["countdown"].(string), "Ends in 1:0") || got["buy"] != false ||
		got["photo"] != srv.URL+"/mug.png" || got["old"] != false {
		t.Errorf("card after show: %v", got)
	}
	u.waitJS("the photo loads", `document.getElementById("card-image").complete && document.getElementById("card-image").naturalWidth === 200`, 5*time.Second)
	cue := func(ev string) {
		eval[bool](u, fmt.Sprintf(`window.pitchboxViewer.cue({type: "TextMetadataCue", text: %q})`, ev))
	}
	cue(`{"v":1,"event":"clear","preset":"mug"}`)
	u.waitJS("a clear cue hides the card", `document.getElementById("card").hidden`, 2*time.Second)
	past := time.Now().Add(-time.Second).UTC().Format(time.RFC3339)
	cue(`{"v":1,"event":"show","preset":"last","title":"Last one","price":"5 €","url":"https://shop.example/l","countdown_ends_at":"` + past + `"}`)
	u.waitJS("a show cue with an ended countdown", `!document.getElementById("card").hidden &&
		document.getElementById("card-countdown").textContent === "Ended" &&
		document.getElementById("card-buy").href === "https://shop.example/l"`, 2*time.Second)
}
