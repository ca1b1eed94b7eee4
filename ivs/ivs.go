// Package ivs holds pitchbox's calls to the AWS control plane: it finds a
// channel's ingest server and stream key (GetChannel, ListStreamKeys,
// GetStreamKey), so a seller can give AWS credentials and a channel ARN
// instead of copying both by hand; it reads the live stream's viewer
// count and health (GetStream) for the screen and status; it sends timed
// metadata (PutMetadata, MetadataSender); and it makes IVS Chat tokens
// (CreateChatToken) for the seller's chat client and, send-only, for
// buyers (ChatRoom). The stream key
// and tokens it returns are secrets: callers store them in 0600 files or
// memory and never echo them; the SDK puts no credentials in its errors.
package ivs

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ivs"
	"github.com/aws/aws-sdk-go-v2/service/ivs/types"
	"github.com/aws/smithy-go"
)

// Account is what the API calls need.
type Account struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken is for temporary credentials ("" for an access key).
	SessionToken string
	Region       string
	// Endpoint overrides the regional IVS endpoint ("" for AWS's).
	Endpoint string
}

// Ingest is where and how the box publishes.
type Ingest struct {
	// URL is rtmps://INGEST:443/app/ (without the key).
	URL string
	// StreamKey is secret.
	StreamKey string
	// SRTURL is srt://ENDPOINT:9000?passphrase=… (without the stream id,
	// which is StreamKey): the same channel over SRT. It holds a secret;
	// "" when the channel has no SRT endpoint.
	SRTURL string
	// ChannelName is the channel's name in the console, for display.
	ChannelName string
}

// Check returns an error naming what is missing from a.
func (a Account) Check(channelARN string) error {
	var miss []string
	if a.AccessKeyID == "" {
		miss = append(miss, "access key ID")
	}
	if a.SecretAccessKey == "" {
		miss = append(miss, "secret access key")
	}
	if a.Region == "" {
		miss = append(miss, "region")
	}
	if !strings.HasPrefix(channelARN, "arn:") || !strings.Contains(channelARN, ":channel/") {
		miss = append(miss, "channel ARN (arn:aws:ivs:REGION:ACCOUNT:channel/ID)")
	}
	if len(miss) > 0 {
		return errors.New("ivs: missing or invalid: " + strings.Join(miss, ", "))
	}
	return nil
}

// Discover asks IVS for the channel's ingest endpoint and its stream key
// (the first one; IVS channels have one).
func Discover(ctx context.Context, a Account, channelARN string) (Ingest, error) {
	if err := a.Check(channelARN); err != nil {
		return Ingest{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c := a.client()
	ch, err := c.GetChannel(ctx, &ivs.GetChannelInput{Arn: aws.String(channelARN)})
	if err != nil {
		return Ingest{}, apiError("GetChannel", err)
	}
	if ch.Channel == nil || aws.ToString(ch.Channel.IngestEndpoint) == "" {
		return Ingest{}, errors.New("ivs: GetChannel returned no ingest endpoint")
	}
	keys, err := c.ListStreamKeys(ctx, &ivs.ListStreamKeysInput{ChannelArn: aws.String(channelARN)})
	if err != nil {
		return Ingest{}, apiError("ListStreamKeys", err)
	}
	if len(keys.StreamKeys) == 0 {
		return Ingest{}, errors.New("ivs: the channel has no stream key; create one in the IVS console")
	}
	k, err := c.GetStreamKey(ctx, &ivs.GetStreamKeyInput{Arn: keys.StreamKeys[0].Arn})
	if err != nil {
		return Ingest{}, apiError("GetStreamKey", err)
	}
	if k.StreamKey == nil || aws.ToString(k.StreamKey.Value) == "" {
		return Ingest{}, errors.New("ivs: GetStreamKey returned no key")
	}
	return Ingest{
		URL:         "rtmps://" + aws.ToString(ch.Channel.IngestEndpoint) + ":443/app/",
		StreamKey:   aws.ToString(k.StreamKey.Value),
		ChannelName: aws.ToString(ch.Channel.Name),
		SRTURL:      srtURL(ch.Channel.Srt),
	}, nil
}

// srtURL is the channel's SRT ingest as IVS documents it (port 9000, the
// passphrase when the channel encrypts), "" when it has none.
func srtURL(s *types.Srt) string {
	if s == nil || aws.ToString(s.Endpoint) == "" {
		return ""
	}
	u := "srt://" + aws.ToString(s.Endpoint) + ":9000"
	if p := aws.ToString(s.Passphrase); p != "" {
		u += "?passphrase=" + url.QueryEscape(p)
	}
	return u
}

// config is the SDK configuration for a.
func (a Account) config() aws.Config {
	return aws.Config{
		Region:      a.Region,
		Credentials: credentials.NewStaticCredentialsProvider(a.AccessKeyID, a.SecretAccessKey, a.SessionToken),
	}
}

// client is an IVS API client for a, retrying a failed call once.
func (a Account) client() *ivs.Client {
	return ivs.NewFromConfig(a.config(), func(o *ivs.Options) {
		if a.Endpoint != "" {
			o.BaseEndpoint = aws.String(a.Endpoint)
		}
		o.RetryMaxAttempts = 2
	})
}

// apiError shortens the SDK's error to what a seller can act on. It never
// carries the credentials (the SDK does not put them in errors).
func apiError(op string, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return fmt.Errorf("ivs: %s: %s: %s", op, ae.ErrorCode(), ae.ErrorMessage())
	}
	return fmt.Errorf("ivs: %s: %w", op, err)
}
