// Command qmon sends one command to a QEMU human monitor on a unix
// socket and waits for it to finish (the next "(qemu)" prompt). The rig
// uses it to take a screendump of the VM's screen.
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: qmon SOCKET COMMAND...")
		os.Exit(2)
	}
	if err := run(os.Args[1], strings.Join(os.Args[2:], " ")); err != nil {
		fmt.Fprintln(os.Stderr, "qmon:", err)
		os.Exit(1)
	}
}

func run(sock, cmd string) error {
	var c net.Conn
	var err error
	for i := 0; i < 20; i++ {
		if c, err = net.Dial("unix", sock); err == nil {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	if err := prompt(r); err != nil { // the banner
		return err
	}
	if _, err := fmt.Fprintf(c, "%s\n", cmd); err != nil {
		return err
	}
	return prompt(r)
}

// prompt reads until the monitor's "(qemu) " prompt.
func prompt(r *bufio.Reader) error {
	var seen strings.Builder
	for {
		b, err := r.ReadByte()
		if err != nil {
			return fmt.Errorf("monitor: %w (after %q)", err, seen.String())
		}
		seen.WriteByte(b)
		if strings.HasSuffix(seen.String(), "(qemu) ") {
			return nil
		}
	}
}
