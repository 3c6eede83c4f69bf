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

type actorKey struct{}

// WithActor returns ctx carrying the id of the user who acts (the request's
// authenticated user), so the audit trail can name who made each change.
func WithActor(ctx context.Context, userID int64) context.Context {
	return context.WithValue(ctx, actorKey{}, userID)
}

// Actor returns the user id set by WithActor, or 0 (the system: a job, a
// start-up task).
func Actor(ctx context.Context) int64 {
	id, _ := ctx.Value(actorKey{}).(int64)
	return id
}
