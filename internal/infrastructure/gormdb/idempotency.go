package gormdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/doligo/doligo/internal/domain"
)

// idempotencyKeyModel is a row of idempotency_keys; primary key (scope, idem_key).
type idempotencyKeyModel struct {
	Scope          string `gorm:"primaryKey"`
	IdemKey        string `gorm:"primaryKey"`
	Method         string
	Path           string
	RequestHash    string
	State          string
	ResponseStatus int
	ResponseType   string
	ResponseBody   []byte
	CreatedAt      time.Time `gorm:"autoCreateTime:false"`
	ExpiresAt      time.Time
}

func (idempotencyKeyModel) TableName() string { return "idempotency_keys" }

func (m idempotencyKeyModel) record() domain.IdempotencyRecord {
	return domain.IdempotencyRecord{
		IdempotencyRequest: domain.IdempotencyRequest{
			Scope: m.Scope, Key: m.IdemKey, Method: m.Method, Path: m.Path, Hash: m.RequestHash,
		},
		State:     m.State,
		Response:  domain.IdempotentResponse{Status: m.ResponseStatus, ContentType: m.ResponseType, Body: m.ResponseBody},
		CreatedAt: m.CreatedAt.UTC(),
		ExpiresAt: m.ExpiresAt.UTC(),
	}
}

// maxResponseType is the width of idempotency_keys.response_type.
const maxResponseType = 128

// beginAttempts bounds Begin's insert → read → replace-expired loop. Each
// round either wins the insert or reads a live row; only a row released or
// expired in between sends it round again.
const beginAttempts = 3

// transientAttempts bounds the runs of one statement that the database
// aborted (deadlock, lock wait timeout, busy SQLite): the bookkeeping of a
// request that has already run must not fail for a lock collision.
const transientAttempts = 5

// IdempotencyStore keeps Idempotency-Key records. Every state change is one
// statement guarded by its WHERE clause, so replicas of the API need no lock
// besides the table's primary key.
type IdempotencyStore struct{ db *gorm.DB }

// NewIdempotencyStore returns the store of db.
func NewIdempotencyStore(db *DB) *IdempotencyStore { return &IdempotencyStore{db: db.Gorm} }

// retryTransient runs fn again, after a short jittered pause, while the
// database aborts it for a deadlock or a busy lock.
func retryTransient(ctx context.Context, fn func() error) error {
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || !Retryable(err) || attempt >= transientAttempts || ctx.Err() != nil {
			return err
		}
		t := time.NewTimer(jitteredBackoff(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// dbTime is t as every dialect stores it (UTC, microseconds), so a time read
// back compares equal to the one written: CreatedAt fences Complete and Release.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// Begin claims the key of req for a request starting at now, holding it for
// lease. It returns owned=true with the new running record when the caller
// must run the request, or owned=false with the live record another request
// made. The claim is an insert that relies on the primary key, so of two
// concurrent first requests exactly one owns the key; an expired record is
// replaced (its delete is guarded by expires_at, so a fresh record that
// another request put in its place survives).
func (s *IdempotencyStore) Begin(ctx context.Context, req domain.IdempotencyRequest, now time.Time, lease time.Duration) (rec domain.IdempotencyRecord, owned bool, err error) {
	err = retryTransient(ctx, func() error {
		rec, owned, err = s.begin(ctx, req, now, lease)
		return err
	})
	return rec, owned, err
}

func (s *IdempotencyStore) begin(ctx context.Context, req domain.IdempotencyRequest, now time.Time, lease time.Duration) (domain.IdempotencyRecord, bool, error) {
	now = dbTime(now)
	row := idempotencyKeyModel{
		Scope: req.Scope, IdemKey: req.Key, Method: req.Method, Path: req.Path, RequestHash: req.Hash,
		State: domain.IdempotencyRunning, CreatedAt: now, ExpiresAt: dbTime(now.Add(lease)),
	}
	db := s.db.WithContext(ctx)
	for range beginAttempts {
		res := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return domain.IdempotencyRecord{}, false, fmt.Errorf("claim idempotency key: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			return row.record(), true, nil
		}
		var held idempotencyKeyModel
		err := db.Where("scope = ? AND idem_key = ?", req.Scope, req.Key).Take(&held).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			continue // released or pruned since the insert: try again
		case err != nil:
			return domain.IdempotencyRecord{}, false, fmt.Errorf("read idempotency key: %w", err)
		case held.ExpiresAt.After(now):
			return held.record(), false, nil
		}
		err = db.Where("scope = ? AND idem_key = ? AND expires_at <= ?", req.Scope, req.Key, now).
			Delete(&idempotencyKeyModel{}).Error
		if err != nil {
			return domain.IdempotencyRecord{}, false, fmt.Errorf("replace expired idempotency key: %w", err)
		}
	}
	return domain.IdempotencyRecord{}, false, domain.Conflictf("idempotency-in-progress",
		"the Idempotency-Key is being claimed by concurrent requests; retry")
}

// Complete stores the response of the request that owns rec and keeps it
// until expiresAt. It fails with ErrConflict when rec no longer holds the key
// (released, or taken over after its lease expired).
func (s *IdempotencyStore) Complete(ctx context.Context, rec domain.IdempotencyRecord, res domain.IdempotentResponse, expiresAt time.Time) error {
	if len(res.ContentType) > maxResponseType {
		return fmt.Errorf("content type %.40q… longer than %d bytes cannot be stored", res.ContentType, maxResponseType)
	}
	body := res.Body
	if body == nil {
		body = []byte{} // a stored empty body, not "no response yet"
	}
	var updated int64
	err := retryTransient(ctx, func() error {
		q := s.held(ctx, rec).Updates(map[string]any{
			"state":           domain.IdempotencyDone,
			"response_status": res.Status,
			"response_type":   res.ContentType,
			"response_body":   body,
			"expires_at":      dbTime(expiresAt),
		})
		updated = q.RowsAffected
		return q.Error
	})
	if err != nil {
		return fmt.Errorf("store idempotent response: %w", err)
	}
	if updated == 0 {
		return fmt.Errorf("idempotency key %q of %s is no longer held by this request: %w", rec.Key, rec.Scope, domain.ErrConflict)
	}
	return nil
}

// Release forgets the key of a first request that failed without an answer
// worth replaying (5xx, panic), so that a retry runs again. A key no longer
// held by rec is left alone.
func (s *IdempotencyStore) Release(ctx context.Context, rec domain.IdempotencyRecord) error {
	err := retryTransient(ctx, func() error { return s.held(ctx, rec).Delete(&idempotencyKeyModel{}).Error })
	if err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}

// held selects the row of rec only while rec still holds it.
func (s *IdempotencyStore) held(ctx context.Context, rec domain.IdempotencyRecord) *gorm.DB {
	return s.db.WithContext(ctx).Model(&idempotencyKeyModel{}).
		Where("scope = ? AND idem_key = ? AND state = ? AND created_at = ?",
			rec.Scope, rec.Key, domain.IdempotencyRunning, dbTime(rec.CreatedAt))
}

// pruneBatch is how many expired keys Prune reads at a time.
const pruneBatch = 500

// Prune deletes every record expired at now, running ones included (their
// request died without releasing them), and returns how many it deleted.
//
// It reads the expired keys without locking, then deletes them one by one by
// primary key, still guarded by expires_at: a range DELETE on expires_at would
// lock index ranges on MySQL/MariaDB (gap locks, or every scanned row) and
// deadlock with Complete moving live rows' expires_at.
func (s *IdempotencyStore) Prune(ctx context.Context, now time.Time) (int64, error) {
	now = dbTime(now)
	db := s.db.WithContext(ctx)
	var deleted int64
	for {
		var expired []idempotencyKeyModel
		err := db.Select("scope", "idem_key").Where("expires_at <= ?", now).Limit(pruneBatch).Find(&expired).Error
		if err != nil {
			return deleted, fmt.Errorf("prune idempotency keys: %w", err)
		}
		var round int64
		for _, k := range expired {
			err := retryTransient(ctx, func() error {
				res := db.Where("scope = ? AND idem_key = ? AND expires_at <= ?", k.Scope, k.IdemKey, now).
					Delete(&idempotencyKeyModel{})
				round += res.RowsAffected
				return res.Error
			})
			if err != nil {
				return deleted + round, fmt.Errorf("prune idempotency keys: %w", err)
			}
		}
		deleted += round
		if len(expired) < pruneBatch || round == 0 {
			return deleted, nil
		}
	}
}
