// Command cpubench measures pitchbox's whole-process CPU time for 12 s of
// 720p30 test pattern + QR overlay + x264 ultrafast + AAC to a local RTMP
// server, beside ffmpeg doing the same work (testsrc2 + overlay + libx264
// ultrafast zerolatency + aac), and prints both and their ratio.
// `make bench` runs it.
package main

import (
	"flag"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/pitchbox/pitchbox/e2e/harness"
	"github.com/pitchbox/pitchbox/overlay"
)

const qrText = "https://shop.example/buy/42?ref=pitchbox"

func main() {
	seconds := flag.Int("seconds", 12, "how long each run streams")
	kbps := flag.Int("kbps", 2500, "video bitrate")
	flag.Parse()
	if err := run(time.Duration(*seconds)*time.Second, *kbps); err != nil {
		fmt.Fprintln(os.Stderr, "cpubench:", err)
		os.Exit(1)
	}
}

func run(d time.Duration, kbps int) error {
	dir, err := os.MkdirTemp("", "pitchbox-cpubench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	root, err := harness.ModuleRoot()
	if err != nil {
		return err
	}
	bin, err := harness.Build(root, dir)
	if err != nil {
		return err
	}
	_, cert, key, err := harness.TestPKI(dir)
	if err != nil {
		return err
	}
	ng, err := harness.NewNginx(dir, cert, key, "")
	if err != nil {
		return err
	}
	if err := ng.Start(); err != nil {
		return err
	}
	defer ng.Stop()

	// The same QR for both: 40% of the frame height, bottom right.
	const size = 0.4
	qr, err := overlay.RenderQR(qrText, int(size*720))
	if err != nil {
		return err
	}
	qrPNG := filepath.Join(dir, "qr.png")
	f, err := os.Create(qrPNG)
	if err != nil {
		return err
	}
	png.Encode(f, qr)
	f.Close()
	margin := overlay.Margin(720)

	cfg := filepath.Join(dir, "bench.toml")
	sock := filepath.Join(dir, "c.sock")
	err = harness.Config{
		StateDir: filepath.Join(dir, "state"), Width: 1280, Height: 720, BitrateKbps: kbps,
		URL: ng.URL(), Key: "pitchbox", Socket: sock, LogLevel: "warn",
		Presets: []harness.Preset{{Name: "qr", QR: qrText, Position: "bottom-right", Size: size}},
	}.Write(cfg)
	if err != nil {
		return err
	}

	box, err := harness.StartBox(bin, cfg, sock)
	if err != nil {
		return err
	}
	if _, err := box.CLI("show", "qr"); err != nil {
		box.Kill()
		return err
	}
	if err := box.WaitState("live", 10*time.Second); err != nil {
		box.Kill()
		return err
	}
	time.Sleep(d)
	st, _ := box.Status()
	if _, err := box.Stop(10 * time.Second); err != nil {
		return err
	}
	pbCPU := harness.CPUSeconds(boxState(box))

	ff := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-re",
		"-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
		"-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo",
		"-filter_complex", fmt.Sprintf("movie=%s[q];[0:v][q]overlay=W-w-%d:H-h-%d,format=yuv420p[v]", qrPNG, margin, margin),
		"-map", "[v]", "-map", "1:a", "-t", fmt.Sprint(d.Seconds()),
		"-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
		"-b:v", fmt.Sprintf("%dk", kbps), "-maxrate", fmt.Sprintf("%dk", kbps), "-bufsize", fmt.Sprintf("%dk", kbps),
		"-x264-params", "nal-hrd=cbr:scenecut=0", "-g", "60", "-bf", "0",
		"-c:a", "aac", "-b:a", "128k", "-f", "flv", ng.URL()+"ffmpeg")
	ff.Stderr = os.Stderr
	if err := ff.Run(); err != nil {
		return fmt.Errorf("ffmpeg: %w", err)
	}
	ffCPU := harness.CPUSeconds(ff.ProcessState)

	fmt.Printf("workload: %v of 1280x720@30 test pattern + QR overlay + x264 ultrafast %d kbps + AAC, RTMP to local nginx\n", d, kbps)
	fmt.Printf("pitchbox CPU: %6.2f s (fps %v, state %v)\n", pbCPU, st["fps"], st["state"])
	fmt.Printf("ffmpeg   CPU: %6.2f s\n", ffCPU)
	fmt.Printf("ratio pitchbox/ffmpeg: %.2f (below 1 means pitchbox uses less CPU)\n", pbCPU/ffCPU)
	return nil
}

func boxState(b *harness.Box) *os.ProcessState { return b.ProcessState() }
