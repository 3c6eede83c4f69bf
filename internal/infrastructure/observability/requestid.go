package observability

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"
)

// HeaderRequestID carries the request id in and out of both binaries.
const HeaderRequestID = "X-Request-ID"

var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// SaneRequestID tells whether a client's request id may be kept: it ends up
// in every log line and job of the request, so it must be short and plain.
func SaneRequestID(id string) bool { return saneRequestID.MatchString(id) }

// RequestID returns the client's id when it is sane, else a new one (16
// random bytes in hex).
func RequestID(fromClient string) string {
	if SaneRequestID(fromClient) {
		return fromClient
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
