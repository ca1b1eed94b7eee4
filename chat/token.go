package chat

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Token is a single-use chat token and when its session ends.
type Token struct {
	Value          string
	SessionExpires time.Time
}

// TokenSource gives a fresh token for every connection.
type TokenSource interface {
	Token(ctx context.Context) (Token, error)
}

// URLTokens gets tokens from the seller's backend: a POST to URL answering
// {"token": "…", "sessionExpirationTime": "RFC 3339 time"}.
type URLTokens struct {
	URL    string
	Client *http.Client
}

// Token implements TokenSource.
func (u *URLTokens) Token(ctx context.Context) (Token, error) {
	c := u.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.URL, nil)
	if err != nil {
		return Token{}, fmt.Errorf("chat: token URL: %w", err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return Token{}, fmt.Errorf("chat: token URL: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return Token{}, fmt.Errorf("chat: token URL: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return Token{}, fmt.Errorf("chat: token URL answered %s", resp.Status)
	}
	var v struct {
		Token                 string    `json:"token"`
		SessionExpirationTime time.Time `json:"sessionExpirationTime"`
	}
	if err := json.Unmarshal(body, &v); err != nil || v.Token == "" {
		return Token{}, fmt.Errorf("chat: token URL answered no usable token (want {\"token\": …, \"sessionExpirationTime\": …})")
	}
	return Token{Value: v.Token, SessionExpires: v.SessionExpirationTime}, nil
}
