// Package chat is an Amazon IVS Chat messaging client: it connects to a
// room with single-use tokens (from AWS CreateChatToken or the seller's own
// backend), keeps the connection up — reconnecting with backoff and a fresh
// token, renewing ahead of session expiry with no gap — and keeps the recent
// messages, with deleted ones removed, for the display and the panel.
package chat

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Message is a chat message.
type Message struct {
	ID         string            `json:"Id"`
	RequestID  string            `json:"RequestId,omitempty"`
	Content    string            `json:"Content"`
	Attributes map[string]string `json:"Attributes,omitempty"`
	SendTime   time.Time         `json:"SendTime"`
	Sender     Sender            `json:"Sender"`
}

// Sender is who sent a message.
type Sender struct {
	UserID     string            `json:"UserId"`
	Attributes map[string]string `json:"Attributes,omitempty"`
}

// Event is a room event such as aws:DELETE_MESSAGE.
type Event struct {
	ID         string            `json:"Id"`
	RequestID  string            `json:"RequestId,omitempty"`
	Name       string            `json:"EventName"`
	Attributes map[string]string `json:"Attributes,omitempty"`
	SendTime   time.Time         `json:"SendTime"`
}

// Error is an error the server reported.
type Error struct {
	ID        string `json:"Id"`
	RequestID string `json:"RequestId,omitempty"`
	Code      int    `json:"ErrorCode"`
	Message   string `json:"ErrorMessage"`
}

func (e *Error) Error() string { return fmt.Sprintf("chat: server error %d: %s", e.Code, e.Message) }

// Frame is one decoded server frame: exactly one of the fields is set.
type Frame struct {
	Message *Message
	Event   *Event
	Error   *Error
}

// MaxFrame bounds a frame's size; the room's messages are at most a few KB.
const MaxFrame = 64 << 10

// ParseFrame decodes a server frame. It never panics; anything that is not
// a well-formed MESSAGE, EVENT or ERROR is an error saying what is wrong.
func ParseFrame(data []byte) (Frame, error) {
	if len(data) > MaxFrame {
		return Frame{}, fmt.Errorf("chat: frame of %d bytes (at most %d)", len(data), MaxFrame)
	}
	var head struct{ Type string }
	if err := json.Unmarshal(data, &head); err != nil {
		return Frame{}, fmt.Errorf("chat: frame is not JSON: %w", err)
	}
	switch head.Type {
	case "MESSAGE":
		var m Message
		if err := json.Unmarshal(data, &m); err != nil {
			return Frame{}, fmt.Errorf("chat: bad MESSAGE: %w", err)
		}
		if m.ID == "" {
			return Frame{}, errors.New("chat: MESSAGE without Id")
		}
		return Frame{Message: &m}, nil
	case "EVENT":
		var e Event
		if err := json.Unmarshal(data, &e); err != nil {
			return Frame{}, fmt.Errorf("chat: bad EVENT: %w", err)
		}
		if e.Name == "" {
			return Frame{}, errors.New("chat: EVENT without EventName")
		}
		return Frame{Event: &e}, nil
	case "ERROR":
		var e Error
		if err := json.Unmarshal(data, &e); err != nil {
			return Frame{}, fmt.Errorf("chat: bad ERROR: %w", err)
		}
		return Frame{Error: &e}, nil
	}
	return Frame{}, fmt.Errorf("chat: unknown frame type %q (known: MESSAGE, EVENT, ERROR)", head.Type)
}

// DeletedID returns the message id of an aws:DELETE_MESSAGE event; older
// servers spell the attribute MessageID.
func (e *Event) DeletedID() string {
	if id := e.Attributes["MessageId"]; id != "" {
		return id
	}
	return e.Attributes["MessageID"]
}

// Requests the client sends.
type sendRequest struct {
	Action     string            `json:"Action"`
	RequestID  string            `json:"RequestId"`
	Content    string            `json:"Content,omitempty"`
	Attributes map[string]string `json:"Attributes,omitempty"`
	ID         string            `json:"Id,omitempty"`
	UserID     string            `json:"UserId,omitempty"`
	Reason     string            `json:"Reason,omitempty"`
}
