package cli

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/pitchbox/pitchbox/audio"
	"github.com/pitchbox/pitchbox/audio/aac"
	"github.com/pitchbox/pitchbox/audio/opus"
	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/display"
	"github.com/pitchbox/pitchbox/encode/m2m"
	"github.com/pitchbox/pitchbox/encode/x264"
	"github.com/pitchbox/pitchbox/frame/fastconv"
	"github.com/pitchbox/pitchbox/frame/mjpeg"
	"github.com/pitchbox/pitchbox/stream/srt"
	"github.com/pitchbox/pitchbox/stream/srturl"
	"github.com/pitchbox/pitchbox/v4l2"
)

// cmdDoctor checks what the box needs, one line each, for installers.
// It fails only on what stops the box from streaming.
func cmdDoctor(args []string, stdout io.Writer) error {
	fs := newFlags("doctor")
	cfgPath := fs.String("config", "", "configuration file (TOML)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg := config.Defaults()
	failed := 0
	line := func(ok bool, essential bool, what, detail string) {
		mark := "ok  "
		switch {
		case !ok && essential:
			mark, failed = "FAIL", failed+1
		case !ok:
			mark = "warn"
		}
		fmt.Fprintf(stdout, "%s  %-12s %s\n", mark, what, detail)
	}
	if *cfgPath != "" {
		c, err := config.Load(*cfgPath)
		if err != nil {
			line(false, true, "config", strings.ReplaceAll(err.Error(), "\n", "; "))
			return fmt.Errorf("doctor: %d problem(s)", failed)
		}
		cfg = c
		line(true, true, "config", *cfgPath)
	}
	if err := cfg.PrepareStateDir(); err != nil {
		line(false, true, "state dir", err.Error())
	} else {
		line(true, true, "state dir", cfg.StateDir+" is writable")
	}
	checkDevices(cfg, line)
	checkOutput(cfg, line)
	if failed > 0 {
		return fmt.Errorf("doctor: %d problem(s) would stop the box", failed)
	}
	return nil
}

// checkLine reports one check: ok, whether it would stop the box, what
// was checked and what was found.
type checkLine func(ok, essential bool, what, detail string)

// checkDevices checks the camera, encoders, microphone, GPIO and screen.
func checkDevices(cfg *config.Config, line checkLine) {
	switch dev := cfg.Camera.Device; dev {
	case "testpattern", "syncpattern":
		line(true, true, "camera", dev+" (built in)")
	default:
		path := dev
		if dev == "auto" {
			path = v4l2.FirstCapture()
		}
		if path == "" {
			line(false, false, "camera", "none found; the test pattern will be used")
		} else if cam, err := v4l2.OpenCamera(path, cfg.Camera.Width, cfg.Camera.Height, cfg.Camera.FPS, 2); err != nil {
			line(false, dev != "auto", "camera", err.Error())
		} else {
			line(true, true, "camera", cam.Describe())
			cam.Close()
		}
	}
	switch hw := m2m.Find(); {
	case hw != "":
		line(true, true, "encoder", "hardware H.264 at "+hw)
	case x264.Available:
		line(true, true, "encoder", "x264 (software)")
	default:
		line(false, true, "encoder", "no hardware encoder and no x264 in this build")
	}
	mics := audio.Cards()
	switch {
	case cfg.Audio.Mute || cfg.Audio.Device == "none":
		line(true, false, "microphone", "off by configuration (a silent track is sent)")
	case len(mics) == 0:
		line(false, false, "microphone", "none found; a silent track will be sent")
	default:
		line(true, false, "microphone", fmt.Sprintf("%d capture card(s), first %s (%s)", len(mics), mics[0].ID, mics[0].Name))
	}
	line(aac.Available, false, "aac", map[bool]string{true: "libavcodec AAC-LC", false: "no AAC encoder in this build: silent track only"}[aac.Available])
	line(mjpeg.Available, false, "mjpeg", map[bool]string{true: "libjpeg-turbo (MJPEG webcams at 1080p30)",
		false: "Go's decoder (this build has no cgo): MJPEG cameras above 720p will be slow"}[mjpeg.Available])
	line(fastconv.InC, false, "yuyv", yuyvLine())
	chips, _ := filepath.Glob("/dev/gpiochip*")
	line(len(chips) > 0, false, "gpio", fmt.Sprintf("%d GPIO chip(s)", len(chips)))
	if fb, err := display.Open("/dev/fb0"); err != nil {
		line(false, false, "display", err.Error())
	} else {
		line(true, false, "display", fb.ID+" "+fb.Format.String())
		fb.Close()
	}
}

// protocols says which ways of sending this build has, and why it lacks
// the others.
func protocols() string {
	p := []string{"rtmp", "rtmps"}
	if srt.Available {
		p = append(p, "srt (libsrt "+srt.Version()+")")
	} else {
		p = append(p, "srt: not in this build (built without cgo, so without libsrt)")
	}
	if opus.Available {
		p = append(p, "whip (WebRTC, Opus sound)")
	} else {
		p = append(p, "whip (WebRTC) with a silent track: no Opus encoder in this build (built without cgo)")
	}
	return strings.Join(p, ", ")
}

// checkOutput checks that the destination is reachable and has a key.
func checkOutput(cfg *config.Config, line checkLine) {
	line(true, false, "protocols", protocols())
	if cfg.Output.Recording() {
		line(true, true, "output", "recording in "+filepath.Join(cfg.StateDir, "recordings"))
	} else if cfg.Output.Protocol() == config.ProtoWHIP {
		checkWHIP(cfg.Output, line)
	} else if strings.HasPrefix(cfg.Output.URL, "srt://") {
		// UDP: there is nothing to dial; the stream id may be in the URL.
		p, err := srturl.Parse(cfg.Output.URL)
		line(srt.Available && err == nil, true, "output", srturl.Redact(cfg.Output.URL)+" (SRT: the listener is checked when the box connects)")
		line(err == nil && (p.StreamID != "" || cfg.Output.StreamKey != "" || cfg.Output.StreamKeyFile != ""), true, "stream key", "streamid in the URL or output.stream_key (not shown)")
	} else if u, err := url.Parse(cfg.Output.URL); err == nil {
		dialLine(u, map[string]string{"rtmp": "1935", "rtmps": "443"}, u.Scheme, line)
		if _, err := cfg.Output.Key(); err != nil || (cfg.Output.StreamKey == "" && cfg.Output.StreamKeyFile == "") {
			line(false, true, "stream key", "not set (output.stream_key or output.stream_key_file)")
		} else {
			line(true, true, "stream key", "set (not shown)")
		}
	}
}

// dialLine dials u's host (at its scheme's port in ports when it names
// none) and says whether it is reachable, for what.
func dialLine(u *url.URL, ports map[string]string, what string, line checkLine) {
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), ports[u.Scheme])
	}
	if c, err := net.DialTimeout("tcp", host, 3*time.Second); err != nil {
		line(false, true, "output", "cannot reach "+host+" ("+what+"): "+err.Error())
	} else {
		c.Close()
		line(true, true, "output", host+" is reachable ("+what+")")
	}
}

// checkWHIP checks a WHIP endpoint: reachable over TCP, and a token set
// (its validity shows when the box connects: a probe would take a seat
// on the stage).
func checkWHIP(out config.Output, line checkLine) {
	u, err := url.Parse(out.URL)
	if err != nil {
		line(false, true, "output", "not a URL")
		return
	}
	dialLine(u, map[string]string{"https": "443", "http": "80"}, "WHIP", line)
	if t, err := out.Token(); err != nil || t == "" {
		line(false, false, "whip token", "not set (output.whip_token_file): fine for a WHIP server without tokens, IVS stages need one")
	} else {
		line(true, true, "whip token", "set (not shown)")
	}
}

// yuyvLine says how YUYV cameras' pictures are converted.
func yuyvLine() string {
	switch {
	case fastconv.SIMD:
		return "C conversion with SIMD"
	case fastconv.InC:
		return "C conversion (this CPU build has no SIMD)"
	}
	return "portable Go conversion (this build has no cgo)"
}
