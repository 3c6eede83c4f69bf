package domain

import "context"

type requestIDKey struct{}

// WithRequestID returns ctx carrying the id of the HTTP request (or job) that
// caused the work, so ledger rows, jobs and log lines can name it.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the id set by WithRequestID, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
