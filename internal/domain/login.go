package domain

import (
	"context"
	"math"
	"time"
)

// ErrInvalidCredentials is the one answer to an unknown login, a wrong
// password and an inactive account alike, so a caller cannot tell them apart.
var ErrInvalidCredentials = &Problem{Kind: ErrUnauthenticated, Code: "invalid-credentials", Detail: "invalid login or password"}

// LoginLockedError refuses a login attempt while its (login, address) pair is
// locked out; it is an ErrTooManyRequests.
type LoginLockedError struct {
	RetryAfter time.Duration
}

func (e *LoginLockedError) Error() string { return e.problem().Detail }

func (e *LoginLockedError) Unwrap() error { return e.problem() }

func (e *LoginLockedError) problem() *Problem {
	return NewProblem(ErrTooManyRequests, "login-locked",
		"too many failed logins: try again in %d seconds", e.RetryAfterSeconds())
}

// RetryAfterSeconds is RetryAfter rounded up to whole seconds, at least 1, as
// the Retry-After header carries it.
func (e *LoginLockedError) RetryAfterSeconds() int64 {
	return max(1, int64(math.Ceil(e.RetryAfter.Seconds())))
}

// LoginThrottle is the brute-force rule: MaxFailures failed logins for one
// (login, client address) within Lockout lock that pair out for Lockout.
// Keying on the pair means an attacker cannot lock a user out from every
// address, and one address cannot try unlimited passwords on one login.
type LoginThrottle struct {
	MaxFailures int
	Lockout     time.Duration
}

// LoginFailures is the failure record of one (login, address) pair.
type LoginFailures struct {
	Login        string
	Address      string
	Failures     int
	FirstFailure time.Time
	LockedUntil  time.Time // zero when not locked
}

// LockedFor returns how long the pair stays locked at now; 0 when it is not.
func (f LoginFailures) LockedFor(now time.Time) time.Duration {
	if f.LockedUntil.IsZero() || !now.Before(f.LockedUntil) {
		return 0
	}
	return f.LockedUntil.Sub(now)
}

// Fail counts one more failure at now. A count whose window (or lock) has
// passed starts again; reaching MaxFailures locks the pair for Lockout. A
// failure while locked (concurrent attempts that passed the check together)
// counts but does not extend the lock.
func (t LoginThrottle) Fail(f *LoginFailures, now time.Time) {
	locked := f.LockedFor(now) > 0
	stale := f.Failures == 0 || now.Sub(f.FirstFailure) >= t.Lockout || !f.LockedUntil.IsZero()
	if !locked && stale {
		f.Failures, f.FirstFailure, f.LockedUntil = 0, now, time.Time{}
	}
	f.Failures++
	if f.Failures >= t.MaxFailures && f.LockedUntil.IsZero() {
		f.LockedUntil = now.Add(t.Lockout)
	}
}

// Check returns a *LoginLockedError while the pair is locked at now.
func (f LoginFailures) Check(now time.Time) error {
	if d := f.LockedFor(now); d > 0 {
		return &LoginLockedError{RetryAfter: d}
	}
	return nil
}

// LoginFailureReader reads the failure records.
type LoginFailureReader interface {
	// Get returns the record of the pair, or a zero record when there is none.
	Get(ctx context.Context, login, address string) (LoginFailures, error)
}

// LoginFailureRepository keeps the failure records in the database, so every
// API replica sees the same counts.
type LoginFailureRepository interface {
	LoginFailureReader
	// Ensure inserts a zero record for the pair unless one exists. Run it in
	// a unit of work of its own before the one that locks the record: on
	// InnoDB the insert's lock on an existing row, held until commit, would
	// make two concurrent lockers of the pair deadlock.
	Ensure(ctx context.Context, login, address string) error
	// Lock returns the pair's record, locked until the unit of work ends, so
	// that concurrent failures of one pair are counted one after the other; a
	// record pruned since Ensure is inserted again, zero.
	Lock(ctx context.Context, login, address string) (LoginFailures, error)
	// Save writes a record read with Lock.
	Save(ctx context.Context, f LoginFailures) error
	// Delete forgets the pair's failures.
	Delete(ctx context.Context, login, address string) error
	// Prune deletes the records that no longer count at now: not locked, and
	// first failing before now-window. It returns how many it deleted.
	Prune(ctx context.Context, now time.Time, window time.Duration) (int64, error)
}
