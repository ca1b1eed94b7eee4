//go:build !linux

package display

import "image"

// Framebuffer is Linux only.
type Framebuffer struct {
	Format
	ID string
}

// Open reports ErrUnsupported.
func Open(string) (*Framebuffer, error) { return nil, ErrUnsupported }

// Draw does nothing.
func (fb *Framebuffer) Draw(*image.RGBA, image.Rectangle) {}

// Snapshot is empty.
func (fb *Framebuffer) Snapshot() *image.RGBA { return image.NewRGBA(image.Rect(0, 0, 0, 0)) }

// Close does nothing.
func (fb *Framebuffer) Close() error { return nil }

// HideConsole does nothing here.
func HideConsole() (restore func()) { return func() {} }

// Find finds no framebuffer here.
func Find() string { return "" }
