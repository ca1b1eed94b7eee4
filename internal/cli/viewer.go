package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsivs "github.com/aws/aws-sdk-go-v2/service/ivs"

	"github.com/pitchbox/pitchbox/chat"
	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/ivs"
	"github.com/pitchbox/pitchbox/viewer"
)

// cmdViewer runs `pitchbox viewer export`: it writes the buyers' page, the
// vendored IVS Player and the page's config.json into a folder for S3 or
// any static host.
func cmdViewer(args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "export" {
		return &usageError{"viewer: say `viewer export --out DIR [--config FILE] [--playback-url URL] [--token-url URL]`"}
	}
	fs := newFlags("viewer export")
	out := fs.String("out", "", "folder to write the page into")
	cfgPath := fs.String("config", "", "configuration file: [aws] finds the playback URL, [chat] the chat endpoint")
	playback := fs.String("playback-url", "", "the channel's playback URL (default: IVS GetChannel with the [aws] account)")
	tokenURL := fs.String("token-url", "", "the buyers' chat-token vendor (`pitchbox chat-tokens serve` or its Lambda function); none: no chat")
	endpoint := fs.String("chat-endpoint", "", "IVS Chat's WebSocket URL (default: [chat] endpoint, or the room's region's)")
	title := fs.String("title", "", "the page's heading (default: Live shop)")
	vendor := fs.String("vendor", viewer.VendorDir, "folder holding the player files "+viewer.VendorScript+" fetches")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return &usageError{fmt.Sprintf("viewer export: unexpected argument %q", pos[0])}
	}
	if *out == "" {
		return &usageError{"viewer export: --out DIR is needed"}
	}
	cfg := &config.Config{}
	if *cfgPath != "" {
		if cfg, err = config.Load(*cfgPath); err != nil {
			return err
		}
	}
	vc := viewer.Config{PlaybackURL: *playback, TokenURL: *tokenURL, ChatEndpoint: *endpoint, Title: *title}
	if vc.PlaybackURL == "" {
		if vc.PlaybackURL, err = channelPlaybackURL(context.Background(), cfg.AWS); err != nil {
			return err
		}
	}
	if vc.TokenURL != "" && vc.ChatEndpoint == "" {
		if vc.ChatEndpoint = chatEndpoint(cfg.Chat); vc.ChatEndpoint == "" {
			return &usageError{"viewer export: the chat needs --chat-endpoint, or --config with [chat] room_arn or endpoint"}
		}
	}
	if err := viewer.Export(*out, *vendor, vc); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote the buyers' page to %s (playback %s", *out, vc.PlaybackURL)
	if vc.TokenURL != "" {
		fmt.Fprintf(stdout, ", chat tokens from %s", vc.TokenURL)
	}
	fmt.Fprintln(stdout, ")")
	return nil
}

// chatEndpoint is the [chat] endpoint, or the room's region's ("" when
// neither is set).
func chatEndpoint(c config.Chat) string {
	if c.Endpoint != "" {
		return c.Endpoint
	}
	if r := c.ChatRegion(); r != "" {
		return chat.Endpoint(r)
	}
	return ""
}

// channelPlaybackURL asks IVS GetChannel for the [aws] channel's playback
// URL, with the [aws] account (its secret from its file) or, without an
// access key there, the one in the environment.
func channelPlaybackURL(ctx context.Context, a config.AWS) (string, error) {
	if a.ChannelARN == "" {
		return "", &usageError{"viewer export: give --playback-url URL, or --config FILE with [aws] channel_arn and the account to ask IVS"}
	}
	acct := ivs.Account{AccessKeyID: a.AccessKeyID, Region: a.AWSRegion(), Endpoint: a.Endpoint}
	if a.AccessKeyID == "" {
		acct.AccessKeyID, acct.SecretAccessKey = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
		acct.SessionToken = os.Getenv("AWS_SESSION_TOKEN")
	} else {
		s, err := a.Secret()
		if err != nil {
			return "", err
		}
		acct.SecretAccessKey = s
	}
	if err := acct.Check(a.ChannelARN); err != nil {
		return "", err
	}
	c := awsivs.NewFromConfig(aws.Config{Region: acct.Region,
		Credentials: credentials.NewStaticCredentialsProvider(acct.AccessKeyID, acct.SecretAccessKey, acct.SessionToken)},
		func(o *awsivs.Options) {
			if acct.Endpoint != "" {
				o.BaseEndpoint = aws.String(acct.Endpoint)
			}
		})
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ch, err := c.GetChannel(ctx, &awsivs.GetChannelInput{Arn: aws.String(a.ChannelARN)})
	if err != nil {
		return "", fmt.Errorf("viewer export: IVS GetChannel: %w", err)
	}
	if ch.Channel == nil || aws.ToString(ch.Channel.PlaybackUrl) == "" {
		return "", fmt.Errorf("viewer export: IVS GetChannel gave no playback URL for %s", a.ChannelARN)
	}
	return aws.ToString(ch.Channel.PlaybackUrl), nil
}
