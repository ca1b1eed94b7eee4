package opus

import "errors"

// ErrUnavailable is returned by builds without cgo.
var ErrUnavailable = errors.New("opus: not in this build: it was built without cgo (libopus)")

// Rate is the only sample rate New accepts: WebRTC's Opus clock is 48 kHz.
const Rate = 48000

// Bitrates New accepts, in kbps: the range Opus codes (RFC 6716 §2.1.1
// gives 6 to 510 kbit/s). libopus itself would clamp silently.
const (
	MinKbps = 6
	MaxKbps = 510
)
