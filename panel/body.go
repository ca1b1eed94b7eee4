package panel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// Limits on request bodies, checked before anything is decoded.
const (
	// maxBody bounds request bodies of the API.
	maxBody = 64 << 10
	// maxDepth bounds how deeply JSON objects and arrays nest: the
	// configuration nests three deep; more is never a real request.
	maxDepth = 16
	// maxErrorLen bounds an error message sent back.
	maxErrorLen = 2000
)

// readBody reads a request body of at most maxBody bytes whose JSON nests
// at most maxDepth deep.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("panel: request body: %v", err)
	}
	if len(b) > maxBody {
		return nil, fmt.Errorf("panel: request body over %d bytes", maxBody)
	}
	if d := jsonDepth(b); d > maxDepth {
		return nil, fmt.Errorf("panel: request body nests %d deep or more (allowed: at most %d)", maxDepth+1, maxDepth)
	}
	return b, nil
}

// jsonDepth is how deeply b's arrays and objects nest, counted without
// decoding (and without going further once maxDepth is passed).
func jsonDepth(b []byte) int {
	depth, deepest := 0, 0
	inString, escaped := false, false
	for _, c := range b {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			if deepest = max(deepest, depth); deepest > maxDepth {
				return deepest
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

// readJSON decodes a request body into v: known fields only, within the
// size and depth limits.
func readJSON(r *http.Request, v any) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("panel: request body: %v (want a JSON object with the documented fields, at most %d bytes)", err, maxBody)
	}
	return nil
}

// bounded cuts a message to maxErrorLen bytes.
func bounded(msg string) string {
	if len(msg) <= maxErrorLen {
		return msg
	}
	cut := maxErrorLen
	for cut > 0 && msg[cut]&0xC0 == 0x80 { // not inside a UTF-8 sequence
		cut--
	}
	return msg[:cut] + fmt.Sprintf("… (%d more bytes)", len(msg)-cut)
}
