package domain

import "time"

// States of an idempotency record.
const (
	IdempotencyRunning = "running" // the first request with the key is being handled
	IdempotencyDone    = "done"    // its response is stored and replayed to retries
)

// IdempotencyRequest identifies a request sent with an Idempotency-Key: whose
// key it is, which endpoint it targets and a fingerprint of what was sent.
type IdempotencyRequest struct {
	Scope  string // owner of the key (e.g. "user:42"): keys of two callers never meet
	Key    string
	Method string
	Path   string // route pattern, e.g. /api/v1/invoices/:id/validate
	Hash   string // hex SHA-256 over method, route, path, query and body
}

// IdempotentResponse is the stored answer to the first request.
type IdempotentResponse struct {
	Status      int
	ContentType string
	Body        []byte
}

// IdempotencyRecord is what the server remembers of the first request sent
// with a key.
type IdempotencyRecord struct {
	IdempotencyRequest
	State     string
	Response  IdempotentResponse // set when State is done
	CreatedAt time.Time          // also fences Complete and Release against a takeover
	ExpiresAt time.Time
}

// SameRequest reports whether q is a retry of the request that created the
// record: a key may only ever stand for one request.
func (r IdempotencyRecord) SameRequest(q IdempotencyRequest) bool {
	return r.Method == q.Method && r.Path == q.Path && r.Hash == q.Hash
}
