//go:build !linux

package audio

import "time"

// Cards finds none here.
func Cards() []Card { return nil }

// FindCard finds none here.
func FindCard(string) (int, int, error) { return 0, 0, ErrNoMicrophone }

// ALSA is Linux only.
type ALSA struct{}

// OpenALSA reports ErrNoMicrophone.
func OpenALSA(card, dev, rate, channels int) (*ALSA, error) { return nil, ErrNoMicrophone }

// Rate implements Source.
func (a *ALSA) Rate() int { return 0 }

// Channels implements Source.
func (a *ALSA) Channels() int { return 0 }

// Describe implements Source.
func (a *ALSA) Describe() string { return "" }

// Read implements Source.
func (a *ALSA) Read([]int16) (int, time.Duration, error) { return 0, 0, ErrNoMicrophone }

// Close implements Source.
func (a *ALSA) Close() error { return nil }
