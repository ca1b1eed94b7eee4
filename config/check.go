package config

import (
	"errors"
	"net/url"

	"github.com/pitchbox/pitchbox/overlay"
)

func checkQR(text string) error {
	_, err := overlay.QRModules(text)
	return err
}

func checkImage(path string) error {
	_, err := overlay.CheckImage(path)
	return err
}

func parseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		// The text may hold a key pasted by mistake: do not echo it.
		return nil, errors.New("is not a valid URL (expected e.g. rtmps://HOST:443/app/)")
	}
	return u, nil
}
