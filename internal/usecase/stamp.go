package usecase

import "time"

// stamp is a time as every dialect stores it (UTC, microseconds), so an
// entity returned by a write equals the same entity read back.
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
