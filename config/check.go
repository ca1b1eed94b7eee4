package config

import (
	"errors"
	"io/fs"
	"net/url"
	"os"
)

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
