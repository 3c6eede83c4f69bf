package usecase

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/doligo/doligo/internal/domain"
)

// maxStampCache bounds the revocation cache: past it the cache starts again
// empty (a few more reads), so a flood of distinct user ids cannot grow it.
const maxStampCache = 10_000

// Authenticator checks an access token and then that it has not been revoked:
// the user still exists, is active, and its security stamp is the one the
// token carries. The stamp is read from the database and kept per process for
// at most Lag, so a deactivated, deleted, demoted or re-passworded user's
// tokens answer 401 within Lag (DOLIGO_AUTH_REVOCATION_LAG); with Lag 0 every
// request reads it.
type Authenticator struct {
	tokens domain.TokenVerifier
	uow    domain.UnitOfWork
	lag    time.Duration
	now    func() time.Time

	mu    sync.Mutex
	cache map[int64]cachedStamp
}

type cachedStamp struct {
	stamp domain.UserStamp
	found bool
	at    time.Time
}

// NewAuthenticator returns the revocation-checking authenticator over the
// token verifier; now is its clock.
func NewAuthenticator(tokens domain.TokenVerifier, uow domain.UnitOfWork, lag time.Duration, now func() time.Time) (*Authenticator, error) {
	if lag < 0 {
		return nil, fmt.Errorf("revocation lag must not be negative, got %s", lag)
	}
	return &Authenticator{tokens: tokens, uow: uow, lag: lag, now: now, cache: map[int64]cachedStamp{}}, nil
}

// Authenticate returns the token's principal, or an error wrapping
// domain.ErrUnauthenticated when the token is invalid or revoked; a failed
// database read wraps domain.ErrUnavailable (not the client's fault).
func (a *Authenticator) Authenticate(ctx context.Context, token string) (domain.Principal, error) {
	p, err := a.tokens.Authenticate(ctx, token)
	if err != nil {
		return domain.Principal{}, err
	}
	c, err := a.stamp(ctx, p.UserID)
	if err != nil {
		return domain.Principal{}, fmt.Errorf("%w: check the token's revocation: %v", domain.ErrUnavailable, err)
	}
	switch {
	case !c.found:
		return domain.Principal{}, fmt.Errorf("%w: the token's user no longer exists", domain.ErrUnauthenticated)
	case !c.stamp.Active:
		return domain.Principal{}, fmt.Errorf("%w: the token's user is inactive", domain.ErrUnauthenticated)
	case c.stamp.Stamp != p.Stamp:
		return domain.Principal{}, fmt.Errorf("%w: the token was revoked", domain.ErrUnauthenticated)
	}
	return p, nil
}

// stamp returns the user's stamp from the cache when it is younger than the
// lag, from the database otherwise.
func (a *Authenticator) stamp(ctx context.Context, userID int64) (cachedStamp, error) {
	now := a.now()
	if a.lag > 0 {
		a.mu.Lock()
		c, ok := a.cache[userID]
		a.mu.Unlock()
		if ok && now.Sub(c.at) < a.lag && !now.Before(c.at) {
			return c, nil
		}
	}
	c := cachedStamp{at: now, found: true}
	err := a.uow.Read(ctx, func(ctx context.Context, r domain.Readers) error {
		var err error
		c.stamp, err = r.Users.Stamp(ctx, userID)
		return err
	})
	switch {
	case errors.Is(err, domain.ErrNotFound):
		c.found = false
	case err != nil:
		return c, err
	}
	if a.lag > 0 {
		a.mu.Lock()
		if len(a.cache) >= maxStampCache {
			clear(a.cache)
		}
		a.cache[userID] = c
		a.mu.Unlock()
	}
	return c, nil
}
