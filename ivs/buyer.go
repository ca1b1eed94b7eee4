package ivs

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ivschat"
	"github.com/aws/aws-sdk-go-v2/service/ivschat/types"
)

// BuyerToken is a single-use IVS Chat token for a buyer. Value is secret
// to everyone but that buyer.
type BuyerToken struct {
	Value          string
	TokenExpires   time.Time
	SessionExpires time.Time
}

// ChatRoom makes IVS Chat tokens for buyers in one room: they may send
// messages and nothing else (no deleting, no disconnecting). It is safe
// for concurrent use.
type ChatRoom struct {
	client  *ivschat.Client
	roomARN string
	// SessionMinutes is the session length asked for (default 60; IVS
	// allows 1 to 180).
	SessionMinutes int32
}

// NewChatRoom returns a buyers' token maker for roomARN on account a (its
// Endpoint, if set, replaces the regional IVS Chat API endpoint).
func NewChatRoom(a Account, roomARN string) (*ChatRoom, error) {
	var miss []string
	if a.AccessKeyID == "" || a.SecretAccessKey == "" {
		miss = append(miss, "AWS credentials")
	}
	if a.Region == "" {
		miss = append(miss, "region")
	}
	if !strings.HasPrefix(roomARN, "arn:") || !strings.Contains(roomARN, ":room/") {
		miss = append(miss, "room ARN (arn:aws:ivschat:REGION:ACCOUNT:room/ID)")
	}
	if len(miss) > 0 {
		return nil, errors.New("ivs: missing or invalid: " + strings.Join(miss, ", "))
	}
	c := ivschat.NewFromConfig(a.config(), func(o *ivschat.Options) {
		if a.Endpoint != "" {
			o.BaseEndpoint = aws.String(a.Endpoint)
		}
	})
	return &ChatRoom{client: c, roomARN: roomARN}, nil
}

// BuyerToken calls CreateChatToken for userID with attributes (such as
// displayName) and the SEND_MESSAGE capability only.
func (r *ChatRoom) BuyerToken(ctx context.Context, userID string, attributes map[string]string) (BuyerToken, error) {
	mins := r.SessionMinutes
	if mins == 0 {
		mins = 60
	}
	out, err := r.client.CreateChatToken(ctx, &ivschat.CreateChatTokenInput{
		RoomIdentifier: aws.String(r.roomARN), UserId: aws.String(userID),
		Capabilities:             []types.ChatTokenCapability{types.ChatTokenCapabilitySendMessage},
		SessionDurationInMinutes: aws.Int32(mins), Attributes: attributes,
	})
	if err != nil {
		return BuyerToken{}, apiError("CreateChatToken", err)
	}
	if aws.ToString(out.Token) == "" {
		return BuyerToken{}, errors.New("ivs: CreateChatToken returned no token")
	}
	return BuyerToken{Value: aws.ToString(out.Token), TokenExpires: aws.ToTime(out.TokenExpirationTime),
		SessionExpires: aws.ToTime(out.SessionExpirationTime)}, nil
}
