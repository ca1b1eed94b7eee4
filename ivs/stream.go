package ivs

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ivs"
	"github.com/aws/aws-sdk-go-v2/service/ivs/types"
)

// ErrNotBroadcasting is IVS's ChannelNotBroadcasting: the channel has no
// live stream (not yet, or no longer). It is an answer, not a failure.
var ErrNotBroadcasting = errors.New("ivs: the channel is not broadcasting")

// Stream is what GetStream says about a channel's live stream.
type Stream struct {
	// ViewerCount is the concurrent views: a viewer appears within about
	// 15 s of starting to play and is gone within a minute of stopping;
	// -1 means IVS timed out counting (ask again later).
	ViewerCount int64
	// Health is HEALTHY, STARVING (IVS gets less than it needs) or UNKNOWN.
	Health string
	// State is LIVE (OFFLINE is not to be relied on: IVS answers
	// ChannelNotBroadcasting instead).
	State       string
	StartTime   time.Time
	PlaybackURL string
	ID          string
}

// Channel asks IVS about one channel. It is safe for concurrent use.
type Channel struct {
	client *ivs.Client
	arn    string
}

// NewChannel returns a client for channelARN on account a (its Endpoint,
// if set, replaces the regional IVS endpoint).
func NewChannel(a Account, channelARN string) (*Channel, error) {
	if err := a.Check(channelARN); err != nil {
		return nil, err
	}
	return &Channel{client: a.client(), arn: channelARN}, nil
}

// Stream calls GetStream once, without retrying: a caller that polls
// asks again on its next turn (IVS allows 5 calls a second per account).
// A channel that is not live gives ErrNotBroadcasting.
func (c *Channel) Stream(ctx context.Context) (Stream, error) {
	out, err := c.client.GetStream(ctx, &ivs.GetStreamInput{ChannelArn: aws.String(c.arn)},
		func(o *ivs.Options) { o.RetryMaxAttempts = 1 })
	if err != nil {
		var nb *types.ChannelNotBroadcasting
		if errors.As(err, &nb) {
			return Stream{}, ErrNotBroadcasting
		}
		return Stream{}, apiError("GetStream", err)
	}
	s := out.Stream
	if s == nil {
		return Stream{}, errors.New("ivs: GetStream returned no stream")
	}
	return Stream{
		ViewerCount: s.ViewerCount,
		Health:      string(s.Health),
		State:       string(s.State),
		StartTime:   aws.ToTime(s.StartTime),
		PlaybackURL: aws.ToString(s.PlaybackUrl),
		ID:          aws.ToString(s.StreamId),
	}, nil
}
