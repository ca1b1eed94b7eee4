//go:build e2e

// Package e2e runs pitchbox as a user would — the real binary, a real nginx
// RTMP server, ffmpeg and zbarimg — and checks what comes out of the server.
// Run with: go test -tags e2e ./e2e/ (the README's test command does).
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	xdraw "golang.org/x/image/draw"

	"github.com/pitchbox/pitchbox/e2e/harness"
)

var bin string

func TestMain(m *testing.M) {
	for _, tool := range []string{"nginx", "ffmpeg", "ffprobe", "zbarimg"} {
		if _, err := exec.LookPath(tool); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: %s is not installed (the README's test command installs it): %v\n", tool, err)
			os.Exit(1)
		}
	}
	root, err := harness.ModuleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dir, err := os.MkdirTemp("", "pitchbox-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin, err = harness.Build(root, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const (
	streamKey   = "sk_e2e_Secret123"
	bitrateKbps = 2500
	width       = 1280
	height      = 720
)

var qrPresets = []struct{ name, text string }{
	{"buy", "https://shop.example/buy/42?ref=pitchbox"},
	{"sale", "SALE-2026-PITCHBOX-10-PERCENT"},
}

type setup struct {
	dir     string
	nginx   *harness.Nginx
	caFile  string
	product string
}

func newSetup(t *testing.T, onPublish string) *setup {
	t.Helper()
	dir := t.TempDir()
	ca, cert, key, err := harness.TestPKI(dir)
	if err != nil {
		t.Fatal(err)
	}
	ng, err := harness.NewNginx(dir, cert, key, onPublish)
	if err != nil {
		t.Fatal(err)
	}
	if err := ng.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ng.Stop)
	product := filepath.Join(dir, "product.png")
	if err := harness.WriteProductImage(product, 800, 600); err != nil {
		t.Fatal(err)
	}
	return &setup{dir: dir, nginx: ng, caFile: ca, product: product}
}

// config writes a pitchbox config publishing to url with key.
func (s *setup) config(t *testing.T, url, key, caFile string) (cfgPath, socket string) {
	t.Helper()
	socket = filepath.Join(s.dir, "control.sock")
	cfgPath = filepath.Join(s.dir, "pitchbox.toml")
	err := harness.Config{
		StateDir: filepath.Join(s.dir, "state"), Width: width, Height: height, BitrateKbps: bitrateKbps,
		URL: url, Key: key, CAFile: caFile, Socket: socket,
		Presets: []harness.Preset{
			{Name: qrPresets[0].name, QR: qrPresets[0].text, Position: "top-right", Size: 0.45},
			{Name: qrPresets[1].name, QR: qrPresets[1].text, Position: "bottom-left", Size: 0.4},
			{Name: "product", Image: s.product, Position: "center", Size: 0.5},
		},
	}.Write(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	return cfgPath, socket
}

// liveBox writes c (with this setup's state dir, server, key and socket,
// 640x360 at 1000 kbps unless c says otherwise) as name.toml, starts the
// box on it and waits for it to be live.
func (s *setup) liveBox(t *testing.T, name string, c harness.Config) *harness.Box {
	t.Helper()
	cfg := filepath.Join(s.dir, name+".toml")
	sock := filepath.Join(s.dir, "control.sock")
	c.StateDir, c.URL, c.Key, c.Socket = filepath.Join(s.dir, "state"), s.nginx.URL(), streamKey, sock
	if c.Width == 0 {
		c.Width, c.Height = 640, 360
	}
	if c.BitrateKbps == 0 {
		c.BitrateKbps = 1000
	}
	if err := c.Write(cfg); err != nil {
		t.Fatal(err)
	}
	b := startBox(t, cfg, sock)
	if err := b.WaitState("live", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	return b
}

// recording stops b and the server and returns the one file the server
// recorded.
func (s *setup) recording(t *testing.T, b *harness.Box) string {
	t.Helper()
	stopBox(t, b)
	s.nginx.Quit()
	recs := s.nginx.Recordings()
	if len(recs) != 1 {
		t.Fatalf("nginx recorded %d files (%v), want 1", len(recs), recs)
	}
	return recs[0]
}

func startBox(t *testing.T, cfg, socket string) *harness.Box {
	t.Helper()
	b, err := harness.StartBox(bin, cfg, socket)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !b.Exited() {
			b.Kill()
		}
		if t.Failed() {
			t.Logf("pitchbox log:\n%s", b.Log())
		}
		if strings.Contains(b.Log(), streamKey) {
			t.Errorf("the stream key appears in pitchbox's log")
		}
	})
	return b
}

// pull fetches one frame played back from the server, started after the
// call (nginx starts players at a keyframe).
func (s *setup) pull(t *testing.T, name string) string {
	t.Helper()
	out := filepath.Join(s.dir, name+".png")
	if err := harness.PullFrame(context.Background(), s.nginx.URL()+streamKey, out, 20*time.Second); err != nil {
		t.Fatalf("pull %s: %v", name, err)
	}
	return out
}

func qrTexts(t *testing.T, png string) []string {
	t.Helper()
	texts, err := harness.DecodeQR(png)
	if err != nil {
		t.Fatal(err)
	}
	return texts
}

// productRegion is where the image preset must be: centred, half the
// frame high, aspect kept (800×600 → 480×360 at 720p).
func productRegion() image.Rectangle {
	h := height / 2
	w := h * 800 / 600
	x, y := (width-w)/2, (height-h)/2
	return image.Rect(x, y, x+w, y+h)
}

func productPSNR(t *testing.T, s *setup, png string) float64 {
	t.Helper()
	got, err := harness.ReadPNG(png)
	if err != nil {
		t.Fatal(err)
	}
	src, err := harness.ReadPNG(s.product)
	if err != nil {
		t.Fatal(err)
	}
	r := productRegion()
	want := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	xdraw.BiLinear.Scale(want, want.Bounds(), src, src.Bounds(), xdraw.Src, nil)
	// Leave a 4-pixel border out: the edge mixes with the background in
	// 4:2:0 chroma and in the codec's blocks.
	inner := image.Rect(4, 4, r.Dx()-4, r.Dy()-4)
	p, err := harness.PSNR(got, inner.Add(r.Min), want.SubImage(inner))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// overlayScenario drives a running box through no overlay, both QR
// presets, the image preset and clear, checking pictures from the server.
func overlayScenario(t *testing.T, s *setup, b *harness.Box) {
	if err := b.WaitState("live", 20*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, b.Log())
	}
	if texts := qrTexts(t, s.pull(t, "0-none")); len(texts) != 0 {
		t.Errorf("before any show: decoded %q, want no QR code", texts)
	}
	for i, q := range qrPresets {
		if _, err := b.CLI("show", q.name); err != nil {
			t.Fatal(err)
		}
		texts := qrTexts(t, s.pull(t, fmt.Sprintf("%d-%s", i+1, q.name)))
		if len(texts) != 1 || texts[0] != q.text {
			t.Errorf("after show %s: decoded %q, want [%q]", q.name, texts, q.text)
		}
	}
	if _, err := b.CLI("show", "product"); err != nil {
		t.Fatal(err)
	}
	png := s.pull(t, "3-product")
	if texts := qrTexts(t, png); len(texts) != 0 {
		t.Errorf("after show product: decoded %q, want no QR code", texts)
	}
	if p := productPSNR(t, s, png); p < 30 {
		t.Errorf("after show product: image region PSNR %.1f dB, want ≥ 30", p)
	} else {
		t.Logf("image preset region PSNR %.1f dB", p)
	}
	if _, err := b.CLI("clear"); err != nil {
		t.Fatal(err)
	}
	png = s.pull(t, "4-clear")
	if texts := qrTexts(t, png); len(texts) != 0 {
		t.Errorf("after clear: decoded %q, want no QR code", texts)
	}
	if p := productPSNR(t, s, png); p >= 20 {
		t.Errorf("after clear: image region still matches the product (PSNR %.1f dB)", p)
	}
	st, err := b.Status()
	if err != nil {
		t.Fatal(err)
	}
	if la, _ := st["last_action"].(map[string]any); la["action"] != "clear" || la["source"] != "cli" {
		t.Errorf("status last_action = %v, want clear by cli", st["last_action"])
	}
}

func stopBox(t *testing.T, b *harness.Box) {
	t.Helper()
	code, err := b.Stop(15 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 {
		t.Errorf("pitchbox exit code on SIGTERM = %d, want 0", code)
	}
}

func TestOverlaysOverRTMP(t *testing.T) {
	s := newSetup(t, "")
	cfg, sock := s.config(t, s.nginx.URL(), streamKey, "")
	b := startBox(t, cfg, sock)
	start := time.Now()
	overlayScenario(t, s, b)
	// Let the recording run to at least 20 s for the stream checks.
	if d := 20*time.Second - time.Since(start); d > 0 {
		time.Sleep(d)
	}
	rec := s.recording(t, b)
	t.Run("ffprobe", func(t *testing.T) { checkStream(t, rec) })
}

func TestOverlaysOverRTMPS(t *testing.T) {
	s := newSetup(t, "")
	cfg, sock := s.config(t, s.nginx.TLSURL(), streamKey, s.caFile)
	b := startBox(t, cfg, sock)
	overlayScenario(t, s, b)
	st, err := b.Status()
	if err != nil {
		t.Fatal(err)
	}
	dest := st["stream"].(map[string]any)["destination"].(string)
	if !strings.HasPrefix(dest, "rtmps://") || strings.Contains(dest, streamKey) {
		t.Errorf("status destination = %q, want rtmps:// with the key masked", dest)
	}
	// Stop and go live again from the CLI.
	if _, err := b.CLI("live", "stop"); err != nil {
		t.Fatal(err)
	}
	if err := b.WaitState("off", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := harness.PullFrame(context.Background(), s.nginx.URL()+streamKey, filepath.Join(s.dir, "stopped.png"), 3*time.Second); err == nil {
		t.Error("frames still flow after live stop")
	}
	if _, err := b.CLI("live", "start"); err != nil {
		t.Fatal(err)
	}
	if err := b.WaitState("live", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	s.pull(t, "restarted")
	stopBox(t, b)
}

// TestDefaultsRecordLocally runs `pitchbox run` with no config at all, as
// the README's first command does: test pattern (no camera here), a local
// FLV recording in the state directory, control socket answering.
func TestDefaultsRecordLocally(t *testing.T) {
	dir := t.TempDir()
	state, run := filepath.Join(dir, "state"), filepath.Join(dir, "run")
	b, err := harness.StartBoxEnv(bin, filepath.Join(run, "control.sock"),
		[]string{"STATE_DIRECTORY=" + state, "RUNTIME_DIRECTORY=" + run}, "run", "--listen", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !b.Exited() {
			b.Kill()
		}
	})
	if err := b.WaitState("recording", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	// First run: the web panel listens and the log carries a pairing code.
	if !regexp.MustCompile(`panel: listening" url=http://127\.0\.0\.1:\d+/`).MatchString(b.Log()) ||
		!regexp.MustCompile(`pairing_code=[2-9A-Z]{4}-[2-9A-Z]{4}`).MatchString(b.Log()) {
		t.Errorf("log lacks the panel address or the pairing code:\n%s", b.Log())
	}
	// The file opens on the first keyframe, a moment after the state
	// says recording.
	var st map[string]any
	var rec string
	for end := time.Now().Add(5 * time.Second); rec == "" && time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		st, _ = b.Status()
		rec, _ = st["recording"].(string)
	}
	if !strings.HasPrefix(rec, filepath.Join(state, "recordings")+"/") || !strings.Contains(b.Log(), rec) {
		t.Fatalf("recording %q: want a file under %s, named in the log", rec, state)
	}
	if _, err := b.CLI("snapshot", filepath.Join(dir, "preview.jpg")); err != nil {
		t.Fatal(err)
	}
	// No microphone here: the track is silent and status says why.
	if reason, _ := st["audio"].(map[string]any)["silent_reason"].(string); !strings.Contains(reason, "no microphone") {
		t.Errorf("audio silent_reason %q, want it to say there is no microphone", reason)
	}
	time.Sleep(3 * time.Second)
	stopBox(t, b)
	var streams struct {
		Streams []struct {
			CodecName string `json:"codec_name"`
		} `json:"streams"`
	}
	ffprobeJSON(t, &streams, "-show_streams", rec)
	if len(streams.Streams) != 2 || streams.Streams[0].CodecName != "h264" || streams.Streams[1].CodecName != "aac" {
		t.Fatalf("recording streams %+v, want h264 + aac", streams.Streams)
	}
}

// TestRTMPSUntrustedCertificate checks that without ca_file the test
// certificate is refused, reported as such, and not hammered.
func TestRTMPSUntrustedCertificate(t *testing.T) {
	s := newSetup(t, "")
	cfg, sock := s.config(t, s.nginx.TLSURL(), streamKey, "")
	b := startBox(t, cfg, sock)
	if err := b.WaitState("refused", 15*time.Second); err != nil {
		t.Fatal(err)
	}
	st, _ := b.Status()
	msg, _ := st["stream"].(map[string]any)["last_error"].(string)
	if !strings.Contains(msg, "not trusted") {
		t.Errorf("last_error = %q, want it to say the certificate is not trusted", msg)
	}
	stopBox(t, b)
}

type probePacket struct {
	PTSTime string `json:"pts_time"`
	DTSTime string `json:"dts_time"`
	Flags   string `json:"flags"`
	Size    string `json:"size"`
}

func ffprobeJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	out, err := exec.Command("ffprobe", append([]string{"-v", "error", "-of", "json"}, args...)...).Output()
	if err != nil {
		t.Fatalf("ffprobe %v: %v", args, err)
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatal(err)
	}
}

func checkStream(t *testing.T, file string) {
	var streams struct {
		Streams []struct {
			CodecType  string `json:"codec_type"`
			CodecName  string `json:"codec_name"`
			Profile    string `json:"profile"`
			HasBFrames int    `json:"has_b_frames"`
			SampleRate string `json:"sample_rate"`
			Width      int    `json:"width"`
			Height     int    `json:"height"`
		} `json:"streams"`
	}
	ffprobeJSON(t, &streams, "-show_streams", file)
	var sawVideo, sawAudio bool
	for _, s := range streams.Streams {
		switch s.CodecType {
		case "video":
			sawVideo = true
			if s.CodecName != "h264" || s.HasBFrames != 0 || s.Width != width || s.Height != height {
				t.Errorf("video stream %+v, want h264 %dx%d without B-frames", s, width, height)
			}
		case "audio":
			sawAudio = true
			if s.CodecName != "aac" || s.Profile != "LC" {
				t.Errorf("audio stream %+v, want AAC LC", s)
			}
		}
	}
	if !sawVideo || !sawAudio {
		t.Fatalf("streams %+v: want one video and one audio", streams.Streams)
	}

	var frames struct {
		Frames []struct {
			PictType string `json:"pict_type"`
		} `json:"frames"`
	}
	ffprobeJSON(t, &frames, "-select_streams", "v", "-show_entries", "frame=pict_type", "-show_frames", file)
	for i, f := range frames.Frames {
		if f.PictType == "B" {
			t.Fatalf("frame %d is a B-frame", i)
		}
	}

	var pk struct {
		Packets []probePacket `json:"packets"`
	}
	ffprobeJSON(t, &pk, "-select_streams", "v", "-show_entries", "packet=pts_time,dts_time,flags,size", "-show_packets", file)
	if len(pk.Packets) < 300 {
		t.Fatalf("only %d video packets recorded", len(pk.Packets))
	}
	var keys []float64
	var bytes int
	for _, p := range pk.Packets {
		pts, _ := strconv.ParseFloat(p.PTSTime, 64)
		if p.PTSTime != p.DTSTime {
			t.Fatalf("packet pts %s ≠ dts %s: frames are reordered", p.PTSTime, p.DTSTime)
		}
		if strings.Contains(p.Flags, "K") {
			keys = append(keys, pts)
		}
		n, _ := strconv.Atoi(p.Size)
		bytes += n
	}
	if len(keys) < 5 {
		t.Fatalf("%d keyframes in %d packets", len(keys), len(pk.Packets))
	}
	const frameDur = 1.0 / 30
	for i := 1; i < len(keys); i++ {
		if d := keys[i] - keys[i-1]; math.Abs(d-2) > frameDur+0.002 {
			t.Errorf("keyframe interval %.3f s at %.3f s, want 2 s ± 1 frame", d, keys[i])
		}
	}
	first, _ := strconv.ParseFloat(pk.Packets[0].DTSTime, 64)
	last, _ := strconv.ParseFloat(pk.Packets[len(pk.Packets)-1].DTSTime, 64)
	dur := last - first + frameDur
	kbps := float64(bytes) * 8 / 1000 / dur
	t.Logf("video: %d packets over %.1f s, %.0f kbps, %d keyframes", len(pk.Packets), dur, kbps, len(keys))
	if math.Abs(kbps-bitrateKbps)/bitrateKbps > 0.15 {
		t.Errorf("average video bitrate %.0f kbps, want %d ± 15%%", kbps, bitrateKbps)
	}
}
