// Package ivstest is a local stand-in for the Amazon IVS API's GetChannel,
// ListStreamKeys, GetStreamKey, GetStream and PutMetadata, and for the
// IVS Chat API's CreateChatToken, reached through aws-sdk-go-v2 with a
// custom BaseEndpoint. It checks that requests are SigV4-signed with the
// expected access key ID, enforces IVS's limits (PutMetadata: 1 KB, 5
// calls a second per channel, only while live) and records what it got.
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
	// SRTEndpoint and SRTPassphrase are the channel's SRT ingest
	// (New sets them from Ingest; SRTEndpoint "" answers without one).
	SRTEndpoint, SRTPassphrase string
	// RoomARN is the one IVS Chat room CreateChatToken knows (New sets
	// arn:aws:ivschat:REGION:ACCOUNT:room/ID from the channel's ARN).
	RoomARN string
	// Now is the clock PutMetadata's rate limit reads (nil: time.Now).
	// Set it before the first call.
	Now func() time.Time
	// Calls counts requests, StreamCalls the GetStream ones.
	Calls, StreamCalls atomic.Int64

	mu     sync.Mutex
	live   bool
	count  int64
	health string
	start  time.Time
	puts   []Put
	putAt  []time.Time // accepted PutMetadata calls in the last second
	tokens []ChatTokenRequest
	nTok   int
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

// New starts a fake holding one channel with one stream key, and one chat
// room.
func New(accessKeyID, channelARN, ingest, streamKey string) *Server {
	s := &Server{AccessKeyID: accessKeyID, ChannelARN: channelARN, Ingest: ingest, StreamKey: streamKey,
		SRTEndpoint: strings.Replace(ingest, "global-contribute", "srt", 1), SRTPassphrase: "ivstestSRTpassphrase0123456789"}
	if f := strings.SplitN(channelARN, ":", 6); len(f) == 6 {
		s.RoomARN = "arn:aws:ivschat:" + f[3] + ":" + f[4] + ":room/" + f[5][strings.LastIndex(f[5], "/")+1:]
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// apiError is an error answer as IVS gives it.
type apiError struct {
	code      int
	typ, text string
}

// fail writes e.
func fail(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", e.typ)
	w.WriteHeader(e.code)
	// IVS names the text exceptionMessage; the SDK reads message.
	json.NewEncoder(w).Encode(map[string]string{"message": e.text, "exceptionMessage": e.text})
}

// notFound is ResourceNotFoundException for what.
func notFound(what string) *apiError {
	return &apiError{http.StatusNotFound, "ResourceNotFoundException", what + " not found"}
}

// request is the union of the JSON bodies the fake takes.
type request struct {
	Arn                      string            `json:"arn"`
	ChannelArn               string            `json:"channelArn"`
	Metadata                 *string           `json:"metadata"`
	RoomIdentifier           string            `json:"roomIdentifier"`
	UserID                   string            `json:"userId"`
	Capabilities             []string          `json:"capabilities"`
	SessionDurationInMinutes int               `json:"sessionDurationInMinutes"`
	Attributes               map[string]string `json:"attributes"`
}

// serve answers one API call as IVS would.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.Calls.Add(1)
	if !strings.Contains(r.Header.Get("Authorization"), "Credential="+s.AccessKeyID+"/") {
		fail(w, &apiError{http.StatusForbidden, "AccessDeniedException", "The security token included in the request is invalid."})
		return
	}
	var in request
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || r.Method != http.MethodPost {
		fail(w, &apiError{http.StatusBadRequest, "ValidationException", "bad request"})
		return
	}
	var out any
	var e *apiError
	switch r.URL.Path {
	case "/GetChannel", "/ListStreamKeys", "/GetStreamKey":
		out, e = s.keys(r.URL.Path, in)
	case "/GetStream":
		s.StreamCalls.Add(1)
		if in.ChannelArn != s.ChannelARN {
			e = notFound("channel")
		} else if out = s.stream(); out == nil {
			e = &apiError{http.StatusNotFound, "ChannelNotBroadcasting", "The stream is offline for the given channel ARN."}
		}
	case "/PutMetadata":
		if e = s.putMetadata(in); e == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
	case "/CreateChatToken":
		out, e = s.createChatToken(in)
	default:
		e = &apiError{http.StatusNotFound, "UnknownOperationException", "unknown operation " + r.URL.Path}
	}
	if e != nil {
		fail(w, e)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// keys answers GetChannel, ListStreamKeys and GetStreamKey.
func (s *Server) keys(op string, in request) (any, *apiError) {
	keyARN := strings.Replace(s.ChannelARN, ":channel/", ":stream-key/", 1)
	switch {
	case op == "/GetChannel" && in.Arn == s.ChannelARN:
		ch := map[string]any{"arn": s.ChannelARN, "name": "shop", "ingestEndpoint": s.Ingest, "playbackUrl": "https://example.invalid/p.m3u8"}
		if s.SRTEndpoint != "" {
			ch["srt"] = map[string]any{"endpoint": s.SRTEndpoint, "passphrase": s.SRTPassphrase}
		}
		return map[string]any{"channel": ch}, nil
	case op == "/ListStreamKeys" && in.ChannelArn == s.ChannelARN:
		return map[string]any{"streamKeys": []any{map[string]any{"arn": keyARN, "channelArn": s.ChannelARN}}}, nil
	case op == "/GetStreamKey" && in.Arn == keyARN:
		return map[string]any{"streamKey": map[string]any{"arn": keyARN, "channelArn": s.ChannelARN, "value": s.StreamKey}}, nil
	case op == "/GetStreamKey":
		return nil, notFound("stream key")
	}
	return nil, notFound("channel")
}
