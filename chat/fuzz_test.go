package chat

import (
	"testing"
)

// FuzzFrame feeds arbitrary server frames through parsing and the client's
// handling: nothing may panic, and the history stays bounded.
func FuzzFrame(f *testing.F) {
	f.Add([]byte(`{"Type":"MESSAGE","Id":"1","Content":"hi","SendTime":"2026-01-01T00:00:00Z","Sender":{"UserId":"u"}}`))
	f.Add([]byte(`{"Type":"EVENT","Id":"2","EventName":"aws:DELETE_MESSAGE","Attributes":{"MessageID":"1"}}`))
	f.Add([]byte(`{"Type":"ERROR","ErrorCode":429,"ErrorMessage":"slow down"}`))
	f.Add([]byte(`{"Type":"MESSAGE","Id":5}`))
	f.Add([]byte(`[]`))
	c := &Client{History: 50, seen: map[string]struct{}{}}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := ParseFrame(data)
		if err != nil {
			return
		}
		c.handle(fr)
		if len(c.Messages()) > 50 {
			t.Fatalf("history grew to %d", len(c.Messages()))
		}
	})
}
