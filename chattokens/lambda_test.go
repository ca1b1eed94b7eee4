package chattokens

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// functionURLEvent is a Lambda Function URL event (payload format 2.0, as
// AWS documents it), here with a base64 body from an allowed page.
const functionURLEvent = `{
  "version": "2.0",
  "routeKey": "$default",
  "rawPath": "/",
  "rawQueryString": "",
  "headers": {
    "content-type": "application/json",
    "origin": "https://shop.example",
    "host": "abcdefg.lambda-url.us-west-2.on.aws",
    "x-forwarded-for": "203.0.113.99"
  },
  "requestContext": {
    "accountId": "anonymous",
    "apiId": "abcdefg",
    "domainName": "abcdefg.lambda-url.us-west-2.on.aws",
    "http": {"method": "POST", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "198.51.100.7", "userAgent": "Mozilla/5.0"},
    "requestId": "id",
    "routeKey": "$default",
    "stage": "$default",
    "time": "30/Nov/2026:12:00:00 +0000",
    "timeEpoch": 1795953600000
  },
  "body": "eyJkaXNwbGF5TmFtZSI6IkFubmEifQ==",
  "isBase64Encoded": true
}`

// TestLambdaHandler feeds a Function URL event to the Lambda adapter: the
// buyer gets a token under the name asked for with the CORS header, a
// preflight is answered, the rate limit counts the event's sourceIp (not
// a forwarded header), and another origin is refused.
func TestLambdaHandler(t *testing.T) {
	api, v, _ := newVendor(t, Options{Origins: []string{"https://shop.example"}, Burst: 1}, io.Discard)
	h := LambdaHandler(v)
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal([]byte(functionURLEvent), &ev); err != nil {
		t.Fatal(err)
	}
	out, err := h(context.Background(), ev)
	if err != nil || out.StatusCode != http.StatusOK || out.Headers["Access-Control-Allow-Origin"] != "https://shop.example" ||
		out.Headers["Content-Type"] != "application/json" || out.Headers["Cache-Control"] != "no-store" {
		t.Fatalf("%v %+v", err, out)
	}
	var resp Response
	if err := json.Unmarshal([]byte(out.Body), &resp); err != nil || resp.DisplayName != "Anna" {
		t.Fatalf("%v %s", err, out.Body)
	}
	toks := api.ChatTokens()
	if len(toks) != 1 || toks[0].Token != resp.Token || toks[0].Attributes["displayName"] != "Anna" {
		t.Fatalf("made %+v, answered %+v", toks, resp)
	}
	ev.Headers["x-forwarded-for"] = "203.0.113.100"
	if out, _ := h(context.Background(), ev); out.StatusCode != http.StatusTooManyRequests || out.Headers["Retry-After"] == "" {
		t.Fatalf("second from the same sourceIp: %+v", out)
	}
	pre := ev
	pre.RequestContext.HTTP.Method = http.MethodOptions
	pre.Body, pre.IsBase64Encoded = "", false
	if out, _ := h(context.Background(), pre); out.StatusCode != http.StatusNoContent || out.Headers["Access-Control-Allow-Methods"] == "" {
		t.Fatalf("preflight: %+v", out)
	}
	ev.Headers["origin"] = "https://evil.example"
	ev.RequestContext.HTTP.SourceIP = "198.51.100.8"
	if out, _ := h(context.Background(), ev); out.StatusCode != http.StatusForbidden || out.Headers["Access-Control-Allow-Origin"] != "" {
		t.Fatalf("other origin: %+v", out)
	}
	ev.Body = "%%%"
	if out, _ := h(context.Background(), ev); out.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad base64: %+v", out)
	}
}
