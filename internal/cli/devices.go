package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/pitchbox/pitchbox/audio"
	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/v4l2"
)

// camera is a capture device with the mode the box would open it in.
type camera struct {
	v4l2.DeviceInfo
	// Chosen is the mode for the configured size and rate, Why the
	// reason; Problem says why none can be opened.
	Chosen  *v4l2.Mode `json:"chosen,omitempty"`
	Why     string     `json:"why,omitempty"`
	Problem string     `json:"problem,omitempty"`
}

// cmdDevices lists the cameras (each format's sizes with their rates, the
// mode the box would choose marked), the encoders and the microphones.
func cmdDevices(args []string, stdout io.Writer) error {
	fs := newFlags("devices")
	asJSON := fs.Bool("json", false, "print JSON")
	cfgPath := fs.String("config", "", "configuration file (TOML): the size, rate and format to choose a mode for")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg := config.Defaults()
	if *cfgPath != "" {
		c, err := config.Load(*cfgPath)
		if err != nil {
			return err
		}
		cfg = c
	}
	devs, err := v4l2.Devices()
	if err != nil {
		return err
	}
	cams := chooseModes(devs, cfg.Camera)
	encs := v4l2.Encoders(v4l2.FmtH264, v4l2.FmtFWHT)
	mics := audio.Cards()
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"cameras": nonNil(cams), "encoders": nonNil(encs), "microphones": nonNil(mics)})
	}
	for _, m := range mics {
		usb := ""
		if m.USB {
			usb = ", USB"
		}
		fmt.Fprintf(stdout, "hw:%d,%d  %s: %s (microphone%s)\n", m.Index, m.Device, m.ID, m.Name, usb)
	}
	for _, e := range encs {
		fmt.Fprintf(stdout, "%s  %s: %v encoder (memory-to-memory%s)\n", e.Path, e.Card, e.Coded, map[bool]string{true: ", multi-planar"}[e.MPlane])
	}
	if len(cams) == 0 {
		fmt.Fprintln(stdout, "no cameras found (pitchbox will use its test pattern)")
	}
	for _, c := range cams {
		printCamera(stdout, c)
	}
	return nil
}

// nonNil makes a nil list an empty one, for JSON.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// chooseModes pairs each device with the mode the box would choose for
// cam's size, rate and format.
func chooseModes(devs []v4l2.DeviceInfo, cam config.Camera) []camera {
	out := make([]camera, 0, len(devs))
	for _, d := range devs {
		c := camera{DeviceInfo: d}
		if m, why, err := v4l2.ChooseFor(d.Formats, cam.Width, cam.Height, cam.FPS, cam.Format); err != nil {
			c.Problem = err.Error()
		} else {
			c.Chosen, c.Why = &m, why
		}
		out = append(out, c)
	}
	return out
}

// printCamera writes one camera: formats, sizes with rates, and a * on
// the mode the box would open.
func printCamera(w io.Writer, c camera) {
	fmt.Fprintf(w, "%s  %s (%s)\n", c.Path, c.Name, c.Bus)
	for _, f := range c.Formats {
		fmt.Fprintf(w, "  %v  %s\n", f.FourCC, f.Description)
		for _, s := range f.Sizes {
			size := fmt.Sprintf("%dx%d", s.Width, s.Height)
			if s.MaxWidth != s.Width || s.MaxHeight != s.Height {
				size += fmt.Sprintf("…%dx%d", s.MaxWidth, s.MaxHeight)
			}
			rates := make([]string, len(s.Rates))
			sort.Float64s(s.Rates)
			for i, r := range s.Rates {
				rates[i] = fmt.Sprintf("%g", r)
			}
			mark := " "
			if m := c.Chosen; m != nil && m.FourCC == f.FourCC && m.Width >= int(s.Width) && m.Width <= int(s.MaxWidth) &&
				m.Height >= int(s.Height) && m.Height <= int(s.MaxHeight) {
				mark = "*"
			}
			fmt.Fprintf(w, "  %s %-22s %s fps\n", mark, size, strings.Join(rates, " "))
		}
	}
	if c.Chosen != nil {
		fmt.Fprintf(w, "  * the box opens %v: %s\n", *c.Chosen, c.Why)
	} else {
		fmt.Fprintf(w, "  no mode can be opened: %s\n", c.Problem)
	}
}
