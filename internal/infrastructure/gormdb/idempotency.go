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

// idempotencyRepo implements domain.IdempotencyRepository. Each method is one
// statement; the use case decides what they add up to.
type idempotencyRepo struct{ db *gorm.DB }

// Get implements domain.IdempotencyReader.
func (r *idempotencyRepo) Get(ctx context.Context, scope, key string) (domain.IdempotencyRecord, error) {
	var row idempotencyKeyModel
	err := r.db.WithContext(ctx).Where("scope = ? AND idem_key = ?", scope, key).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return domain.IdempotencyRecord{}, domain.NotFound("idempotency key", key)
	}
	if err != nil {
		return domain.IdempotencyRecord{}, fmt.Errorf("read idempotency key: %w", err)
	}
	return row.record(), nil
}

// Expired implements domain.IdempotencyReader.
func (r *idempotencyRepo) Expired(ctx context.Context, now time.Time, limit int) ([]domain.IdempotencyRequest, error) {
	var rows []idempotencyKeyModel
	err := r.db.WithContext(ctx).Select("scope", "idem_key").Where("expires_at <= ?", dbTime(now)).Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read expired idempotency keys: %w", err)
	}
	out := make([]domain.IdempotencyRequest, len(rows))
	for i, m := range rows {
		out[i] = domain.IdempotencyRequest{Scope: m.Scope, Key: m.IdemKey}
	}
	return out, nil
}

// Insert implements domain.IdempotencyRepository: it relies on the primary
// key (scope, idem_key), never on a prior read.
func (r *idempotencyRepo) Insert(ctx context.Context, rec domain.IdempotencyRecord) (bool, error) {
	row := idempotencyKeyModel{
		Scope: rec.Scope, IdemKey: rec.Key, Method: rec.Method, Path: rec.Path, RequestHash: rec.Hash,
		State: rec.State, CreatedAt: dbTime(rec.CreatedAt), ExpiresAt: dbTime(rec.ExpiresAt),
	}
	res := r.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
	if res.Error != nil {
		return false, fmt.Errorf("claim idempotency key: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// DeleteExpired implements domain.IdempotencyRepository. It deletes by
// primary key, still guarded by expires_at: a range DELETE on expires_at
// would lock index ranges on MySQL/MariaDB (gap locks, or every scanned row)
// and deadlock with Complete moving live rows' expires_at.
func (r *idempotencyRepo) DeleteExpired(ctx context.Context, scope, key string, now time.Time) (bool, error) {
	res := r.db.WithContext(ctx).Where("scope = ? AND idem_key = ? AND expires_at <= ?", scope, key, dbTime(now)).
		Delete(&idempotencyKeyModel{})
	if res.Error != nil {
		return false, fmt.Errorf("delete expired idempotency key: %w", res.Error)
	}
	return res.RowsAffected > 0, nil
}

// Complete implements domain.IdempotencyRepository.
func (r *idempotencyRepo) Complete(ctx context.Context, rec domain.IdempotencyRecord, res domain.IdempotentResponse, expiresAt time.Time) (bool, error) {
	if len(res.ContentType) > maxResponseType {
		return false, fmt.Errorf("content type %.40q… longer than %d bytes cannot be stored", res.ContentType, maxResponseType)
	}
	body := res.Body
	if body == nil {
		body = []byte{} // a stored empty body, not "no response yet"
	}
	q := r.held(ctx, rec).Updates(map[string]any{
		"state":           domain.IdempotencyDone,
		"response_status": res.Status,
		"response_type":   res.ContentType,
		"response_body":   body,
		"expires_at":      dbTime(expiresAt),
	})
	if q.Error != nil {
		return false, fmt.Errorf("store idempotent response: %w", q.Error)
	}
	return q.RowsAffected > 0, nil
}

// Release implements domain.IdempotencyRepository.
func (r *idempotencyRepo) Release(ctx context.Context, rec domain.IdempotencyRecord) error {
	if err := r.held(ctx, rec).Delete(&idempotencyKeyModel{}).Error; err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}

// held selects the row of rec only while rec still holds it: CreatedAt fences
// a request whose lease expired and whose key another request took over.
func (r *idempotencyRepo) held(ctx context.Context, rec domain.IdempotencyRecord) *gorm.DB {
	return r.db.WithContext(ctx).Model(&idempotencyKeyModel{}).
		Where("scope = ? AND idem_key = ? AND state = ? AND created_at = ?",
			rec.Scope, rec.Key, domain.IdempotencyRunning, dbTime(rec.CreatedAt))
}
