package ivs

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ivschat"
	"github.com/aws/aws-sdk-go-v2/service/ivschat/types"

	"github.com/pitchbox/pitchbox/chat"
)

// ChatTokens makes IVS Chat tokens with CreateChatToken for one room and
// user, able to send, delete and disconnect (the seller moderates). It
// implements chat.TokenSource.
type ChatTokens struct {
	client  *ivschat.Client
	roomARN string
	userID  string
	// SessionMinutes is the session length asked for (default 180, IVS's
	// longest).
	SessionMinutes int32
}

// NewChatTokens returns a token source for roomARN on account a (its
// Endpoint, if set, replaces the regional IVS Chat API endpoint).
func NewChatTokens(a Account, roomARN, userID string) *ChatTokens {
	c := ivschat.NewFromConfig(a.config(), func(o *ivschat.Options) {
		if a.Endpoint != "" {
			o.BaseEndpoint = aws.String(a.Endpoint)
		}
	})
	return &ChatTokens{client: c, roomARN: roomARN, userID: userID}
}

// Token implements chat.TokenSource.
func (c *ChatTokens) Token(ctx context.Context) (chat.Token, error) {
	mins := c.SessionMinutes
	if mins == 0 {
		mins = 180
	}
	out, err := c.client.CreateChatToken(ctx, &ivschat.CreateChatTokenInput{
		RoomIdentifier: aws.String(c.roomARN), UserId: aws.String(c.userID),
		Capabilities: []types.ChatTokenCapability{types.ChatTokenCapabilitySendMessage,
			types.ChatTokenCapabilityDeleteMessage, types.ChatTokenCapabilityDisconnectUser},
		SessionDurationInMinutes: aws.Int32(mins),
	})
	if err != nil {
		return chat.Token{}, apiError("CreateChatToken", err)
	}
	t := chat.Token{Value: aws.ToString(out.Token)}
	if out.SessionExpirationTime != nil {
		t.SessionExpires = *out.SessionExpirationTime
	}
	if t.Value == "" {
		return chat.Token{}, errors.New("ivs: CreateChatToken returned no token")
	}
	return t, nil
}
