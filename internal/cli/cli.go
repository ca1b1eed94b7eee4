// Package cli implements the pitchbox command line: flag parsing, the run
// command's wiring, and the commands that talk to a running box over its
// control socket.
package cli

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pitchbox/pitchbox/box"
	"github.com/pitchbox/pitchbox/chat"
	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/internal/logring"
	"github.com/pitchbox/pitchbox/panel"
	"github.com/pitchbox/pitchbox/panel/auth"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// usageError is bad command-line use or configuration.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

const usage = `usage: pitchbox COMMAND [flags]

commands:
  run [--config FILE] [--socket PATH]   run the box (no --config: built-in defaults)
  status [--json]                       show the running box's state
  show PRESET                           put a preset on the picture
  clear                                 remove the overlay
  live start|stop                       go live / end the stream
  snapshot FILE.jpg                     save the outgoing picture as JPEG
  chat [--json] | chat send TEXT | chat delete ID | chat disconnect USER
                                        the IVS Chat room: read, post, moderate
  chat-tokens serve --config FILE [--listen ADDR]  hand buyers' pages IVS Chat tokens (send only)
  viewer export --out DIR [--config FILE] [--playback-url URL] [--token-url URL]  write the buyers' page for a static host
  devices [--config FILE] [--json]      list cameras (the mode the box would open marked *), encoders, microphones
  doctor [--config FILE]                check what the box needs, one line each
  version                               print the version

Commands that talk to a running box take --socket PATH, or --config FILE to
use its [control] socket; the default is ` + "`%s`" + `.
`

// Main runs the command line and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	err := run(args, stdout, stderr)
	if err == nil {
		return ExitOK
	}
	var ue *usageError
	code := ExitFailure
	if errors.As(err, &ue) || config.IsInvalid(err) {
		code = ExitUsage
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintln(stderr, "pitchbox: "+line)
	}
	return code
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintf(stderr, usage, config.DefaultSocket())
		return &usageError{"no command given"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return cmdRun(rest, stderr)
	case "status":
		return cmdStatus(rest, stdout)
	case "show":
		return cmdSimple(rest, stdout, "show", 1, func(a []string) (string, string) {
			return "POST", "/api/presets/" + url.PathEscape(a[0]) + "/show"
		})
	case "clear":
		return cmdSimple(rest, stdout, "clear", 0, func([]string) (string, string) { return "POST", "/api/clear" })
	case "live":
		return cmdSimple(rest, stdout, "live", 1, func(a []string) (string, string) { return "POST", "/api/live/" + a[0] })
	case "snapshot":
		return cmdSnapshot(rest, stdout)
	case "chat":
		return cmdChat(rest, stdout)
	case "chat-tokens":
		return cmdChatTokens(rest, stderr)
	case "viewer":
		return cmdViewer(rest, stdout)
	case "devices":
		return cmdDevices(rest, stdout)
	case "doctor":
		return cmdDoctor(rest, stdout)
	case "version", "--version":
		fmt.Fprintln(stdout, "pitchbox", box.Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprintf(stdout, usage, config.DefaultSocket())
		return nil
	}
	return &usageError{fmt.Sprintf("unknown command %q (commands: run, status, show, clear, live, snapshot, chat, devices, doctor, version)", cmd)}
}

func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses flags wherever they stand among the arguments
// ("show buy --socket X" as well as "show --socket X buy") and returns the
// positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, &usageError{fmt.Sprintf("%s: %v", fs.Name(), err)}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// cmdRun runs the box until SIGINT or SIGTERM: the pipeline, the control
// socket, the web panel, the metrics, and what systemd is told.
func cmdRun(args []string, stderr io.Writer) error {
	fs := newFlags("run")
	cfgPath := fs.String("config", "", "configuration file (TOML); default: pitchbox.toml in the state directory, made when settings are changed in the panel")
	socket := fs.String("socket", "", "control socket path")
	listen := fs.String("listen", "", "web panel address (overrides [panel] listen; \"off\" for none)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return &usageError{fmt.Sprintf("run: unexpected argument %q", pos[0])}
	}
	cfg, path, builtin, err := runConfig(*cfgPath, *socket, *listen)
	if err != nil {
		return err
	}
	ring := logring.New(200)
	log := slog.New(slog.NewTextHandler(io.MultiWriter(stderr, ring), &slog.HandlerOptions{Level: level(cfg.Log.Level)}))
	if builtin {
		log.Info("pitchbox: running on built-in defaults; panel changes are saved to "+path, "state_dir", cfg.StateDir)
	}
	if err := cfg.PrepareStateDir(); err != nil {
		return err
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	var info panelInfo
	a, err := box.New(cfg, log, box.WithConfigFile(path), box.WithLogs(ring), box.WithPanelInfo(info.get))
	if err != nil {
		return err
	}
	defer a.Close()
	api := panel.NewAPI(a, "cli")
	stop, err := panel.ServeUnix(ctx, cfg.Control.Socket, api)
	if err != nil {
		return err
	}
	defer stop()
	if cfg.Panel.Enabled() {
		// The stream matters more than the panel: a port taken by
		// something else is logged, and the box runs on.
		if stopWeb, err := serveWeb(ctx, cfg, a, log, &info); err != nil {
			log.Error("panel: not started; the box runs without its web panel", "err", err)
		} else {
			defer stopWeb()
		}
	}
	defer serveMetrics(ctx, cfg, a, log)()
	log.Info("pitchbox: running", "version", box.Version, "control", cfg.Control.Socket, "presets", a.Presets())
	defer notifySystemd(ctx, a, log)()
	err = a.Run(ctx)
	log.Info("pitchbox: stopped")
	return err
}

// panelInfo is what the screen says about the panel, filled in once it
// listens.
type panelInfo struct {
	mu   sync.Mutex
	url  string
	fp   string
	auth *auth.Auth
}

func (p *panelInfo) set(url, fp string, a *auth.Auth) {
	p.mu.Lock()
	p.url, p.fp, p.auth = url, fp, a
	p.mu.Unlock()
}

func (p *panelInfo) get() box.PanelInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	pi := box.PanelInfo{URL: p.url}
	if p.auth != nil {
		if pi.Pairing = p.auth.PairingCode(); pi.Pairing != "" {
			pi.Fingerprint = p.fp
		}
	}
	return pi
}

// serveWeb starts the web panel on [panel] listen: pairing on first run
// (the code goes to the log and the display), then password and sessions.
func serveWeb(ctx context.Context, cfg *config.Config, a *box.Box, log *slog.Logger, info *panelInfo) (func(), error) {
	au, err := auth.Open(filepath.Join(cfg.StateDir, "panel-auth.json"))
	if err != nil {
		return nil, err
	}
	web := &panel.Web{API: panel.NewAPI(a, "panel"), Auth: au, Log: log, Secure: cfg.Panel.HTTPS, Version: box.Version,
		Hosts: func() []string { return a.Config().Panel.Hosts }}
	var cert *tls.Certificate
	scheme, fp := "http", ""
	if cfg.Panel.HTTPS {
		c, f, err := panel.SelfSignedCert(cfg.StateDir)
		if err != nil {
			return nil, err
		}
		cert, scheme, fp = &c, "https", f
		log.Info("panel: HTTPS certificate", "sha256", fp)
	}
	addr, stop, err := panel.ServeTCP(ctx, cfg.Panel.Listen, web.Handler(), cert)
	if err != nil {
		return nil, err
	}
	url := scheme + "://" + panel.ReachableAddr(addr) + "/"
	log.Info("panel: listening", "url", url, "listen", addr)
	info.set(url, fp, au)
	if code := au.PairingCode(); code != "" {
		log.Info("panel: first run: open the panel and enter the pairing code", "pairing_code", code)
	}
	return stop, nil
}

func cmdChat(args []string, stdout io.Writer) error {
	fs := newFlags("chat")
	asJSON := fs.Bool("json", false, "print JSON")
	a, c, err := clientFlags(fs)(args)
	if err != nil {
		return err
	}
	switch {
	case len(a) == 0:
		var ms []chat.Message
		if done, err := getJSON(c, "/api/chat/messages", *asJSON, stdout, &ms); done || err != nil {
			return err
		}
		for _, m := range ms {
			fmt.Fprintf(stdout, "%s  %s: %s  [%s]\n", m.SendTime.Local().Format("15:04:05"), m.Sender.UserID, m.Content, m.ID)
		}
		return nil
	case len(a) == 2 && a[0] == "send":
		_, err = c.DoJSON("POST", "/api/chat/messages", map[string]string{"content": a[1]})
	case len(a) == 2 && a[0] == "delete":
		_, err = c.Do("DELETE", "/api/chat/messages/"+url.PathEscape(a[1]))
	case len(a) == 2 && a[0] == "disconnect":
		_, err = c.Do("POST", "/api/chat/users/"+url.PathEscape(a[1])+"/disconnect")
	default:
		return &usageError{"chat: pitchbox chat [--json] | chat send TEXT | chat delete MESSAGE_ID | chat disconnect USER_ID"}
	}
	if err == nil {
		fmt.Fprintln(stdout, "ok")
	}
	return err
}

// controller adapts the box to the API's interface.
func level(s string) slog.Level {
	var l slog.Level
	_ = l.UnmarshalText([]byte(s))
	return l
}

// clientFlags adds --socket and --config to fs and returns a function
// that parses args and resolves the client of the running box.
func clientFlags(fs *flag.FlagSet) func(args []string) ([]string, *panel.Client, error) {
	socket := fs.String("socket", "", "control socket path")
	cfgPath := fs.String("config", "", "configuration file, for its [control] socket")
	return func(args []string) ([]string, *panel.Client, error) {
		pos, err := parse(fs, args)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case *socket != "":
			return pos, panel.NewClient(*socket), nil
		case *cfgPath != "":
			cfg, err := config.Load(*cfgPath)
			if err != nil {
				return nil, nil, err
			}
			return pos, panel.NewClient(cfg.Control.Socket), nil
		}
		return pos, panel.NewClient(config.DefaultSocket()), nil
	}
}

func cmdSimple(args []string, stdout io.Writer, name string, nargs int, req func([]string) (string, string)) error {
	fs := newFlags(name)
	pos, c, err := clientFlags(fs)(args)
	if err != nil {
		return err
	}
	if len(pos) != nargs {
		switch name {
		case "show":
			return &usageError{"show: name one preset: pitchbox show PRESET"}
		case "live":
			return &usageError{"live: say start or stop: pitchbox live start|stop"}
		}
		return &usageError{name + ": takes no arguments"}
	}
	if name == "live" && pos[0] != "start" && pos[0] != "stop" {
		return &usageError{fmt.Sprintf("live: %q is not allowed (allowed: start, stop)", pos[0])}
	}
	method, path := req(pos)
	if _, err := c.Do(method, path); err != nil {
		return err
	}
	switch name {
	case "show":
		fmt.Fprintf(stdout, "showing %s\n", pos[0])
	case "clear":
		fmt.Fprintln(stdout, "cleared")
	case "live":
		fmt.Fprintf(stdout, "live %s\n", pos[0])
	}
	return nil
}

func cmdStatus(args []string, stdout io.Writer) error {
	fs := newFlags("status")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, c, err := clientFlags(fs)(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return &usageError{"status: takes no arguments"}
	}
	var st control.Status
	if done, err := getJSON(c, "/api/status", *asJSON, stdout, &st); done || err != nil {
		return err
	}
	printStatus(stdout, st)
	return nil
}

// getJSON fetches path from the box. With raw it copies the answer to
// stdout and reports done; otherwise it decodes the answer into v.
func getJSON(c *panel.Client, path string, raw bool, stdout io.Writer, v any) (done bool, err error) {
	body, err := c.Do("GET", path)
	if err != nil {
		return false, err
	}
	if raw {
		_, err = stdout.Write(body)
		return true, err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return false, fmt.Errorf("pitchbox: unreadable answer from %s: %w", path, err)
	}
	return false, nil
}

// stateWords is the state with what it means for buyers.
func stateWords(s control.State) string {
	switch s {
	case control.Live:
		return "live (buyers can see you)"
	case control.Recording:
		return "recording (on the box only: nobody can see this)"
	case control.Off:
		return "off"
	}
	return s.String() + " (buyers cannot see you)"
}

func printStatus(w io.Writer, st control.Status) {
	scene := st.Scene
	if scene == "" {
		scene = "(none)"
	}
	fmt.Fprintf(w, "state:     %s\n", stateWords(st.State))
	if st.Problem != "" {
		fmt.Fprintf(w, "problem:   %s\n", st.Problem)
	}
	fmt.Fprintf(w, "source:    %s\n", st.Source)
	fmt.Fprintf(w, "encoder:   %s, %s\n", st.Encoder, st.Size)
	fmt.Fprintf(w, "picture:   %.1f fps, %.0f kbps, %d dropped\n", st.FPS, st.BitrateKbps, st.DroppedFrames)
	fmt.Fprintf(w, "overlay:   %s (presets: %s)\n", scene, strings.Join(st.Presets, ", "))
	if s := st.Stream; s != nil {
		fmt.Fprintf(w, "output:    %s\n", s.Destination)
		if !st.OnAirSince.IsZero() {
			fmt.Fprintf(w, "%s %s\n", map[bool]string{true: "recording for:", false: "on air:   "}[st.State == control.Recording],
				time.Since(st.OnAirSince).Round(time.Second))
		}
		fmt.Fprintf(w, "reconnects: %d\n", s.Reconnects)
		if s.LastError != "" {
			fmt.Fprintf(w, "last error: %s\n", s.LastError)
		}
	}
	if a := st.Audio; a.SilentReason != "" {
		fmt.Fprintf(w, "audio:     silent: %s\n", a.SilentReason)
	} else {
		fmt.Fprintf(w, "audio:     %s, peak %.1f dBFS, RMS %.1f dBFS\n", a.Source, a.PeakDBFS, a.RMSDBFS)
	}
	if c := st.Chat; c != nil {
		state := "disconnected"
		if c.Connected {
			state = "connected"
		}
		fmt.Fprintf(w, "chat:      %s, %d messages", state, c.Messages)
		if c.LastError != "" {
			fmt.Fprintf(w, " (last error: %s)", c.LastError)
		}
		fmt.Fprintln(w)
	}
	if st.Recording != "" {
		fmt.Fprintf(w, "recording: %s\n", st.Recording)
	}
	if a := st.LastAction; a != nil {
		fmt.Fprintf(w, "last action: %s (%s, %s)\n", a.Action, a.Source, a.At.Format("15:04:05"))
	}
	for _, p := range st.Controls {
		fmt.Fprintf(w, "control problem: %s\n", p)
	}
	fmt.Fprintf(w, "uptime:    %s\n", (time.Duration(st.UptimeSeconds) * time.Second).String())
}

func cmdSnapshot(args []string, stdout io.Writer) error {
	fs := newFlags("snapshot")
	pos, c, err := clientFlags(fs)(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return &usageError{"snapshot: name the output file: pitchbox snapshot FILE.jpg"}
	}
	jpg, err := c.Do("GET", "/api/preview.jpg")
	if err != nil {
		return err
	}
	if err := os.WriteFile(pos[0], jpg, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "saved %s (%d bytes)\n", pos[0], len(jpg))
	return nil
}
