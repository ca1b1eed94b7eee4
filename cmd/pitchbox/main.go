// Command pitchbox runs the live-selling box and talks to a running one.
//
//	pitchbox run [--config FILE]        run the box (no config: built-in defaults)
//	pitchbox status [--json]            state, fps, bitrate, scene, last action
//	pitchbox show PRESET                put a preset on the picture
//	pitchbox clear                      remove the overlay
//	pitchbox live start|stop            go live / end the stream
//	pitchbox snapshot FILE.jpg          save the outgoing picture
//	pitchbox devices [--json]           list cameras, encoders and microphones
//	pitchbox doctor [--config FILE]     check what the box needs
//	pitchbox version
//
// Exit codes: 0 success, 1 failure, 2 bad usage or configuration.
package main

import (
	"os"

	"github.com/pitchbox/pitchbox/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
