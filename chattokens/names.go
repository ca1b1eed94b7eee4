package chattokens

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxName is the longest display name, in characters.
const MaxName = 32

// reserved are names a buyer may not take (any case): they would pass for
// the seller or the shop.
var reserved = []string{"seller", "pitchbox", "admin", "moderator", "host", "shop"}

// checkName returns why name is not an acceptable display name, or nil:
// 1 to MaxName characters of letters, marks, digits, spaces and . _ - '
// (any script, no emoji or symbols, no control characters), not starting
// or ending with a space, not a reserved name or the seller's user ID.
func checkName(name, sellerID string) error {
	n := utf8.RuneCountInString(name)
	if !utf8.ValidString(name) || n == 0 || n > MaxName {
		return fmt.Errorf("the display name must be 1 to %d characters", MaxName)
	}
	if strings.TrimSpace(name) != name || strings.Contains(name, "  ") {
		return errors.New("the display name may not start or end with a space, or have two in a row")
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsMark(r) && !unicode.IsDigit(r) && r != ' ' && !strings.ContainsRune("._-'", r) {
			return fmt.Errorf("the display name may hold letters, digits, spaces and . _ - ' only (not %q)", r)
		}
	}
	for _, s := range append(reserved, sellerID) {
		if s != "" && strings.EqualFold(name, s) {
			return fmt.Errorf("the display name %q is reserved", name)
		}
	}
	return nil
}

// randomName is a display name for a buyer who gave none: "Buyer 1234".
func randomName() string {
	n, err := rand.Int(rand.Reader, big.NewInt(10000))
	if err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return fmt.Sprintf("Buyer %04d", n.Int64())
}

// newUserID is a fresh IVS Chat user ID, unique per token: buyers cannot
// choose it, so nobody can speak as someone else's ID.
func newUserID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "buyer-" + hex.EncodeToString(b)
}
