package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Netns is a network namespace joined to the test's by a veth pair, with
// private addresses on the pair only: HostAddr on the test's end (HostIf),
// NsAddr inside (NsIf). Traffic from the test to NsAddr leaves through
// HostIf, where Shape limits it. It needs root.
type Netns struct {
	Name, HostIf, NsIf string
	HostAddr, NsAddr   string
}

// NewNetns makes a namespace and its veth pair; tag (a few letters and
// digits) keeps the names apart from other tests'. Close removes both,
// and NewNetns removes what it made when a step fails.
func NewNetns(tag string) (_ *Netns, err error) {
	id := os.Getpid() % 200
	n := &Netns{Name: "pb-" + tag, HostIf: "pbh" + tag, NsIf: "pbn" + tag,
		HostAddr: fmt.Sprintf("10.231.%d.1", id), NsAddr: fmt.Sprintf("10.231.%d.2", id)}
	if len(n.HostIf) > 15 {
		return nil, fmt.Errorf("harness: netns tag %q is too long", tag)
	}
	defer func() {
		if err != nil {
			n.Close()
		}
	}()
	steps := [][]string{
		{"netns", "add", n.Name},
		{"link", "add", n.HostIf, "type", "veth", "peer", "name", n.NsIf, "netns", n.Name},
		{"addr", "add", n.HostAddr + "/30", "dev", n.HostIf},
		{"link", "set", n.HostIf, "up"},
		{"-n", n.Name, "addr", "add", n.NsAddr + "/30", "dev", n.NsIf},
		{"-n", n.Name, "link", "set", n.NsIf, "up"},
		{"-n", n.Name, "link", "set", "lo", "up"},
	}
	for _, s := range steps {
		if err := run("ip", s...); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// Close removes the namespace (and with it the veth pair and its
// shaping). It is safe to call twice.
func (n *Netns) Close() {
	_ = run("ip", "link", "del", n.HostIf)
	_ = run("ip", "netns", "del", n.Name)
}

// Shape limits what the test sends into the namespace to kbit kbit/s
// with a token bucket (tbf: every kernel has it, not every one netem).
func (n *Netns) Shape(kbit int) error {
	return run("tc", "qdisc", "replace", "dev", n.HostIf, "root", "tbf",
		"rate", fmt.Sprintf("%dkbit", kbit), "burst", "32kbit", "latency", "400ms")
}

// Unshape lifts the limit.
func (n *Netns) Unshape() error { return run("tc", "qdisc", "del", "dev", n.HostIf, "root") }

func run(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("harness: %s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// NetnsNginx is an nginx with the RTMP module inside a Netns, listening
// on its NsAddr and recording what is published into RecordDir.
type NetnsNginx struct {
	ns        *Netns
	Dir       string
	RecordDir string
	cmd       *exec.Cmd
	exited    <-chan error
}

// StartNetnsNginx runs nginx in ns and waits until it accepts
// connections from the test's side.
func StartNetnsNginx(ns *Netns, dir string) (*NetnsNginx, error) {
	n := &NetnsNginx{ns: ns, Dir: dir, RecordDir: filepath.Join(dir, "rec")}
	if err := os.MkdirAll(n.RecordDir, 0o777); err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log info;
events { worker_connections 64; }
rtmp {
	server {
		listen %[2]s:1935;
		chunk_size 4096;
		application live {
			live on;
			wait_key on;
			record all;
			record_path %[3]s;
			record_unique on;
		}
	}
}
`, dir, ns.NsAddr, n.RecordDir)), 0o644); err != nil {
		return nil, err
	}
	n.cmd = exec.Command("ip", "netns", "exec", ns.Name, "nginx", "-p", dir, "-c", conf, "-e", filepath.Join(dir, "error.log"))
	exited, err := startListening(n.cmd, dir, ns.NsAddr+":1935")
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, ns.Name)
	}
	n.exited = exited
	return n, nil
}

// URL is the RTMP URL to publish to (without the key).
func (n *NetnsNginx) URL() string { return "rtmp://" + n.ns.NsAddr + ":1935/live/" }

// Recorded is how many bytes nginx has recorded so far.
func (n *NetnsNginx) Recorded() int64 {
	m, _ := filepath.Glob(filepath.Join(n.RecordDir, "*.flv"))
	var total int64
	for _, f := range m {
		if fi, err := os.Stat(f); err == nil {
			total += fi.Size()
		}
	}
	return total
}

// Stop kills nginx (its process group: ip netns exec and nginx) and waits
// for it. It is safe to call twice.
func (n *NetnsNginx) Stop() {
	if n.cmd == nil || n.cmd.Process == nil {
		return
	}
	killGroup(n.cmd, n.exited)
	n.cmd = nil
}
