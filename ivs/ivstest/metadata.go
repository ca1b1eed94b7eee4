package ivstest

import (
	"fmt"
	"net/http"
	"time"
)

// MaxMetadata and MetadataRate are IVS's PutMetadata limits: 1 KB a call,
// 5 calls a second per channel.
const (
	MaxMetadata  = 1024
	MetadataRate = 5
)

// Put is one PutMetadata call the fake got.
type Put struct {
	At       time.Time
	Metadata string
	// Error is the exception it answered ("" when it accepted the call):
	// ValidationException, ResourceNotFoundException, ThrottlingException
	// or ChannelNotBroadcasting.
	Error string
}

// Puts returns the PutMetadata calls so far, oldest first.
func (s *Server) Puts() []Put {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Put(nil), s.puts...)
}

// Metadata returns the payloads PutMetadata accepted, oldest first.
func (s *Server) Metadata() []string {
	var m []string
	for _, p := range s.Puts() {
		if p.Error == "" {
			m = append(m, p.Metadata)
		}
	}
	return m
}

// putMetadata checks and records one PutMetadata call as IVS would: the
// payload (1 to 1024 bytes), the channel, the rate (at most 5 accepted
// calls in any second) and whether the channel is live.
func (s *Server) putMetadata(in request) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	p := Put{At: now}
	var e *apiError
	switch {
	case in.Metadata == nil || len(*in.Metadata) == 0 || len(*in.Metadata) > MaxMetadata:
		n := 0
		if in.Metadata != nil {
			n, p.Metadata = len(*in.Metadata), *in.Metadata
		}
		e = &apiError{http.StatusBadRequest, "ValidationException", fmt.Sprintf("metadata must be 1 to %d bytes (got %d)", MaxMetadata, n)}
	case in.ChannelArn != s.ChannelARN:
		p.Metadata, e = *in.Metadata, notFound("channel")
	case !s.admit(now):
		p.Metadata, e = *in.Metadata, &apiError{http.StatusTooManyRequests, "ThrottlingException", "Request rate exceeded: at most 5 PutMetadata calls a second per channel"}
	case !s.live:
		p.Metadata, e = *in.Metadata, &apiError{http.StatusNotFound, "ChannelNotBroadcasting", "The stream is offline for the given channel ARN."}
	default:
		p.Metadata = *in.Metadata
	}
	if e != nil {
		p.Error = e.typ
	}
	s.puts = append(s.puts, p)
	return e
}

// admit reports whether a call at now is within the rate, counting it if
// so. s.mu is held.
func (s *Server) admit(now time.Time) bool {
	for len(s.putAt) > 0 && now.Sub(s.putAt[0]) >= time.Second {
		s.putAt = s.putAt[1:]
	}
	if len(s.putAt) >= MetadataRate {
		return false
	}
	s.putAt = append(s.putAt, now)
	return true
}
