package audio

import "errors"

// ErrNoMicrophone is returned when no capture card is found.
var ErrNoMicrophone = errors.New("audio: no microphone")

// ErrDeviceLost is returned (wrapped) when the sound card goes away.
var ErrDeviceLost = errors.New("audio: device lost")
