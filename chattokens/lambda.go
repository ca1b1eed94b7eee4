package chattokens

import (
	"bytes"
	"context"
	"encoding/base64"
	"net"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// LambdaHandler adapts h to an AWS Lambda function invoked by a Function
// URL (invoke mode BUFFERED) or an API Gateway HTTP API (payload format
// 2.0): both send the same event. The client address is the event's
// sourceIp, which AWS sets (not a header a client could forge).
func LambdaHandler(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		r, err := lambdaRequest(ctx, ev)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusBadRequest,
				Headers: map[string]string{"Content-Type": "application/json"}, Body: `{"error":"the request could not be read"}`}, nil
		}
		w := &recorder{header: http.Header{}}
		h.ServeHTTP(w, r)
		if w.code == 0 {
			w.code = http.StatusOK
		}
		out := events.APIGatewayV2HTTPResponse{StatusCode: w.code, Headers: map[string]string{}, Body: w.body.String()}
		for k, v := range w.header {
			out.Headers[k] = strings.Join(v, ", ")
		}
		return out, nil
	}
}

// lambdaRequest is the http.Request ev stands for.
func lambdaRequest(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return nil, err
		}
		body = b
	}
	path := ev.RawPath
	if path == "" {
		path = "/"
	}
	if ev.RawQueryString != "" {
		path += "?" + ev.RawQueryString
	}
	r, err := http.NewRequestWithContext(ctx, ev.RequestContext.HTTP.Method, path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range ev.Headers {
		r.Header.Set(k, v)
	}
	if len(ev.Cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	r.Host = r.Header.Get("Host")
	r.RemoteAddr = net.JoinHostPort(ev.RequestContext.HTTP.SourceIP, "0")
	return r, nil
}

// recorder is the http.ResponseWriter a Lambda invocation answers
// through.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

// Header implements http.ResponseWriter.
func (w *recorder) Header() http.Header { return w.header }

// WriteHeader implements http.ResponseWriter.
func (w *recorder) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

// Write implements http.ResponseWriter.
func (w *recorder) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.body.Write(b)
}
