package stream

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/bluenviron/gortmplib"
	"github.com/bluenviron/gortmplib/pkg/amf0"
	"github.com/bluenviron/gortmplib/pkg/bytecounter"
	"github.com/bluenviron/gortmplib/pkg/codecs"
	"github.com/bluenviron/gortmplib/pkg/handshake"
	"github.com/bluenviron/gortmplib/pkg/message"

	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/encode/h264"
)

// msid is the message stream id of the published stream as gortmplib
// encodes it (stream 1).
const msid = 0x1000000

// ioTimeout bounds every network step, so a dead link is noticed.
const ioTimeout = 10 * time.Second

// RTMP publishes to rtmp:// or rtmps:// URLs of the form
// scheme://host[:port]/app/streamkey.
type RTMP struct {
	// URL includes the stream key as its last path element: a secret.
	URL string
	// TLS is used for rtmps (nil: the system's roots).
	TLS *tls.Config
}

// String implements Destination with the stream key masked.
func (r *RTMP) String() string { return Redact(r.URL) }

// Redact masks the stream key (the last path element) of a publish URL.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(invalid URL)"
	}
	app, key := splitPath(u)
	s := u.Scheme + "://" + u.Host + "/" + app
	if key != "" {
		s += "/****"
	}
	return s
}

func splitPath(u *url.URL) (app, key string) {
	p := strings.Trim(u.Path, "/")
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return p, ""
	}
	key = p[i+1:]
	if u.RawQuery != "" {
		key += "?" + u.RawQuery
	}
	return p[:i], key
}

// Open implements Destination.
func (r *RTMP) Open(ctx context.Context, h Header) (Session, error) {
	return r.open(ctx, &h)
}

// Probe connects and asks to publish, as Open does, then hangs up without
// sending media: it tells whether the server, the TLS certificate and the
// stream key are accepted. The error is a RejectedError when they are not.
func (r *RTMP) Probe(ctx context.Context) error {
	s, err := r.open(ctx, nil)
	if err != nil {
		return err
	}
	return s.Close()
}

func (r *RTMP) open(ctx context.Context, h *Header) (*rtmpConn, error) {
	var tracks []*gortmplib.Track
	if h != nil {
		var err error
		if tracks, err = rtmpTracks(h); err != nil {
			return nil, err
		}
	}
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "rtmp" && u.Scheme != "rtmps") || u.Host == "" {
		return nil, &RejectedError{Reason: "the URL is not rtmp://HOST/APP/KEY or rtmps://HOST/APP/KEY"}
	}
	app, key := splitPath(u)
	if app == "" || key == "" {
		return nil, &RejectedError{Reason: "the URL needs an app and a stream key: " + Redact(r.URL)}
	}
	host := u.Host
	if u.Port() == "" {
		if u.Scheme == "rtmps" {
			host = net.JoinHostPort(u.Hostname(), "443")
		} else {
			host = net.JoinHostPort(u.Hostname(), "1935")
		}
	}
	dctx, cancel := context.WithTimeout(ctx, ioTimeout)
	defer cancel()
	nc, err := (&net.Dialer{}).DialContext(dctx, "tcp", host)
	if err != nil {
		return nil, fmt.Errorf("stream: cannot reach %s: %w", host, err)
	}
	if u.Scheme == "rtmps" {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if r.TLS != nil {
			cfg = r.TLS.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(dctx); err != nil {
			nc.Close()
			var cv *tls.CertificateVerificationError
			if errors.As(err, &cv) {
				return nil, &RejectedError{Reason: "TLS certificate of " + host + " is not trusted: " + cv.Err.Error()}
			}
			return nil, fmt.Errorf("stream: TLS with %s: %w", host, err)
		}
		nc = tc
	}
	c := &rtmpConn{nc: nc, key: key, readerDone: make(chan struct{})}
	c.end, c.stop = context.WithCancelCause(context.Background())
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	if err := c.publish(u.Scheme+"://"+u.Host+"/"+app, app, key, tracks); err != nil {
		nc.Close()
		return nil, redactErr(err, key)
	}
	go c.readLoop()
	return c, nil
}

// redactErr makes sure no error text carries the stream key.
func redactErr(err error, key string) error {
	if key == "" || !strings.Contains(err.Error(), key) {
		return err
	}
	msg := strings.ReplaceAll(err.Error(), key, "****")
	if IsRejected(err) {
		return &RejectedError{Reason: strings.TrimPrefix(msg, "stream: refused by the server: ")}
	}
	return errors.New(msg)
}

type rtmpConn struct {
	nc  net.Conn
	bc  *bytecounter.ReadWriter
	r   *message.Reader
	key string

	wmu sync.Mutex // guards w and out: the read loop answers pings and acks
	w   *message.Writer
	out []byte // the media message being sent, in chunks

	body []byte // the media message's FLV tag body (publisher goroutine only)

	// end is done when the session ends; its cause is why (fail).
	end        context.Context
	stop       context.CancelCauseFunc
	readerDone chan struct{}
}

func (c *rtmpConn) write(m message.Message) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.nc.SetWriteDeadline(time.Now().Add(ioTimeout))
	return c.w.Write(m)
}

// BytesReceived, BytesSent, Read and Write make rtmpConn a gortmplib.Conn,
// so gortmplib.Writer can send the stream headers.
func (c *rtmpConn) BytesReceived() uint64 { return c.bc.Reader.Count() }
func (c *rtmpConn) BytesSent() uint64     { return c.bc.Writer.Count() }
func (c *rtmpConn) Read() (message.Message, error) {
	return c.r.Read()
}
func (c *rtmpConn) Write(m message.Message) error { return c.write(m) }

// rtmpTracks checks h and makes the tracks whose metadata and sequence
// headers gortmplib sends: H.264, and AAC as the encoder configured it.
func rtmpTracks(h *Header) ([]*gortmplib.Track, error) {
	asc, err := h.audioConfig()
	if err != nil {
		return nil, err
	}
	if err := h.checkSPS(); err != nil {
		return nil, err
	}
	return []*gortmplib.Track{
		{Codec: &codecs.H264{SPS: h.SPS, PPS: h.PPS}},
		{Codec: &codecs.MPEG4Audio{Config: asc}},
	}, nil
}

// publish runs the handshake, connect, createStream and publish, then sends
// metadata and the sequence headers of tracks (none for a probe).
func (c *rtmpConn) publish(tcURL, app, key string, tracks []*gortmplib.Track) error {
	_ = c.nc.SetDeadline(time.Now().Add(ioTimeout))
	c.bc = bytecounter.NewReadWriter(c.nc)
	if _, _, err := handshake.DoClient(c.bc, false, false); err != nil {
		return fmt.Errorf("stream: RTMP handshake: %w", err)
	}
	c.w = message.NewWriter(c.bc, c.bc.Writer, false)
	c.r = message.NewReader(c.bc, c.bc.Reader, func(n uint32) error {
		return c.write(&message.Acknowledge{Value: n})
	})
	for _, m := range []message.Message{
		&message.SetWindowAckSize{Value: 2500000},
		&message.SetPeerBandwidth{Value: 2500000, Type: 2},
		&message.SetChunkSize{Value: chunkSize},
		&message.CommandAMF0{ChunkStreamID: 3, Name: "connect", CommandID: 1, Arguments: []any{amf0.Object{
			{Key: "app", Value: app},
			{Key: "type", Value: "nonprivate"},
			{Key: "flashVer", Value: "FMLE/3.0 (compatible; pitchbox)"},
			{Key: "tcUrl", Value: tcURL},
		}}},
	} {
		if err := c.write(m); err != nil {
			return fmt.Errorf("stream: RTMP connect: %w", err)
		}
	}
	res, err := c.waitResult(1)
	if err != nil {
		return fmt.Errorf("stream: RTMP connect: %w", err)
	}
	if res.Name != "_result" {
		return &RejectedError{Reason: "connect to app \"" + app + "\" refused: " + describe(res)}
	}
	for _, m := range []message.Message{
		&message.CommandAMF0{ChunkStreamID: 3, Name: "releaseStream", CommandID: 2, Arguments: []any{nil, key}},
		&message.CommandAMF0{ChunkStreamID: 3, Name: "FCPublish", CommandID: 3, Arguments: []any{nil, key}},
		&message.CommandAMF0{ChunkStreamID: 3, Name: "createStream", CommandID: 4, Arguments: []any{nil}},
	} {
		if err := c.write(m); err != nil {
			return fmt.Errorf("stream: RTMP createStream: %w", err)
		}
	}
	if res, err = c.waitResult(4); err != nil {
		return fmt.Errorf("stream: RTMP createStream: %w", err)
	}
	if res.Name != "_result" {
		return &RejectedError{Reason: "createStream refused: " + describe(res)}
	}
	if err := c.startPublishing(key); err != nil {
		return err
	}
	_ = c.nc.SetDeadline(time.Time{})
	if tracks == nil {
		return nil // a probe: no media follows
	}
	w := &gortmplib.Writer{Conn: c, Tracks: tracks}
	if err := w.Initialize(); err != nil {
		return fmt.Errorf("stream: RTMP headers: %w", err)
	}
	return nil
}

// startPublishing sends publish and waits for the server's answer.
func (c *rtmpConn) startPublishing(key string) error {
	if err := c.write(&message.CommandAMF0{ChunkStreamID: 4, MessageStreamID: msid, Name: "publish", CommandID: 5,
		Arguments: []any{nil, key, "live"}}); err != nil {
		return fmt.Errorf("stream: RTMP publish: %w", err)
	}
	for {
		m, err := c.r.Read()
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || isReset(err) {
				// The server accepted the connection and hung up on the
				// key: how nginx-rtmp and IVS refuse a stream key.
				return &RejectedError{Reason: "the server closed the connection on publish (wrong or unknown stream key?)"}
			}
			return fmt.Errorf("stream: RTMP publish: %w", err)
		}
		cmd, ok := m.(*message.CommandAMF0)
		if !ok || (cmd.Name != "onStatus" && cmd.Name != "_error") {
			continue
		}
		code := statusField(cmd, "code")
		if cmd.Name == "onStatus" && (code == "NetStream.Publish.Start" || statusField(cmd, "level") == "status") {
			return nil
		}
		return &RejectedError{Reason: "publish refused: " + describe(cmd)}
	}
}

func isReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset")
}

func (c *rtmpConn) waitResult(id int) (*message.CommandAMF0, error) {
	for {
		m, err := c.r.Read()
		if err != nil {
			return nil, err
		}
		if cmd, ok := m.(*message.CommandAMF0); ok && (cmd.CommandID == id || cmd.CommandID == 0) &&
			(cmd.Name == "_result" || cmd.Name == "_error") {
			return cmd, nil
		}
	}
}

func statusField(cmd *message.CommandAMF0, key string) string {
	for _, a := range cmd.Arguments {
		var obj amf0.Object
		switch o := a.(type) {
		case amf0.Object:
			obj = o
		case amf0.ECMAArray:
			obj = amf0.Object(o)
		default:
			continue
		}
		if v, ok := obj.GetString(key); ok {
			return v
		}
	}
	return ""
}

func describe(cmd *message.CommandAMF0) string {
	code, desc := statusField(cmd, "code"), statusField(cmd, "description")
	switch {
	case code != "" && desc != "":
		return code + " (" + desc + ")"
	case code != "":
		return code
	case desc != "":
		return desc
	}
	return cmd.Name
}

// readLoop drains what the server sends while we publish (acks, pings,
// status), answering pings, and notices when the connection ends.
func (c *rtmpConn) readLoop() {
	defer close(c.readerDone)
	for {
		m, err := c.r.Read()
		if err != nil {
			c.fail(fmt.Errorf("stream: connection lost: %w", err))
			return
		}
		switch m := m.(type) {
		case *message.Acknowledge:
			c.wmu.Lock()
			c.w.SetAcknowledgeValue(m.Value)
			c.wmu.Unlock()
		case *message.UserControlPingRequest:
			if err := c.write(&message.UserControlPingResponse{ServerTime: m.ServerTime}); err != nil {
				c.fail(fmt.Errorf("stream: connection lost: %w", err))
				return
			}
		case *message.CommandAMF0:
			if m.Name == "onStatus" && statusField(m, "level") == "error" {
				c.fail(&RejectedError{Reason: "stream ended by the server: " + describe(m)})
				return
			}
		}
	}
}

// fail ends the session with err (the key masked), unless it has ended
// already.
func (c *rtmpConn) fail(err error) { c.stop(redactErr(err, c.key)) }

// Done implements Session.
func (c *rtmpConn) Done() <-chan struct{} { return c.end.Done() }

// Err implements Session: nil while the session lasts.
func (c *rtmpConn) Err() error { return context.Cause(c.end) }

// writeMedia sends one audio or video message. It takes the lock
// gortmplib's writer is used under; that writer flushes after every
// message, so messages never interleave on the wire. Media goes on chunk
// streams that gortmplib only used for the sequence headers, and each
// message starts with a full chunk header, so the two writers' chunk
// stream states never conflict.
func (c *rtmpConn) writeMedia(csid, typ byte, ts time.Duration, body []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	var err error
	if c.out, err = appendMessage(c.out[:0], csid, typ, ts, body); err != nil {
		return err
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(ioTimeout))
	_, err = c.bc.Write(c.out)
	return err
}

// WriteVideo sends p as an FLV AVC NALU message. It allocates nothing once
// the connection's buffers have grown to the largest access unit.
func (c *rtmpConn) WriteVideo(p *encode.Packet, ts time.Duration) error {
	cts := int32((p.PTS - p.DTS) / time.Millisecond)
	ft := byte(0x27) // inter frame, AVC
	if p.Key {
		ft = 0x17 // keyframe, AVC
	}
	c.body = append(c.body[:0], ft, 1, byte(cts>>16), byte(cts>>8), byte(cts))
	c.body = h264.AppendAVCC(c.body, p.Data, true)
	if err := c.writeMedia(videoCSID, typeVideo, ts, c.body); err != nil {
		c.fail(err)
		return fmt.Errorf("stream: send video: %w", err)
	}
	return nil
}

// WriteAudio sends p as an FLV AAC raw message. The tag's first byte is
// 0xAF whatever the sample rate and channels: the FLV specification
// (E.4.2.1) has AAC always flagged 44 kHz stereo, decoders take both from
// the AudioSpecificConfig, and the 2-bit rate field cannot say 48 kHz.
func (c *rtmpConn) WriteAudio(p *encode.Packet, ts time.Duration) error {
	c.body = append(c.body[:0], 0xAF, 1)
	c.body = append(c.body, p.Data...)
	if err := c.writeMedia(audioCSID, typeAudio, ts, c.body); err != nil {
		c.fail(err)
		return fmt.Errorf("stream: send audio: %w", err)
	}
	return nil
}

// Close unpublishes and closes the connection, and waits for the reader.
func (c *rtmpConn) Close() error {
	if c.Err() == nil {
		_ = c.write(&message.CommandAMF0{ChunkStreamID: 3, Name: "FCUnpublish", CommandID: 6, Arguments: []any{nil, c.key}})
		_ = c.write(&message.CommandAMF0{ChunkStreamID: 3, Name: "deleteStream", CommandID: 7, Arguments: []any{nil, float64(1)}})
	}
	err := c.nc.Close()
	<-c.readerDone
	c.fail(errors.New("stream: closed"))
	return err
}

// TLSFromCAFile makes a TLS config trusting only the PEM certificates in
// path (output.ca_file), in place of the system's roots.
func TLSFromCAFile(path string) (*tls.Config, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("stream: CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("stream: CA file %s holds no PEM certificate", path)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}
