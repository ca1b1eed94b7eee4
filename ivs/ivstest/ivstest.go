// Package ivstest is a local stand-in for the Amazon IVS API's GetChannel,
// ListStreamKeys, GetStreamKey and GetStream, reached through
// aws-sdk-go-v2 with a custom BaseEndpoint. It checks that requests are
// SigV4-signed with the expected access key ID.
package ivstest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a fake IVS API for one channel.
type Server struct {
	*httptest.Server
	AccessKeyID string
	ChannelARN  string
	Ingest      string // e.g. "abc.global-contribute.live-video.net"
	StreamKey   string
	// Calls counts requests, StreamCalls the GetStream ones.
	Calls, StreamCalls atomic.Int64

	mu     sync.Mutex
	live   bool
	count  int64
	health string
	start  time.Time
}

// SetLive makes the channel broadcast: GetStream answers LIVE with
// viewers and health (HEALTHY, STARVING or UNKNOWN).
func (s *Server) SetLive(viewers int64, health string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.live {
		s.start = time.Now().UTC().Truncate(time.Second)
	}
	s.live, s.count, s.health = true, viewers, health
}

// SetOffAir ends the broadcast: GetStream answers ChannelNotBroadcasting,
// as it does before the first SetLive.
func (s *Server) SetOffAir() {
	s.mu.Lock()
	s.live = false
	s.mu.Unlock()
}

// stream is GetStream's answer, nil when the channel is off air.
func (s *Server) stream() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.live {
		return nil
	}
	id := s.ChannelARN[strings.LastIndex(s.ChannelARN, "/")+1:]
	return map[string]any{"stream": map[string]any{"channelArn": s.ChannelARN, "health": s.health, "state": "LIVE",
		"viewerCount": s.count, "startTime": s.start.Format(time.RFC3339), "playbackUrl": "https://example.invalid/p.m3u8",
		"streamId": "st-" + id}}
}

// New starts a fake holding one channel with one stream key.
func New(accessKeyID, channelARN, ingest, streamKey string) *Server {
	s := &Server{AccessKeyID: accessKeyID, ChannelARN: channelARN, Ingest: ingest, StreamKey: streamKey}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// serve answers one API call as IVS would.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.Calls.Add(1)
	fail := func(code int, typ, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-Errortype", typ)
		w.WriteHeader(code)
		// IVS names the text exceptionMessage; the SDK reads message.
		json.NewEncoder(w).Encode(map[string]string{"message": msg, "exceptionMessage": msg})
	}
	if !strings.Contains(r.Header.Get("Authorization"), "Credential="+s.AccessKeyID+"/") {
		fail(http.StatusForbidden, "AccessDeniedException", "The security token included in the request is invalid.")
		return
	}
	var in map[string]string
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || r.Method != http.MethodPost {
		fail(http.StatusBadRequest, "ValidationException", "bad request")
		return
	}
	keyARN := strings.Replace(s.ChannelARN, ":channel/", ":stream-key/", 1)
	var out any
	switch r.URL.Path {
	case "/GetChannel":
		if in["arn"] != s.ChannelARN {
			fail(http.StatusNotFound, "ResourceNotFoundException", "channel not found")
			return
		}
		out = map[string]any{"channel": map[string]any{"arn": s.ChannelARN, "name": "shop", "ingestEndpoint": s.Ingest, "playbackUrl": "https://example.invalid/p.m3u8"}}
	case "/ListStreamKeys":
		if in["channelArn"] != s.ChannelARN {
			fail(http.StatusNotFound, "ResourceNotFoundException", "channel not found")
			return
		}
		out = map[string]any{"streamKeys": []any{map[string]any{"arn": keyARN, "channelArn": s.ChannelARN}}}
	case "/GetStreamKey":
		if in["arn"] != keyARN {
			fail(http.StatusNotFound, "ResourceNotFoundException", "stream key not found")
			return
		}
		out = map[string]any{"streamKey": map[string]any{"arn": keyARN, "channelArn": s.ChannelARN, "value": s.StreamKey}}
	case "/GetStream":
		s.StreamCalls.Add(1)
		if in["channelArn"] != s.ChannelARN {
			fail(http.StatusNotFound, "ResourceNotFoundException", "channel not found")
			return
		}
		if out = s.stream(); out == nil {
			fail(http.StatusNotFound, "ChannelNotBroadcasting", "The stream is offline for the given channel ARN.")
			return
		}
	default:
		fail(http.StatusNotFound, "UnknownOperationException", "unknown operation "+r.URL.Path)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}
