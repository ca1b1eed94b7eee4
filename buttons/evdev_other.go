//go:build !linux

package buttons

import (
	"context"
	"time"
)

// Run reports that keypads are not supported here and returns.
func (k *Keypad) Run(ctx context.Context, box Box, now func() time.Duration, report func(string, Action, error)) {
	k.log("buttons: keypads need Linux evdev", "device", k.Match)
}
