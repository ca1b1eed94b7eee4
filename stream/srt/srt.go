//go:build cgo

// Package srt publishes to SRT listeners (Amazon IVS's srt:// ingest, or
// any libsrt peer): H.264 and AAC in MPEG-TS, seven TS packets to an SRT
// live-mode payload, on libsrt through cgo (Debian: libsrt-openssl-dev).
// Builds without cgo get a stub whose Open says SRT is not in the build.
package srt

/*
#cgo pkg-config: srt
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <srt/srt.h>

static int pb_setint(SRTSOCKET s, SRT_SOCKOPT o, int v) { return srt_setsockflag(s, o, &v, sizeof v); }

// pb_connect opens a live-mode caller socket to ip:port. It returns the
// socket, or SRT_INVALID_SOCK with *err the libsrt error and *rej the
// rejection reason.
static SRTSOCKET pb_connect(const char *ip, int port, const char *sid, const char *pass,
		int latency, int pbkeylen, int conntimeo, int sndtimeo, int *err, int *rej) {
	struct sockaddr_storage ss;
	int len;
	memset(&ss, 0, sizeof ss);
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET; a4->sin_port = htons(port); len = sizeof *a4;
	} else if (inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6; a6->sin6_port = htons(port); len = sizeof *a6;
	} else {
		*err = SRT_EINVPARAM; *rej = 0;
		return SRT_INVALID_SOCK;
	}
	SRTSOCKET s = srt_create_socket();
	if (s == SRT_INVALID_SOCK) { *err = srt_getlasterror(NULL); *rej = 0; return s; }
	int ok = pb_setint(s, SRTO_TRANSTYPE, SRTT_LIVE) == 0 &&
		pb_setint(s, SRTO_LATENCY, latency) == 0 &&
		pb_setint(s, SRTO_CONNTIMEO, conntimeo) == 0 &&
		pb_setint(s, SRTO_SNDTIMEO, sndtimeo) == 0 &&
		(sid[0] == 0 || srt_setsockflag(s, SRTO_STREAMID, sid, strlen(sid)) == 0) &&
		(pass[0] == 0 || srt_setsockflag(s, SRTO_PASSPHRASE, pass, strlen(pass)) == 0) &&
		(pbkeylen == 0 || pb_setint(s, SRTO_PBKEYLEN, pbkeylen) == 0);
	if (!ok || srt_connect(s, (struct sockaddr *)&ss, len) == SRT_ERROR) {
		*err = srt_getlasterror(NULL);
		*rej = srt_getrejectreason(s);
		srt_close(s);
		return SRT_INVALID_SOCK;
	}
	return s;
}

// pb_send sends one payload; a negative result is minus libsrt's error.
static int pb_send(SRTSOCKET s, const char *b, int n) {
	int r = srt_sendmsg(s, b, n, -1, 1);
	return r == SRT_ERROR ? -srt_getlasterror(NULL) : r;
}

static const char *pb_strerror(int code) { return srt_strerror(code, 0); }

static void pb_startup(void) { srt_startup(); srt_setloglevel(2); } // LOG_CRIT: nothing from libsrt on stderr
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/stream"
	"github.com/pitchbox/pitchbox/stream/srturl"
)

// Available reports whether this build has SRT.
const Available = true

// Version is libsrt's version, as "1.5.1".
func Version() string {
	v := uint32(C.srt_getversion())
	return fmt.Sprintf("%d.%d.%d", v>>16, v>>8&0xFF, v&0xFF)
}

// Timeouts: connecting (libsrt's own default) and a blocked send.
const (
	connectTimeout = 3 * time.Second
	sendTimeout    = 5 * time.Second
)

var startup sync.Once

// Open implements stream.Destination: it connects as an SRT caller and
// returns a session that sends MPEG-TS.
func (d *SRT) Open(ctx context.Context, h stream.Header) (stream.Session, error) {
	if len(h.SPS) == 0 || len(h.PPS) == 0 {
		return nil, errors.New("srt: no SPS/PPS in the first keyframe")
	}
	s := &session{}
	s.end, s.stop = context.WithCancelCause(context.Background())
	m, err := newMuxer(h.AudioConfig, s.send)
	if err != nil {
		return nil, err
	}
	s.mux = m
	if s.sock, err = d.connect(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Probe connects and hangs up without sending media: it tells whether the
// listener is there and takes the stream id and passphrase.
func (d *SRT) Probe(ctx context.Context) error {
	sock, err := d.connect(ctx)
	if err != nil {
		return err
	}
	C.srt_close(sock)
	return nil
}

// params parses the URL, filling in the stream id from Key.
func (d *SRT) params() (*srturl.Params, error) {
	p, err := srturl.Parse(d.URL)
	if err != nil {
		return nil, errors.New("srt: the URL " + err.Error())
	}
	if p.StreamID == "" {
		p.StreamID = d.Key
	}
	return p, nil
}

// connect resolves the host and connects a caller socket.
func (d *SRT) connect(ctx context.Context) (C.SRTSOCKET, error) {
	p, err := d.params()
	if err != nil {
		return 0, err
	}
	host, port, _ := net.SplitHostPort(p.Addr)
	n, _ := strconv.Atoi(port)
	rctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(rctx, "ip", host)
	if err != nil {
		return 0, fmt.Errorf("srt: cannot reach %s: %w", p.Addr, err)
	}
	startup.Do(func() { C.pb_startup() })
	ip, sid, pass := C.CString(ips[0].Unmap().String()), C.CString(p.StreamID), C.CString(p.Passphrase)
	defer C.free(unsafe.Pointer(ip))
	defer C.free(unsafe.Pointer(sid))
	defer C.free(unsafe.Pointer(pass))
	var code, rej C.int
	sock := C.pb_connect(ip, C.int(n), sid, pass, C.int(p.Latency/time.Millisecond), C.int(p.PBKeyLen),
		C.int(connectTimeout/time.Millisecond), C.int(sendTimeout/time.Millisecond), &code, &rej)
	if sock < 0 { // SRT_INVALID_SOCK
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, connectError(p.Addr, int(code), int(rej))
	}
	return sock, nil
}

// connectError classifies a failed connection: the listener answering
// and refusing (wrong passphrase, stream id refused) is a RejectedError,
// retried slowly; no answer is an ordinary error.
func connectError(addr string, code, rej int) error {
	reason := C.GoString(C.srt_rejectreason_str(C.int(rej)))
	switch rej {
	case C.SRT_REJ_UNKNOWN, C.SRT_REJ_SYSTEM, C.SRT_REJ_RESOURCE, C.SRT_REJ_IPE, C.SRT_REJ_CLOSE, C.SRT_REJ_TIMEOUT:
		return fmt.Errorf("srt: cannot connect to %s: %s (%s)", addr, C.GoString(C.pb_strerror(C.int(code))), reason)
	case C.SRT_REJ_BADSECRET:
		return &stream.RejectedError{Reason: "SRT listener " + addr + " refused the passphrase (wrong passphrase)"}
	case C.SRT_REJ_UNSECURE:
		return &stream.RejectedError{Reason: "SRT listener " + addr + " refused the connection: the passphrase is required there, or not expected"}
	}
	return &stream.RejectedError{Reason: fmt.Sprintf("SRT listener %s refused the stream key or connection: %s (reason %d)", addr, reason, rej)}
}

// session is one SRT connection carrying MPEG-TS.
type session struct {
	sock C.SRTSOCKET
	mux  *muxer
	// end is done when the session ends; its cause is why (fail).
	end  context.Context
	stop context.CancelCauseFunc
}

// send is the muxer's output: one SRT live-mode message per chunk. The
// cgo call takes the slice in place: nothing is allocated.
func (s *session) send(b []byte) error {
	r := C.pb_send(s.sock, (*C.char)(unsafe.Pointer(&b[0])), C.int(len(b)))
	if r < 0 {
		err := fmt.Errorf("srt: connection lost: %s", C.GoString(C.pb_strerror(-r)))
		s.fail(err)
		return err
	}
	return nil
}

// WriteVideo implements stream.Session.
func (s *session) WriteVideo(p *encode.Packet, ts time.Duration) error {
	return s.mux.writeVideo(p.Data, ts, ts+p.PTS-p.DTS, p.Key)
}

// WriteAudio implements stream.Session.
func (s *session) WriteAudio(p *encode.Packet, ts time.Duration) error {
	return s.mux.writeAudio(p.Data, ts)
}

// fail ends the session with err, unless it has ended already.
func (s *session) fail(err error) { s.stop(err) }

// Done implements stream.Session: closed when a send fails or on Close.
func (s *session) Done() <-chan struct{} { return s.end.Done() }

// Err implements stream.Session: nil while the session lasts.
func (s *session) Err() error { return context.Cause(s.end) }

// Close implements stream.Session.
func (s *session) Close() error {
	s.fail(errors.New("srt: closed"))
	if C.srt_close(s.sock) < 0 { // SRT_ERROR
		return errors.New("srt: close: " + C.GoString(C.pb_strerror(C.srt_getlasterror(nil))))
	}
	return nil
}
