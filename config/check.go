package config

import (
	"errors"
	"io/fs"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// finite reports whether v is a number (not NaN, not ±Inf).
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// checkDevice accepts a path under /dev that is a character device, or
// that does not exist yet (a camera plugged in later); links are followed
// and must stay under /dev.
func checkDevice(path string) error {
	if !strings.HasPrefix(path, "/dev/") || filepath.Clean(path) != path {
		return errors.New("is not a device path under /dev")
	}
	real, err := filepath.EvalSymlinks(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case !strings.HasPrefix(real, "/dev/"):
		return errors.New("leads outside /dev")
	}
	st, err := os.Stat(real)
	if err != nil {
		return err
	}
	if st.Mode()&fs.ModeCharDevice == 0 {
		return errors.New("is not a character device")
	}
	return nil
}

// checkFile reports a missing or unreadable file, or a folder.
func checkFile(path string) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errors.New("no such file")
	case err != nil:
		return err
	case st.IsDir():
		return errors.New("is a folder, not an image file")
	}
	return nil
}

func parseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		// The text may hold a key pasted by mistake: do not echo it.
		return nil, errors.New("is not a valid URL (expected e.g. rtmps://HOST:443/app/)")
	}
	return u, nil
}
