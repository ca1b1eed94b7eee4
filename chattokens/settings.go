package chattokens

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/ivs"
)

// EndpointEnv names the variable that replaces the IVS Chat API endpoint
// (tests, private endpoints); unset: AWS's regional endpoint.
const EndpointEnv = "PITCHBOX_CHAT_API_ENDPOINT"

// Settings are what a vendor needs from outside: the AWS account, the
// room, the origins allowed and the seller's user ID.
type Settings struct {
	Account  ivs.Account
	RoomARN  string
	Origins  []string
	SellerID string
}

// FromConfig takes the settings from the box's configuration: [chat]
// room_arn (its region), viewer_origins and user_id, and the [aws]
// account (access_key_id and secret_access_key_file), or without an
// access key there the environment's (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN).
func FromConfig(c *config.Config, getenv func(string) string) (Settings, error) {
	if c.Chat.RoomARN == "" {
		return Settings{}, &config.Error{Key: "chat.room_arn", Msg: "the chat-token vendor needs the IVS Chat room's ARN"}
	}
	s := Settings{RoomARN: c.Chat.RoomARN, Origins: c.Chat.ViewerOrigins, SellerID: c.Chat.UserID,
		Account: ivs.Account{Region: c.Chat.ChatRegion(), Endpoint: getenv(EndpointEnv)}}
	if c.AWS.AccessKeyID == "" {
		s.Account.AccessKeyID, s.Account.SecretAccessKey = getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
		s.Account.SessionToken = getenv("AWS_SESSION_TOKEN")
	} else {
		secret, err := c.AWS.Secret()
		if err != nil {
			return Settings{}, err
		}
		s.Account.AccessKeyID, s.Account.SecretAccessKey = c.AWS.AccessKeyID, secret
	}
	if s.Account.AccessKeyID == "" || s.Account.SecretAccessKey == "" {
		return Settings{}, &config.Error{Key: "aws.access_key_id", Msg: "the chat-token vendor needs AWS credentials: [aws] access_key_id and secret_access_key_file, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"}
	}
	return s, nil
}

// FromEnv takes the settings from the environment, as a Lambda function
// has it: PITCHBOX_CHAT_ROOM_ARN, PITCHBOX_VIEWER_ORIGINS (comma- or
// space-separated), PITCHBOX_CHAT_USER_ID (optional), and the function
// role's credentials that Lambda sets (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN). The region is the room's.
func FromEnv(getenv func(string) string) (Settings, error) {
	var c config.Config
	c.Chat = config.Chat{RoomARN: getenv("PITCHBOX_CHAT_ROOM_ARN"), UserID: getenv("PITCHBOX_CHAT_USER_ID"),
		ViewerOrigins: strings.FieldsFunc(getenv("PITCHBOX_VIEWER_ORIGINS"), func(r rune) bool { return r == ',' || r == ' ' })}
	for _, o := range c.Chat.ViewerOrigins {
		if !ValidOrigin(o) {
			return Settings{}, fmt.Errorf("chat-tokens: PITCHBOX_VIEWER_ORIGINS: %q is not an origin (such as https://shop.example, without a path)", o)
		}
	}
	if c.Chat.RoomARN == "" || c.Chat.ChatRegion() == "" {
		return Settings{}, errors.New("chat-tokens: set PITCHBOX_CHAT_ROOM_ARN to the IVS Chat room's ARN (arn:aws:ivschat:REGION:ACCOUNT:room/ID)")
	}
	return FromConfig(&c, getenv)
}

// ValidOrigin reports whether o is a web origin: http or https, a host,
// an optional port, and nothing else.
func ValidOrigin(o string) bool {
	u, err := url.Parse(o)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.Path == "" &&
		u.User == nil && u.RawQuery == "" && u.Fragment == "" && !strings.HasSuffix(o, "/")
}

// Vendor makes the vendor these settings describe.
func (s Settings) Vendor(o Options) (*Vendor, error) {
	room, err := ivs.NewChatRoom(s.Account, s.RoomARN)
	if err != nil {
		return nil, err
	}
	if o.Origins == nil {
		o.Origins = s.Origins
	}
	if o.SellerID == "" {
		o.SellerID = s.SellerID
	}
	return New(room, o), nil
}
