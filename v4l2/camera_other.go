//go:build !linux

package v4l2

import (
	"context"

	"github.com/pitchbox/pitchbox/frame"
)

// Camera is unavailable on this system.
type Camera struct{}

// OpenCamera reports ErrUnsupported.
func OpenCamera(path string, width, height, fps, poolSize int) (*Camera, error) {
	return nil, ErrUnsupported
}

// OpenCameraConfig reports ErrUnsupported.
func OpenCameraConfig(CameraConfig) (*Camera, error) { return nil, ErrUnsupported }

// Size is zero.
func (c *Camera) Size() (int, int) { return 0, 0 }

// Describe implements frame.Source.
func (c *Camera) Describe() string { return "unsupported" }

// Next implements frame.Source.
func (c *Camera) Next(context.Context) (*frame.Frame, error) { return nil, ErrUnsupported }

// Close implements frame.Source.
func (c *Camera) Close() error { return nil }

// Devices reports ErrUnsupported.
func Devices() ([]DeviceInfo, error) { return nil, ErrUnsupported }

// FirstCapture finds nothing.
func FirstCapture() string { return "" }

// Controls reports ErrUnsupported.
func (c *Camera) Controls() ([]ControlInfo, error) { return nil, ErrUnsupported }

// SetControl reports ErrUnsupported.
func (c *Camera) SetControl(uint32, int32) (int32, error) { return 0, ErrUnsupported }

// Why is empty: there is no camera on this system.
func (c *Camera) Why() string { return "" }

// Corrupt is zero: there is no camera on this system.
func (c *Camera) Corrupt() uint64 { return 0 }
