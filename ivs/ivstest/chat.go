package ivstest

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// ChatTokenRequest is one CreateChatToken call the fake answered with a
// token.
type ChatTokenRequest struct {
	RoomIdentifier           string
	UserID                   string
	Capabilities             []string
	SessionDurationInMinutes int
	Attributes               map[string]string
	// Token is the token it was given.
	Token string
}

// ChatTokens returns the CreateChatToken calls that got a token, oldest
// first.
func (s *Server) ChatTokens() []ChatTokenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ChatTokenRequest(nil), s.tokens...)
}

// chatCapabilities are the capabilities IVS Chat knows.
var chatCapabilities = []string{"SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"}

// createChatToken checks a CreateChatToken call as IVS Chat would (the
// room, a user ID of 1 to 128 characters, known capabilities, a session
// of 1 to 180 minutes when given, attributes of at most 1 KB) and makes a
// token for it.
func (s *Server) createChatToken(in request) (any, *apiError) {
	invalid := func(msg string) (any, *apiError) {
		return nil, &apiError{http.StatusBadRequest, "ValidationException", msg}
	}
	if in.RoomIdentifier != s.RoomARN {
		return nil, notFound("room")
	}
	if n := len([]rune(in.UserID)); n < 1 || n > 128 {
		return invalid(fmt.Sprintf("userId must be 1 to 128 characters (got %d)", n))
	}
	for _, c := range in.Capabilities {
		if !slices.Contains(chatCapabilities, c) {
			return invalid("unknown capability " + c)
		}
	}
	if d := in.SessionDurationInMinutes; d != 0 && (d < 1 || d > 180) {
		return invalid(fmt.Sprintf("sessionDurationInMinutes must be 1 to 180 (got %d)", d))
	}
	size := 0
	for k, v := range in.Attributes {
		size += len(k) + len(v)
	}
	if size > 1024 {
		return invalid(fmt.Sprintf("attributes are %d bytes; at most 1024", size))
	}
	mins := in.SessionDurationInMinutes
	if mins == 0 {
		mins = 60
	}
	s.mu.Lock()
	s.nTok++
	r := ChatTokenRequest{RoomIdentifier: in.RoomIdentifier, UserID: in.UserID, Capabilities: in.Capabilities,
		SessionDurationInMinutes: in.SessionDurationInMinutes, Attributes: in.Attributes, Token: fmt.Sprintf("tok-%d", s.nTok)}
	s.tokens = append(s.tokens, r)
	s.mu.Unlock()
	now := time.Now().UTC()
	return map[string]any{"token": r.Token, "tokenExpirationTime": now.Add(time.Minute).Format(time.RFC3339),
		"sessionExpirationTime": now.Add(time.Duration(mins) * time.Minute).Format(time.RFC3339)}, nil
}
