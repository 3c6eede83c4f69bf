package gormdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/doligo/doligo/internal/domain"
)

type refreshTokenRow struct {
	ID        int64 `gorm:"primaryKey"`
	TokenHash string
	Family    string
	UserID    int64
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
}

func (refreshTokenRow) TableName() string { return "refresh_tokens" }

func (m refreshTokenRow) token() *domain.RefreshToken {
	t := &domain.RefreshToken{
		ID: m.ID, TokenHash: m.TokenHash, Family: m.Family, UserID: m.UserID,
		CreatedAt: m.CreatedAt.UTC(), ExpiresAt: m.ExpiresAt.UTC(),
	}
	if m.UsedAt != nil {
		t.UsedAt = m.UsedAt.UTC()
	}
	if m.RevokedAt != nil {
		t.RevokedAt = m.RevokedAt.UTC()
	}
	return t
}

// refreshTokenRepo implements domain.RefreshTokenRepository on the
// refresh_tokens table.
type refreshTokenRepo struct{ db *gorm.DB }

// GetByHash returns the token with that hash, or a not-found problem.
func (r *refreshTokenRepo) GetByHash(ctx context.Context, hash string) (*domain.RefreshToken, error) {
	var row refreshTokenRow
	err := r.db.WithContext(ctx).Where("token_hash = ?", hash).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, domain.NotFound("refresh token", "")
	}
	if err != nil {
		return nil, fmt.Errorf("read refresh token: %w", err)
	}
	return row.token(), nil
}

// Create inserts the token.
func (r *refreshTokenRepo) Create(ctx context.Context, t *domain.RefreshToken) error {
	row := refreshTokenRow{
		TokenHash: t.TokenHash, Family: t.Family, UserID: t.UserID,
		CreatedAt: dbTime(t.CreatedAt), ExpiresAt: dbTime(t.ExpiresAt),
	}
	if err := r.db.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert refresh token: %w", err)
	}
	t.ID = row.ID
	return nil
}

// Spend is one conditional UPDATE: the row lock it takes makes a concurrent
// Spend of the same token wait and then find used_at set (PostgreSQL and
// InnoDB re-read the row before they update it at READ COMMITTED; SQLite
// runs one writer at a time), so exactly one of them affects a row.
func (r *refreshTokenRepo) Spend(ctx context.Context, hash string, now time.Time) (bool, error) {
	res := r.db.WithContext(ctx).Model(&refreshTokenRow{}).
		Where("token_hash = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?", hash, dbTime(now)).
		Update("used_at", dbTime(now))
	if res.Error != nil {
		return false, fmt.Errorf("spend refresh token: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// RevokeFamily revokes the family's tokens.
func (r *refreshTokenRepo) RevokeFamily(ctx context.Context, family string, now time.Time) error {
	err := r.db.WithContext(ctx).Model(&refreshTokenRow{}).
		Where("family = ? AND revoked_at IS NULL", family).
		Update("revoked_at", dbTime(now)).Error
	if err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	return nil
}

// RevokeUser revokes the user's sessions but keep.
func (r *refreshTokenRepo) RevokeUser(ctx context.Context, userID int64, keep string, now time.Time) error {
	err := r.db.WithContext(ctx).Model(&refreshTokenRow{}).
		Where("user_id = ? AND family <> ? AND revoked_at IS NULL", userID, keep).
		Update("revoked_at", dbTime(now)).Error
	if err != nil {
		return fmt.Errorf("revoke sessions of user %d: %w", userID, err)
	}
	return nil
}

// Prune deletes expired tokens, which can serve no purpose any more.
func (r *refreshTokenRepo) Prune(ctx context.Context, now time.Time) (int64, error) {
	res := r.db.WithContext(ctx).Where("expires_at <= ?", dbTime(now)).Delete(&refreshTokenRow{})
	if res.Error != nil {
		return 0, fmt.Errorf("prune refresh tokens: %w", res.Error)
	}
	return res.RowsAffected, nil
}
