package gormdb

import "time"

// dbTime is t as every dialect stores it (UTC, microseconds), so that a time
// read back compares equal to the one written: an idempotency record's
// CreatedAt fences Complete and Release on it.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
