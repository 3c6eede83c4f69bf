package usecase

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/doligo/doligo/internal/domain"
)

// beginAttempts bounds Begin's insert → read → replace-expired loop. Each
// round either wins the insert or reads a live record; only a record released
// or expired in between sends it round again.
const beginAttempts = 3

// pruneBatch is how many expired keys Prune reads at a time.
const pruneBatch = 500

// IdempotencyService keeps the Idempotency-Key records the API's middleware
// consults: who holds a key, and the answer to replay. Each call is one short
// unit of work of single guarded statements, so replicas of the API need no
// lock besides the table's primary key.
type IdempotencyService struct{ uow domain.UnitOfWork }

// NewIdempotencyService returns the service.
func NewIdempotencyService(uow domain.UnitOfWork) *IdempotencyService {
	return &IdempotencyService{uow: uow}
}

// Begin claims the key of req for a request starting at now, holding it for
// lease. It returns owned=true with the new running record when the caller
// must run the request, or owned=false with the live record another request
// made. The claim is an insert that relies on the primary key, so of two
// concurrent first requests exactly one owns the key; an expired record is
// replaced (its delete is guarded by expires_at, so a fresh record that
// another request put in its place survives).
func (s *IdempotencyService) Begin(ctx context.Context, req domain.IdempotencyRequest, now time.Time, lease time.Duration) (domain.IdempotencyRecord, bool, error) {
	now = stamp(now)
	mine := domain.IdempotencyRecord{
		IdempotencyRequest: req, State: domain.IdempotencyRunning, CreatedAt: now, ExpiresAt: stamp(now.Add(lease)),
	}
	type claim struct {
		rec   domain.IdempotencyRecord
		owned bool
	}
	c, err := unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (claim, error) {
		for range beginAttempts {
			inserted, err := r.Idempotency.Insert(ctx, mine)
			if err != nil || inserted {
				return claim{mine, inserted}, err
			}
			held, err := r.Idempotency.Get(ctx, req.Scope, req.Key)
			switch {
			case errors.Is(err, domain.ErrNotFound):
				continue // released or pruned since the insert: try again
			case err != nil:
				return claim{}, err
			case held.ExpiresAt.After(now):
				return claim{held, false}, nil
			}
			if _, err := r.Idempotency.DeleteExpired(ctx, req.Scope, req.Key, now); err != nil {
				return claim{}, err
			}
		}
		return claim{}, domain.Conflictf("idempotency-in-progress",
			"the Idempotency-Key is being claimed by concurrent requests; retry")
	})
	return c.rec, c.owned, err
}

// Complete stores the response of the request that owns rec and keeps it
// until expiresAt. It fails with ErrConflict when rec no longer holds the key
// (released, or taken over after its lease expired).
func (s *IdempotencyService) Complete(ctx context.Context, rec domain.IdempotencyRecord, res domain.IdempotentResponse, expiresAt time.Time) error {
	held, err := unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (bool, error) {
		return r.Idempotency.Complete(ctx, rec, res, expiresAt)
	})
	if err != nil {
		return err
	}
	if !held {
		return fmt.Errorf("idempotency key %q of %s is no longer held by this request: %w", rec.Key, rec.Scope, domain.ErrConflict)
	}
	return nil
}

// Release forgets the key of a first request that failed without an answer
// worth replaying (5xx, panic), so that a retry runs again. A key no longer
// held by rec is left alone.
func (s *IdempotencyService) Release(ctx context.Context, rec domain.IdempotencyRecord) error {
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		return r.Idempotency.Release(ctx, rec)
	})
}

// Prune deletes every record expired at now, running ones included (their
// request died without releasing them), and returns how many it deleted. It
// reads the expired keys without locking, then deletes them one by one, each
// delete still guarded by expires_at and its own short unit of work.
func (s *IdempotencyService) Prune(ctx context.Context, now time.Time) (int64, error) {
	now = stamp(now)
	var deleted int64
	for {
		expired, err := unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) ([]domain.IdempotencyRequest, error) {
			return r.Idempotency.Expired(ctx, now, pruneBatch)
		})
		if err != nil {
			return deleted, fmt.Errorf("prune idempotency keys: %w", err)
		}
		var round int64
		for _, k := range expired {
			gone, err := unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (bool, error) {
				return r.Idempotency.DeleteExpired(ctx, k.Scope, k.Key, now)
			})
			if err != nil {
				return deleted + round, fmt.Errorf("prune idempotency keys: %w", err)
			}
			if gone {
				round++
			}
		}
		deleted += round
		if len(expired) < pruneBatch || round == 0 {
			return deleted, nil
		}
	}
}
