package audio

import "errors"

// ErrNoMicrophone is returned when no capture card is found.
var ErrNoMicrophone = errors.New("audio: no microphone")

// ErrDeviceLost is returned (wrapped) when the sound card goes away.
var ErrDeviceLost = errors.New("audio: device lost")

// Card is a sound card with a capture device.
type Card struct {
	Index  int    `json:"index"`
	ID     string `json:"id"`
	Name   string `json:"name"`
	USB    bool   `json:"usb"`
	Device int    `json:"device"`
}
