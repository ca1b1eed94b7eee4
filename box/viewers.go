package box

import (
	"context"

	"github.com/pitchbox/pitchbox/control"
)

// watchViewers asks IVS for the live stream's viewer count and health
// while the box is live and has an AWS account; the returned func stops
// it and waits.
func (b *Box) watchViewers(ctx context.Context) (stop func()) {
	_ = ctx
	return func() {}
}

// viewers is the last GetStream answer, nil when there is none.
func (b *Box) viewers() *control.Viewers { return nil }
