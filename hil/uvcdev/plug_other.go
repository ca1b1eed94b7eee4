//go:build !linux

package uvcdev

import "errors"

var errNoVHCI = errors.New("uvcdev: vhci-hcd needs Linux")

// Plug needs Linux's vhci-hcd.
func (c *Camera) Plug() (int, error) { return -1, errNoVHCI }

// FreePort needs Linux's vhci-hcd.
func FreePort() (int, error) { return -1, errNoVHCI }

// Detach needs Linux's vhci-hcd.
func Detach(int) error { return errNoVHCI }
