// Package harness starts the real peers pitchbox's end-to-end tests and
// benchmarks need — nginx with the RTMP module (TLS terminated by nginx's
// stream module), ffmpeg, zbarimg — on 127.0.0.1 only, and builds and runs
// the pitchbox binary.
package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Nginx is an nginx process serving RTMP on RTMPPort and RTMPS (TLS in
// front of the same server) on RTMPSPort, recording every published
// stream into RecordDir.
type Nginx struct {
	Dir        string
	RTMPPort   int
	RTMPSPort  int
	RecordDir  string
	CertFile   string
	KeyFile    string
	OnPublish  string // URL nginx asks before accepting a publish ("" for none)
	cmd        *exec.Cmd
	exited     <-chan error
	confPath   string
	ModulesDir string
}

// FreePort returns a TCP port free on 127.0.0.1 now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// NewNginx prepares (but does not start) an nginx in dir. certFile and
// keyFile are the TLS server certificate for the RTMPS port.
func NewNginx(dir, certFile, keyFile, onPublish string) (*Nginx, error) {
	n := &Nginx{Dir: dir, CertFile: certFile, KeyFile: keyFile, OnPublish: onPublish,
		RecordDir: filepath.Join(dir, "rec"), ModulesDir: "/usr/lib/nginx/modules"}
	var err error
	if n.RTMPPort, err = FreePort(); err != nil {
		return nil, err
	}
	if n.RTMPSPort, err = FreePort(); err != nil {
		return nil, err
	}
	for _, m := range []string{"ngx_rtmp_module.so", "ngx_stream_module.so"} {
		if _, err := os.Stat(filepath.Join(n.ModulesDir, m)); err != nil {
			return nil, fmt.Errorf("harness: nginx module %s missing (apt-get install libnginx-mod-rtmp libnginx-mod-stream): %w", m, err)
		}
	}
	if err := os.MkdirAll(n.RecordDir, 0o777); err != nil {
		return nil, err
	}
	n.confPath = filepath.Join(dir, "nginx.conf")
	return n, os.WriteFile(n.confPath, []byte(n.config()), 0o644)
}

func (n *Nginx) config() string {
	notify := ""
	if n.OnPublish != "" {
		notify = "on_publish " + n.OnPublish + ";"
	}
	return fmt.Sprintf(`load_module %[1]s/ngx_rtmp_module.so;
load_module %[1]s/ngx_stream_module.so;
daemon off;
master_process off;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log info;
events { worker_connections 128; }
rtmp {
	server {
		listen 127.0.0.1:%[3]d;
		chunk_size 4096;
		ping 10s;
		application live {
			live on;
			wait_key on;
			record all;
			record_path %[4]s;
			record_unique on;
			%[5]s
		}
	}
}
stream {
	server {
		listen 127.0.0.1:%[6]d ssl;
		ssl_certificate %[7]s;
		ssl_certificate_key %[8]s;
		ssl_protocols TLSv1.2 TLSv1.3;
		proxy_pass 127.0.0.1:%[3]d;
	}
}
`, n.ModulesDir, n.Dir, n.RTMPPort, n.RecordDir, notify, n.RTMPSPort, n.CertFile, n.KeyFile)
}

// Start runs nginx and waits until both ports accept connections.
func (n *Nginx) Start() error {
	n.cmd = exec.Command("nginx", "-p", n.Dir, "-c", n.confPath, "-e", filepath.Join(n.Dir, "error.log"))
	exited, err := startListening(n.cmd, n.Dir,
		fmt.Sprintf("127.0.0.1:%d", n.RTMPPort), fmt.Sprintf("127.0.0.1:%d", n.RTMPSPort))
	if err != nil {
		n.cmd = nil
		return err
	}
	n.exited = exited
	return nil
}

// startListening starts cmd (an nginx, in its own process group, its
// error log in dir) and waits until every addr accepts connections. On
// failure it says why, with the log's last lines, and leaves nothing
// running.
func startListening(cmd *exec.Cmd, dir string, addrs ...string) (<-chan error, error) {
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("harness: start nginx: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for _, addr := range addrs {
		for {
			c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
			if err == nil {
				c.Close()
				break
			}
			select {
			case err := <-exited:
				log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
				return nil, fmt.Errorf("harness: nginx exited (%v): %s", err, lastLines(string(log), 10))
			default:
			}
			if time.Now().After(deadline) {
				killGroup(cmd, exited)
				return nil, fmt.Errorf("harness: nginx did not listen on %s", addr)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return exited, nil
}

// killGroup kills cmd's process group and waits (5 s at most) for cmd.
func killGroup(cmd *exec.Cmd, exited <-chan error) {
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
	}
}

// Stop kills nginx (as a crash or a network cut would look to a client)
// and waits for it.
func (n *Nginx) Stop() {
	if n.cmd == nil || n.cmd.Process == nil {
		return
	}
	killGroup(n.cmd, n.exited)
	n.cmd, n.exited = nil, nil
}

// Quit stops nginx gracefully so recordings are finalised.
func (n *Nginx) Quit() {
	if n.cmd == nil || n.cmd.Process == nil {
		return
	}
	_ = n.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-n.exited:
	case <-time.After(5 * time.Second):
		n.Stop()
		return
	}
	n.cmd, n.exited = nil, nil
}

// URL returns the rtmp:// publish/play URL of app "live" (without key).
func (n *Nginx) URL() string { return fmt.Sprintf("rtmp://127.0.0.1:%d/live/", n.RTMPPort) }

// TLSURL returns the rtmps:// URL through the TLS front (without key).
func (n *Nginx) TLSURL() string { return fmt.Sprintf("rtmps://localhost:%d/live/", n.RTMPSPort) }

// Recordings lists the FLV files nginx recorded.
func (n *Nginx) Recordings() []string {
	m, _ := filepath.Glob(filepath.Join(n.RecordDir, "*.flv"))
	return m
}

func lastLines(s string, k int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > k {
		lines = lines[len(lines)-k:]
	}
	return strings.Join(lines, "\n")
}

// ErrNoFrame is returned when a pull got no picture in time.
var ErrNoFrame = errors.New("harness: no frame received")

// PullFrame plays url with ffmpeg and writes its first decoded frame to
// out (PNG), giving up after timeout.
func PullFrame(ctx context.Context, url, out string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// -fpsprobesize 0: do not wait for frames to guess the rate of a live stream.
	cmd := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-v", "error", "-y", "-fpsprobesize", "0", "-i", url,
		"-frames:v", "1", "-f", "image2", "-c:v", "png", out)
	b, err := cmd.CombinedOutput()
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w within %v", ErrNoFrame, timeout)
		}
		return fmt.Errorf("harness: ffmpeg pull: %v: %s", err, lastLines(string(b), 5))
	}
	return nil
}

// DecodeQR runs zbarimg on a picture and returns the decoded texts (none
// when zbarimg finds no code).
func DecodeQR(png string) ([]string, error) {
	out, err := exec.Command("zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", png).Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 4 {
		return nil, nil // no symbol found
	}
	if err != nil {
		return nil, fmt.Errorf("harness: zbarimg: %w", err)
	}
	var texts []string
	for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if l != "" {
			texts = append(texts, l)
		}
	}
	return texts, nil
}
