//go:build ignore

// strip-dht copies a JPEG from stdin to stdout without its DHT (Huffman
// table) segments, as many UVC cameras send them.
package main

import (
	"io"
	"os"
)

func main() {
	b, err := io.ReadAll(os.Stdin)
	if err != nil || len(b) < 4 {
		os.Exit(1)
	}
	out := append([]byte(nil), b[:2]...)
	i := 2
	for i+4 <= len(b) && b[i] == 0xFF {
		m, n := b[i+1], int(b[i+2])<<8|int(b[i+3])
		if m != 0xC4 {
			out = append(out, b[i:i+2+n]...)
		}
		i += 2 + n
		if m == 0xDA {
			break
		}
	}
	out = append(out, b[i:]...)
	os.Stdout.Write(out)
}
