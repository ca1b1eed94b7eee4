package box

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/pitchbox/pitchbox/chat"
	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/ivs"
)

// ErrNoChat is returned by chat actions when no room is configured.
var ErrNoChat = errors.New("box: no chat room configured ([chat] room_arn or token_url)")

// newChat makes the chat client the config asks for, or nil.
func newChat(c config.Chat, acct config.AWS, log *slog.Logger) (*chat.Client, error) {
	if !c.Enabled() {
		return nil, nil
	}
	endpoint := c.Endpoint
	if endpoint == "" {
		if c.ChatRegion() == "" {
			return nil, &config.Error{Key: "chat.region", Msg: "must be set with token_url (or set chat.endpoint)"}
		}
		endpoint = chat.Endpoint(c.ChatRegion())
	}
	var tokens chat.TokenSource
	if c.TokenURL != "" {
		tokens = &chat.URLTokens{URL: c.TokenURL}
	} else {
		id, secret, session := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")
		if (id == "" || secret == "") && acct.AccessKeyID != "" {
			// The account saved from the panel's Destination page.
			s, err := acct.Secret()
			if err != nil {
				return nil, err
			}
			id, secret, session = acct.AccessKeyID, s, ""
		}
		if id == "" || secret == "" {
			return nil, &config.Error{Key: "chat.room_arn", Msg: "needs AWS credentials: [aws] access_key_id and secret_access_key_file, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or use chat.token_url)"}
		}
		tokens = ivs.NewChatTokens(ivs.Account{AccessKeyID: id, SecretAccessKey: secret,
			SessionToken: session, Region: c.ChatRegion()}, c.RoomARN, c.UserID)
	}
	return &chat.Client{Endpoint: endpoint, Tokens: tokens, Logger: log}, nil
}

// chatClient is the running pipeline's chat client, or an error saying
// why there is none.
func (b *Box) chatClient() (*chat.Client, error) {
	p, err := b.current()
	if err != nil {
		return nil, err
	}
	if p.chat == nil {
		return nil, ErrNoChat
	}
	return p.chat, nil
}

// ChatMessages returns the room's recent messages.
func (b *Box) ChatMessages() ([]chat.Message, error) {
	c, err := b.chatClient()
	if err != nil {
		return nil, err
	}
	return c.Messages(), nil
}

// ChatSend posts a message as the seller.
func (b *Box) ChatSend(ctx context.Context, content string) error {
	c, err := b.chatClient()
	if err != nil {
		return err
	}
	return c.Send(ctx, content, nil)
}

// ChatDelete removes a message for everyone.
func (b *Box) ChatDelete(ctx context.Context, id, reason string) error {
	c, err := b.chatClient()
	if err != nil {
		return err
	}
	return c.Delete(ctx, id, reason)
}

// ChatDisconnect disconnects a buyer from the room.
func (b *Box) ChatDisconnect(ctx context.Context, userID, reason string) error {
	c, err := b.chatClient()
	if err != nil {
		return err
	}
	return c.DisconnectUser(ctx, userID, reason)
}
