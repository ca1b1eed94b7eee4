// Command pitchbox-chat-tokens is the buyers' chat-token vendor as an AWS
// Lambda function (runtime provided.al2023, handler bootstrap), behind a
// Function URL (auth NONE, invoke mode BUFFERED) or an API Gateway HTTP
// API (payload format 2.0). It is the handler `pitchbox chat-tokens
// serve` runs, set up from the environment:
//
//	PITCHBOX_CHAT_ROOM_ARN    the IVS Chat room (its region is used)
//	PITCHBOX_VIEWER_ORIGINS   origins whose pages may ask, comma-separated
//	PITCHBOX_CHAT_USER_ID     the seller's user ID, a name buyers may not take
//
// and the function role's credentials (it needs ivschat:CreateChatToken
// on the room). Build it with
//
//	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -tags lambda.norpc -o bootstrap ./cmd/pitchbox-chat-tokens
//
// and upload bootstrap zipped.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/pitchbox/pitchbox/chattokens"
)

func main() {
	s, err := chattokens.FromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	v, err := s.Vendor(chattokens.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "chat-tokens:", err)
		os.Exit(2)
	}
	lambda.Start(chattokens.LambdaHandler(v))
}
