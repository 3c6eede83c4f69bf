package domain

import (
	"context"
	"time"
)

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

// IdempotencyReader reads Idempotency-Key records.
type IdempotencyReader interface {
	// Get returns the record of a caller's key, or NotFound.
	Get(ctx context.Context, scope, key string) (IdempotencyRecord, error)
	// Expired returns up to limit records expired at now (scope and key set).
	Expired(ctx context.Context, now time.Time, limit int) ([]IdempotencyRequest, error)
}

// IdempotencyRepository keeps Idempotency-Key records. Every change is one
// statement guarded by its WHERE clause, so replicas of the API need no lock
// besides the table's primary key.
type IdempotencyRepository interface {
	IdempotencyReader
	// Insert adds rec unless a record of its scope and key exists, and
	// reports whether it did: of two concurrent first requests exactly one
	// inserts.
	Insert(ctx context.Context, rec IdempotencyRecord) (bool, error)
	// DeleteExpired deletes the record of scope and key if it expired at now
	// (a fresh record put in its place survives).
	DeleteExpired(ctx context.Context, scope, key string, now time.Time) (bool, error)
	// Complete stores the response of the running request rec and keeps it
	// until expiresAt; false when rec no longer holds its key (released, or
	// taken over after its lease expired), and nothing was written.
	Complete(ctx context.Context, rec IdempotencyRecord, res IdempotentResponse, expiresAt time.Time) (bool, error)
	// Release deletes the record while rec still holds it.
	Release(ctx context.Context, rec IdempotencyRecord) error
}
