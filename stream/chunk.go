package stream

import (
	"encoding/binary"
	"errors"
	"time"
)

// chunkSize is the RTMP chunk size announced to the server (SetChunkSize)
// and used for every message pitchbox sends.
const chunkSize = 65536

// RTMP message types of the media messages (RTMP 1.0, 7.1).
const (
	typeAudio = 8
	typeVideo = 9
)

// Chunk stream ids of the media messages, those gortmplib uses.
const (
	audioCSID = 4
	videoCSID = 6
)

// maxTimestamp is the largest timestamp a chunk header holds; larger ones
// go in the extended timestamp field.
const maxTimestamp = 0xFFFFFF

var errMessageTooLarge = errors.New("stream: media message larger than RTMP's 16 MiB")

// appendMessage appends body as one RTMP message in chunks to b: a type 0
// chunk (full header, so it does not depend on what was sent before on
// the chunk stream), then type 3 continuation chunks every chunkSize
// bytes. It is the media path's replacement for gortmplib's writer, which
// allocates several objects per message; appendMessage allocates nothing
// once b has grown to the largest message.
func appendMessage(b []byte, csid, typ byte, ts time.Duration, body []byte) ([]byte, error) {
	if len(body) > 0xFFFFFF {
		return b, errMessageTooLarge
	}
	ms := uint32(ts / time.Millisecond)
	ext := ms >= maxTimestamp
	field := min(ms, maxTimestamp)
	n := len(body)
	b = append(b, csid, // fmt 0, chunk stream id 2..63
		byte(field>>16), byte(field>>8), byte(field),
		byte(n>>16), byte(n>>8), byte(n), typ,
		1, 0, 0, 0) // message stream 1, little endian
	if ext {
		b = binary.BigEndian.AppendUint32(b, ms)
	}
	for {
		k := min(len(body), chunkSize)
		b = append(b, body[:k]...)
		body = body[k:]
		if len(body) == 0 {
			return b, nil
		}
		b = append(b, 0xC0|csid) // fmt 3: same message continues
		if ext {
			b = binary.BigEndian.AppendUint32(b, ms)
		}
	}
}
