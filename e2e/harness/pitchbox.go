package harness

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pitchbox/pitchbox/internal/syncbuf"
)

// Build compiles cmd/pitchbox from the module at root into dir.
func Build(root, dir string) (string, error) {
	bin := filepath.Join(dir, "pitchbox")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/pitchbox")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("harness: build pitchbox: %v\n%s", err, out)
	}
	return bin, nil
}

// ModuleRoot finds the folder holding go.mod above the working directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("harness: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Box is a running `pitchbox run`.
type Box struct {
	Bin    string
	Config string
	Socket string
	cmd    *exec.Cmd
	log    syncbuf.Buffer
	exited chan struct{}
	err    error
}

// StartBox runs `bin run --config cfg` and waits for its control socket.
func StartBox(bin, cfg, socket string) (*Box, error) {
	return StartBoxEnv(bin, socket, nil, "run", "--config", cfg)
}

// StartBoxEnv runs bin with args and extra environment variables, and
// waits for the control socket at socket.
func StartBoxEnv(bin, socket string, env []string, args ...string) (*Box, error) {
	b := &Box{Bin: bin, Socket: socket, exited: make(chan struct{})}
	b.cmd = exec.Command(bin, args...)
	b.cmd.Env = append(os.Environ(), env...)
	b.cmd.Stdout, b.cmd.Stderr = &b.log, &b.log
	if err := b.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { b.err = b.cmd.Wait(); close(b.exited) }()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := b.CLI("status", "--json"); err == nil {
			return b, nil
		}
		select {
		case <-b.exited:
			return nil, fmt.Errorf("harness: pitchbox exited (%v):\n%s", b.err, b.Log())
		case <-time.After(100 * time.Millisecond):
		}
	}
	b.Kill()
	return nil, fmt.Errorf("harness: pitchbox control socket never answered:\n%s", b.Log())
}

// CLI runs a pitchbox client command against this box.
func (b *Box) CLI(args ...string) (string, error) {
	args = append(args[:1:1], append([]string{"--socket", b.Socket}, args[1:]...)...)
	out, err := exec.Command(b.Bin, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("pitchbox %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// Status returns `pitchbox status --json` decoded.
func (b *Box) Status() (map[string]any, error) {
	out, err := b.CLI("status", "--json")
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal([]byte(out), &m)
}

// WaitState waits until the box reports state.
func (b *Box) WaitState(state string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		if st, err := b.Status(); err == nil {
			last, _ = st["state"].(string)
			if last == state {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("harness: box state is %q, not %q after %v", last, state, timeout)
}

// Log returns what the box printed.
func (b *Box) Log() string { return b.log.String() }

// Exited reports whether the process has ended.
func (b *Box) Exited() bool {
	select {
	case <-b.exited:
		return true
	default:
		return false
	}
}

// Pid is the process id.
func (b *Box) Pid() int { return b.cmd.Process.Pid }

// Stop sends SIGTERM and waits; it returns the exit code.
func (b *Box) Stop(timeout time.Duration) (int, error) {
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.exited:
	case <-time.After(timeout):
		b.Kill()
		return -1, fmt.Errorf("harness: pitchbox did not exit within %v of SIGTERM", timeout)
	}
	return b.cmd.ProcessState.ExitCode(), nil
}

// Kill ends the process at once.
func (b *Box) Kill() {
	_ = b.cmd.Process.Kill()
	<-b.exited
}

// RSS returns the resident set size of pid in bytes.
func RSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			kb, err := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("harness: no VmRSS for %d", pid)
}

// CPUSeconds returns user+system CPU time a finished command used.
func CPUSeconds(ps *os.ProcessState) float64 {
	return (ps.UserTime() + ps.SystemTime()).Seconds()
}

// ProcessState is the finished process's state (after Stop or Kill).
func (b *Box) ProcessState() *os.ProcessState { return b.cmd.ProcessState }
