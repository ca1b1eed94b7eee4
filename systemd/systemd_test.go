// Package systemd holds the files that install pitchbox as a service: the
// unit, udev rules, and sysusers and tmpfiles snippets. Its tests check
// them with systemd's own tools.
package systemd

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// unitValues are the unit's settings by key, every value of each.
func unitValues(t *testing.T) map[string][]string {
	t.Helper()
	f, err := os.Open("pitchbox.service")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kv := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && !strings.HasPrefix(k, "#") {
			kv[k] = append(kv[k], v)
		}
	}
	return kv
}

// TestUnitVerifies: systemd-analyze verify accepts the unit without a
// word (ExecStart's program replaced by a stand-in, since the binary is
// not installed here), and the unit is a notify service with a 15 s watchdog
// in the gpio group.
func TestUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Fatal("this test needs systemd-analyze (Debian package systemd)")
	}
	unit, err := os.ReadFile("pitchbox.service")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "pitchbox")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	text := regexp.MustCompile(`(?m)^ExecStart=\S+`).ReplaceAllLiteralString(string(unit), "ExecStart="+bin)
	if err := os.WriteFile(filepath.Join(dir, "pitchbox.service"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", filepath.Join(dir, "pitchbox.service")).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	kv := unitValues(t)
	for k, want := range map[string]string{"Type": "notify", "NotifyAccess": "main", "WatchdogSec": "15", "User": "pitchbox"} {
		if got := kv[k]; !slices.Equal(got, []string{want}) {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if groups := strings.Fields(strings.Join(kv["SupplementaryGroups"], " ")); !slices.Contains(groups, "gpio") {
		t.Errorf("SupplementaryGroups %q lacks gpio", groups)
	}
}

// TestSysusersAndTmpfiles applies the sysusers and tmpfiles snippets to
// an empty root: the user pitchbox is made, the group gpio too, with
// pitchbox in it and in video, audio and input, and /etc/pitchbox is
// pitchbox's, mode 0750.
func TestSysusersAndTmpfiles(t *testing.T) {
	sysusers, err1 := exec.LookPath("systemd-sysusers")
	tmpfiles, err2 := exec.LookPath("systemd-tmpfiles")
	if err1 != nil || err2 != nil {
		t.Fatal("this test needs systemd-sysusers and systemd-tmpfiles (Debian package systemd)")
	}
	if os.Geteuid() != 0 {
		t.Skip("tmpfiles can only hand /etc/pitchbox to another user as root")
	}
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	abs := func(name string) string { p, _ := filepath.Abs(name); return p }
	if out, err := exec.Command(sysusers, "--root="+root, abs("pitchbox.sysusers")).CombinedOutput(); err != nil {
		t.Fatalf("systemd-sysusers: %v\n%s", err, out)
	}
	group, _ := os.ReadFile(filepath.Join(root, "etc", "group"))
	for _, g := range []string{"gpio", "video", "audio", "input"} {
		if !regexp.MustCompile(`(?m)^` + g + `:x:\d+:(.*,)?pitchbox(,|$)`).Match(group) {
			t.Errorf("pitchbox is not in group %s:\n%s", g, group)
		}
	}
	passwd, _ := os.ReadFile(filepath.Join(root, "etc", "passwd"))
	m := regexp.MustCompile(`(?m)^pitchbox:x:(\d+):(\d+):`).FindSubmatch(passwd)
	if m == nil {
		t.Fatalf("no user pitchbox:\n%s", passwd)
	}
	if out, err := exec.Command(tmpfiles, "--root="+root, "--create", abs("pitchbox.tmpfiles")).CombinedOutput(); err != nil {
		t.Fatalf("systemd-tmpfiles: %v\n%s", err, out)
	}
	fi, err := os.Stat(filepath.Join(root, "etc", "pitchbox"))
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode().Perm() != 0o750 || string(m[1]) != strconv.Itoa(int(st.Uid)) || string(m[2]) != strconv.Itoa(int(st.Gid)) {
		t.Fatalf("/etc/pitchbox: mode %o, owner %d:%d; want 0750, pitchbox (%s:%s)", fi.Mode().Perm(), st.Uid, st.Gid, m[1], m[2])
	}
}

// udevPair is one KEY{attr}OP"value" of a udev rule.
var udevPair = regexp.MustCompile(`^([A-Z_]+)(\{[^}]+\})?(==|!=|\+=|-=|:=|=)"([^"]*)"$`)

// TestUdevRules checks each rule's syntax (KEY op "value", comma
// separated; matches before assignments), that /dev/gpiochip* goes to
// group gpio with mode 0660, and that every group the rules give a device
// is one the service is in. udevadm verify checks them too where systemd
// is new enough to have it (254 and later).
func TestUdevRules(t *testing.T) {
	b, err := os.ReadFile("60-pitchbox.rules")
	if err != nil {
		t.Fatal(err)
	}
	groups := strings.Fields(strings.Join(unitValues(t)["SupplementaryGroups"], " "))
	gpio := false
	for n, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rule := map[string]string{}
		assigned := false
		for _, pair := range strings.Split(line, ", ") {
			m := udevPair.FindStringSubmatch(strings.TrimSpace(pair))
			if m == nil {
				t.Fatalf("line %d: %q is not KEY op \"value\"", n+1, pair)
			}
			isMatch := m[3] == "==" || m[3] == "!="
			if isMatch && assigned {
				t.Errorf("line %d: match %s after an assignment", n+1, m[1])
			}
			assigned = assigned || !isMatch
			rule[m[1]+m[3]] = m[4]
		}
		if g := rule["GROUP="]; g != "" && !slices.Contains(groups, g) {
			t.Errorf("line %d: group %s is not among the unit's SupplementaryGroups %q", n+1, g, groups)
		}
		if rule["SUBSYSTEM=="] == "gpio" && strings.HasPrefix(rule["KERNEL=="], "gpiochip") {
			gpio = rule["GROUP="] == "gpio" && rule["MODE="] == "0660"
		}
	}
	if !gpio {
		t.Error("no rule gives /dev/gpiochip* to group gpio with mode 0660")
	}
	if udevadm, err := exec.LookPath("udevadm"); err == nil {
		if help, _ := exec.Command(udevadm, "--help").CombinedOutput(); strings.Contains(string(help), "verify") {
			if out, err := exec.Command(udevadm, "verify", "60-pitchbox.rules").CombinedOutput(); err != nil {
				t.Fatalf("udevadm verify: %v\n%s", err, out)
			}
		}
	}
}
