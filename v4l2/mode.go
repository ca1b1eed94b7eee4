package v4l2

import (
	"fmt"
	"slices"
	"strings"
)

// Mode is one way a camera can deliver pictures: a pixel format, a size
// and the fastest frame rate it offers at that size.
type Mode struct {
	FourCC        FourCC
	Width, Height int
	FPS           float64
}

func (m Mode) String() string {
	return fmt.Sprintf("%v %dx%d@%g", m.FourCC, m.Width, m.Height, m.FPS)
}

// Want is what the box asks of a camera.
type Want struct {
	Width, Height int
	FPS           int
	// Format insists on one pixel format; zero lets ChooseMode pick.
	Format FourCC
}

// raw reports whether f needs no decode.
func raw(f FourCC) bool { return f == FmtYU12 || f == FmtNV12 || f == FmtYUYV }

// reaches reports whether m delivers w's size at w's rate (a camera's
// "30 fps" may be 29.97).
func (m Mode) reaches(w Want) bool {
	return m.Width == w.Width && m.Height == w.Height && m.FPS >= float64(w.FPS)*0.99
}

// Modes lists the modes of formats that pitchbox reads: each discrete
// size with its fastest rate, and for a stepwise range the wanted size
// when it lies in the range (else its largest).
func Modes(formats []FormatInfo, w Want) []Mode {
	var out []Mode
	for _, f := range formats {
		if !slices.Contains(Preferred, f.FourCC) {
			continue
		}
		if len(f.Sizes) == 0 {
			// A driver that lists no sizes takes what it is asked for.
			out = append(out, Mode{FourCC: f.FourCC, Width: w.Width, Height: w.Height, FPS: float64(w.FPS)})
		}
		for _, s := range f.Sizes {
			out = append(out, modeOf(f.FourCC, s, w))
		}
	}
	return out
}

// modeOf is the mode of one listed size: a range gives the wanted size
// when it holds it (else its largest), and a size listed without rates
// is taken to give the wanted one.
func modeOf(f FourCC, s FrameSize, w Want) Mode {
	m := Mode{FourCC: f, Width: int(s.MaxWidth), Height: int(s.MaxHeight)}
	if s.MaxWidth != s.Width || s.MaxHeight != s.Height {
		if w.Width >= int(s.Width) && w.Width <= int(s.MaxWidth) && w.Height >= int(s.Height) && w.Height <= int(s.MaxHeight) {
			m.Width, m.Height = w.Width, w.Height
		}
	}
	for _, r := range s.Rates {
		m.FPS = max(m.FPS, r)
	}
	if len(s.Rates) == 0 {
		m.FPS = float64(w.FPS)
	}
	return m
}

// ChooseMode picks the mode to open: among those that reach the wanted
// size and rate, a raw format (no decode) before MJPEG; when none does,
// the closest (the rate first, then the size). why says what was asked,
// what was chosen and why, for the log.
func ChooseMode(formats []FormatInfo, w Want) (m Mode, why string, err error) {
	modes := Modes(formats, w)
	if w.Format != 0 {
		modes = slices.DeleteFunc(modes, func(m Mode) bool { return m.FourCC != w.Format && !(w.Format == FmtMJPEG && m.FourCC == FmtJPEG) })
	}
	if len(modes) == 0 {
		return Mode{}, "", noMode(formats, w)
	}
	asked := fmt.Sprintf("%dx%d@%d", w.Width, w.Height, w.FPS)
	if i := slices.IndexFunc(modes, func(m Mode) bool { return m.reaches(w) }); i >= 0 {
		best := modes[i]
		for _, m := range modes {
			if m.reaches(w) && rank(m.FourCC) < rank(best.FourCC) {
				best = m
			}
		}
		return best, fmt.Sprintf("asked for %s; %v reaches it%s", asked, best, slower(modes, w, best)), nil
	}
	best := slices.MinFunc(modes, func(a, b Mode) int { return closer(a, b, w) })
	return best, fmt.Sprintf("asked for %s; no mode reaches it, the closest is %v", asked, best), nil
}

// ChooseFor is ChooseMode for what [camera] says: a size, a rate and a
// format by name ("auto", "mjpeg", …).
func ChooseFor(formats []FormatInfo, width, height, fps int, format string) (m Mode, why string, err error) {
	f, err := FormatNamed(format)
	if err != nil {
		return Mode{}, "", err
	}
	return ChooseMode(formats, Want{Width: width, Height: height, FPS: fps, Format: f})
}

// rank orders formats as Preferred does.
func rank(f FourCC) int { return slices.Index(Preferred, f) }

// slower names raw modes of the wanted size that were passed over for
// being too slow ("; YUYV 1920x1080@5 is too slow").
func slower(modes []Mode, w Want, chosen Mode) string {
	var s []string
	for _, m := range modes {
		if raw(m.FourCC) && !raw(chosen.FourCC) && m.Width == w.Width && m.Height == w.Height && !m.reaches(w) {
			s = append(s, m.String())
		}
	}
	if len(s) == 0 {
		return ""
	}
	return "; " + strings.Join(s, ", ") + " too slow"
}

// closer orders a before b (-1) when a is nearer to w: a mode that keeps
// the frame rate first, then the size nearest in area (larger on a tie,
// as it can be scaled), then raw before compressed.
func closer(a, b Mode, w Want) int {
	fa, fb := a.FPS >= float64(w.FPS)*0.99, b.FPS >= float64(w.FPS)*0.99
	switch {
	case fa != fb:
		return boolOrder(fa)
	case !fa && a.FPS != b.FPS:
		return boolOrder(a.FPS > b.FPS)
	}
	want := w.Width * w.Height
	da, db := absInt(a.Width*a.Height-want), absInt(b.Width*b.Height-want)
	switch {
	case da != db:
		return boolOrder(da < db)
	case a.Width*a.Height != b.Width*b.Height:
		return boolOrder(a.Width*a.Height > b.Width*b.Height)
	}
	return rank(a.FourCC) - rank(b.FourCC)
}

func boolOrder(first bool) int {
	if first {
		return -1
	}
	return 1
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// noMode says why no mode can be opened.
func noMode(formats []FormatInfo, w Want) error {
	var offered []string
	for _, f := range formats {
		offered = append(offered, f.FourCC.String())
	}
	if w.Format != 0 {
		return fmt.Errorf("v4l2: camera.format asks for %v; the camera offers %s", w.Format, strings.Join(offered, ", "))
	}
	return fmt.Errorf("v4l2: the camera offers %s; pitchbox reads YU12, NV12, YUYV or MJPEG", strings.Join(offered, ", "))
}

// FormatNamed is the pixel format [camera] format names: 0 for "auto".
func FormatNamed(name string) (FourCC, error) {
	switch strings.ToLower(name) {
	case "", "auto":
		return 0, nil
	case "mjpeg":
		return FmtMJPEG, nil
	case "yuyv":
		return FmtYUYV, nil
	case "nv12":
		return FmtNV12, nil
	case "yu12":
		return FmtYU12, nil
	}
	return 0, fmt.Errorf("v4l2: unknown camera format %q (allowed: auto, mjpeg, yuyv, nv12, yu12)", name)
}

// Offered lists what a camera offers as a seller picks it: each size and
// frame rate once, in the format ChooseMode would open it in (raw before
// MJPEG), largest size and fastest rate first. Stepwise ranges offer the
// common sizes that fit in them.
func Offered(formats []FormatInfo) []Mode {
	best := map[[3]int]Mode{}
	add := func(m Mode) {
		k := [3]int{m.Width, m.Height, int(m.FPS*100 + 0.5)}
		if o, ok := best[k]; !ok || rank(m.FourCC) < rank(o.FourCC) {
			best[k] = m
		}
	}
	for _, f := range formats {
		if !slices.Contains(Preferred, f.FourCC) {
			continue
		}
		for _, s := range f.Sizes {
			for _, wh := range sizesIn(s) {
				for _, r := range s.Rates {
					add(Mode{FourCC: f.FourCC, Width: wh[0], Height: wh[1], FPS: r})
				}
			}
		}
	}
	out := make([]Mode, 0, len(best))
	for _, m := range best {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b Mode) int {
		switch {
		case a.Width*a.Height != b.Width*b.Height:
			return b.Width*b.Height - a.Width*a.Height
		case a.FPS != b.FPS:
			return boolOrder(a.FPS > b.FPS)
		}
		return rank(a.FourCC) - rank(b.FourCC)
	})
	return out
}

// commonSizes are offered from a stepwise range when they fit in it.
var commonSizes = [][2]int{{3840, 2160}, {1920, 1080}, {1280, 720}, {960, 540}, {640, 480}, {640, 360}}

// sizesIn is a discrete size, or the common sizes a range holds.
func sizesIn(s FrameSize) [][2]int {
	if s.Width == s.MaxWidth && s.Height == s.MaxHeight {
		return [][2]int{{int(s.Width), int(s.Height)}}
	}
	var out [][2]int
	for _, c := range commonSizes {
		if c[0] >= int(s.Width) && c[0] <= int(s.MaxWidth) && c[1] >= int(s.Height) && c[1] <= int(s.MaxHeight) {
			out = append(out, c)
		}
	}
	return out
}

// Name is the format as [camera] format names it ("mjpeg", "yuyv",
// "nv12", "yu12"), or its FourCC in lower case.
func (f FourCC) Name() string {
	if f == FmtJPEG {
		f = FmtMJPEG
	}
	for _, n := range []string{"mjpeg", "yuyv", "nv12", "yu12"} {
		if g, _ := FormatNamed(n); g == f {
			return n
		}
	}
	return strings.ToLower(f.String())
}
