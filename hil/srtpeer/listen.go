//go:build cgo

// Package srtpeer is an SRT listener for the rig's tests: it accepts
// callers on a UDP port with a passphrase and counts what arrives, so a
// test can see a box's SRT stream survive a lossy link (netem in the VM).
// It is libsrt through cgo, as the box's publisher is.
package srtpeer

/*
#cgo pkg-config: srt
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <srt/srt.h>

static int pbl_setint(SRTSOCKET s, SRT_SOCKOPT o, int v) { return srt_setsockflag(s, o, &v, sizeof v); }

// pbl_listen opens a live-mode listener on 127.0.0.1:port.
static SRTSOCKET pbl_listen(int port, const char *pass, int latency) {
	srt_startup();
	srt_setloglevel(2);
	SRTSOCKET s = srt_create_socket();
	if (s == SRT_INVALID_SOCK) return s;
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (pbl_setint(s, SRTO_TRANSTYPE, SRTT_LIVE) != 0 || pbl_setint(s, SRTO_LATENCY, latency) != 0 ||
			srt_setsockflag(s, SRTO_PASSPHRASE, pass, strlen(pass)) != 0 ||
			srt_bind(s, (struct sockaddr *)&a, sizeof a) != 0 || srt_listen(s, 1) != 0) {
		srt_close(s);
		return SRT_INVALID_SOCK;
	}
	return s;
}

static SRTSOCKET pbl_accept(SRTSOCKET l) { return srt_accept(l, NULL, NULL); }

// pbl_recv reads one message; 0 when the peer is gone or the socket closed.
static int pbl_recv(SRTSOCKET s, char *b, int n) {
	int r = srt_recvmsg(s, b, n);
	return r == SRT_ERROR ? 0 : r;
}

// pbl_lost is the receiver's count of packets lost for good (not
// recovered by retransmission in time).
static long long pbl_lost(SRTSOCKET s) {
	SRT_TRACEBSTATS st;
	if (srt_bstats(s, &st, 0) != 0) return -1;
	return st.pktRcvDropTotal;
}

static long long pbl_retrans(SRTSOCKET s) {
	SRT_TRACEBSTATS st;
	if (srt_bstats(s, &st, 0) != 0) return -1;
	return st.pktRcvLossTotal;
}
*/
import "C"

import (
	"errors"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Available reports whether this build has the listener.
const Available = true

// invalidSock is libsrt's SRT_INVALID_SOCK (an extern cgo cannot link).
const invalidSock C.SRTSOCKET = -1

// Stats is what one listener received.
type Stats struct {
	// Connections counts callers accepted; Bytes and Messages what they
	// sent.
	Connections, Messages, Bytes int64
	// Lost counts packets the link lost that SRT recovered by
	// retransmission; Dropped those it could not recover in time.
	Lost, Dropped int64
}

// Listener accepts callers one after another and reads until each goes.
type Listener struct {
	sock    C.SRTSOCKET
	mu      sync.Mutex
	conn    C.SRTSOCKET // the caller being read, or SRT_INVALID_SOCK
	closed  bool
	done    chan struct{}
	conns   atomic.Int64
	msgs    atomic.Int64
	bytes   atomic.Int64
	lost    atomic.Int64
	dropped atomic.Int64
}

// Listen listens on 127.0.0.1:port for live-mode callers with passphrase.
func Listen(port int, passphrase string, latencyMS int) (*Listener, error) {
	p := C.CString(passphrase)
	defer C.free(unsafe.Pointer(p))
	s := C.pbl_listen(C.int(port), p, C.int(latencyMS))
	if s == invalidSock {
		return nil, errors.New("srtpeer: cannot listen: " + C.GoString(C.srt_getlasterror_str()))
	}
	l := &Listener{sock: s, conn: invalidSock, done: make(chan struct{})}
	go l.run()
	return l, nil
}

// run accepts and reads callers until Close.
func (l *Listener) run() {
	defer close(l.done)
	buf := (*C.char)(C.malloc(1500))
	defer C.free(unsafe.Pointer(buf))
	for {
		c := C.pbl_accept(l.sock)
		if c == invalidSock {
			return // the listener was closed
		}
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			C.srt_close(c)
			return
		}
		l.conn = c
		l.mu.Unlock()
		l.conns.Add(1)
		for n := C.pbl_recv(c, buf, 1500); n > 0; n = C.pbl_recv(c, buf, 1500) {
			l.msgs.Add(1)
			l.bytes.Add(int64(n))
		}
		l.mu.Lock()
		if !l.closed { // Close closed c: its counts are gone
			l.lost.Add(max(int64(C.pbl_retrans(c)), 0))
			l.dropped.Add(max(int64(C.pbl_lost(c)), 0))
		}
		l.conn = invalidSock
		l.mu.Unlock()
		C.srt_close(c)
	}
}

// Stats returns the counts so far (Lost and Dropped of the current
// caller too).
func (l *Listener) Stats() Stats {
	st := Stats{Connections: l.conns.Load(), Messages: l.msgs.Load(), Bytes: l.bytes.Load(),
		Lost: l.lost.Load(), Dropped: l.dropped.Load()}
	l.mu.Lock()
	if l.conn != invalidSock && !l.closed {
		st.Lost += max(int64(C.pbl_retrans(l.conn)), 0)
		st.Dropped += max(int64(C.pbl_lost(l.conn)), 0)
	}
	l.mu.Unlock()
	return st
}

// Close stops listening and reading, and waits for the reader.
func (l *Listener) Close() {
	l.mu.Lock()
	l.closed = true
	if l.conn != invalidSock {
		C.srt_close(l.conn)
	}
	l.mu.Unlock()
	C.srt_close(l.sock)
	<-l.done
}
