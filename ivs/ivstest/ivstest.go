// Package ivstest is a local stand-in for the Amazon IVS API's GetChannel,
// ListStreamKeys and GetStreamKey, reached through aws-sdk-go-v2 with a
// custom BaseEndpoint. It checks that requests are SigV4-signed with the
// expected access key ID.
package ivstest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
)

// Server is a fake IVS API for one channel.
type Server struct {
	*httptest.Server
	AccessKeyID string
	ChannelARN  string
	Ingest      string // e.g. "abc.global-contribute.live-video.net"
	StreamKey   string
	// Calls counts requests.
	Calls atomic.Int64
}

// New starts a fake holding one channel with one stream key.
func New(accessKeyID, channelARN, ingest, streamKey string) *Server {
	s := &Server{AccessKeyID: accessKeyID, ChannelARN: channelARN, Ingest: ingest, StreamKey: streamKey}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.Calls.Add(1)
	fail := func(code int, typ, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-Errortype", typ)
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(map[string]string{"message": msg})
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
	default:
		fail(http.StatusNotFound, "UnknownOperationException", "unknown operation "+r.URL.Path)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}
