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

type loginFailureRow struct {
	Login        string `gorm:"primaryKey"`
	Address      string `gorm:"primaryKey"`
	Failures     int
	FirstFailure time.Time
	LockedUntil  *time.Time
}

func (loginFailureRow) TableName() string { return "login_failures" }

func (m loginFailureRow) failures() domain.LoginFailures {
	f := domain.LoginFailures{Login: m.Login, Address: m.Address, Failures: m.Failures, FirstFailure: m.FirstFailure.UTC()}
	if m.LockedUntil != nil {
		f.LockedUntil = m.LockedUntil.UTC()
	}
	return f
}

// loginFailureRepo implements domain.LoginFailureRepository on the
// login_failures table, which every API replica shares.
type loginFailureRepo struct{ db *gorm.DB }

// Get returns the pair's record, or a zero one.
func (r *loginFailureRepo) Get(ctx context.Context, login, address string) (domain.LoginFailures, error) {
	var row loginFailureRow
	err := r.db.WithContext(ctx).Where("login = ? AND address = ?", login, address).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return domain.LoginFailures{Login: login, Address: address}, nil
	}
	if err != nil {
		return domain.LoginFailures{}, fmt.Errorf("read login failures: %w", err)
	}
	return row.failures(), nil
}

// seedRow is the zero record of a pair.
func seedRow(login, address string) loginFailureRow {
	return loginFailureRow{Login: login, Address: address, FirstFailure: dbTime(time.Unix(0, 0))}
}

// Ensure inserts the pair's zero record unless it exists (an insert that does
// nothing when it does).
func (r *loginFailureRepo) Ensure(ctx context.Context, login, address string) error {
	seed := seedRow(login, address)
	if err := r.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&seed).Error; err != nil {
		return fmt.Errorf("insert login failures: %w", err)
	}
	return nil
}

// Lock reads the pair's record with FOR UPDATE. When Prune deleted it between
// Ensure and this lock it was stale, so a fresh one is inserted.
func (r *loginFailureRepo) Lock(ctx context.Context, login, address string) (domain.LoginFailures, error) {
	tx := r.db.WithContext(ctx)
	var row loginFailureRow
	err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
		Where("login = ? AND address = ?", login, address).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		row = seedRow(login, address)
		err = tx.Create(&row).Error
	}
	if err != nil {
		return domain.LoginFailures{}, fmt.Errorf("lock login failures: %w", err)
	}
	return row.failures(), nil
}

// Save writes a record read with Lock.
func (r *loginFailureRepo) Save(ctx context.Context, f domain.LoginFailures) error {
	var lockedUntil *time.Time
	if !f.LockedUntil.IsZero() {
		t := dbTime(f.LockedUntil)
		lockedUntil = &t
	}
	err := r.db.WithContext(ctx).Model(&loginFailureRow{}).Where("login = ? AND address = ?", f.Login, f.Address).
		Updates(map[string]any{"failures": f.Failures, "first_failure": dbTime(f.FirstFailure), "locked_until": lockedUntil}).Error
	if err != nil {
		return fmt.Errorf("update login failures: %w", err)
	}
	return nil
}

// Delete forgets the pair.
func (r *loginFailureRepo) Delete(ctx context.Context, login, address string) error {
	err := r.db.WithContext(ctx).Where("login = ? AND address = ?", login, address).Delete(&loginFailureRow{}).Error
	if err != nil {
		return fmt.Errorf("clear login failures: %w", err)
	}
	return nil
}

// Prune deletes the records whose window has passed and that hold no lock,
// so logins sprayed at random do not grow the table without bound.
func (r *loginFailureRepo) Prune(ctx context.Context, now time.Time, window time.Duration) (int64, error) {
	res := r.db.WithContext(ctx).
		Where("first_failure < ? AND (locked_until IS NULL OR locked_until <= ?)", dbTime(now.Add(-window)), dbTime(now)).
		Delete(&loginFailureRow{})
	if res.Error != nil {
		return 0, fmt.Errorf("prune login failures: %w", res.Error)
	}
	return res.RowsAffected, nil
}
