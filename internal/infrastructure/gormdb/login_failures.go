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

// LoginFailureRepo implements domain.LoginFailureRepository on the
// login_failures table, which every API replica shares.
type LoginFailureRepo struct{ db *gorm.DB }

// NewLoginFailureRepo returns the repository of db.
func NewLoginFailureRepo(db *DB) *LoginFailureRepo { return &LoginFailureRepo{db: db.Gorm} }

// Get returns the pair's record, or a zero one.
func (r *LoginFailureRepo) Get(ctx context.Context, login, address string) (domain.LoginFailures, error) {
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

// Update makes sure the row exists (an insert that does nothing when it does,
// committed on its own so that it holds no insert lock while waiting below),
// then locks it, applies fn and writes it back: concurrent failures of one
// pair are counted one after the other, none lost.
func (r *LoginFailureRepo) Update(ctx context.Context, login, address string, fn func(*domain.LoginFailures)) (domain.LoginFailures, error) {
	db := r.db.WithContext(ctx)
	seed := loginFailureRow{Login: login, Address: address, FirstFailure: dbTime(time.Unix(0, 0))}
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&seed).Error; err != nil {
		return domain.LoginFailures{}, fmt.Errorf("insert login failures: %w", err)
	}
	var out domain.LoginFailures
	err := db.Transaction(func(tx *gorm.DB) error {
		var row loginFailureRow
		err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
			Where("login = ? AND address = ?", login, address).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			// Prune deleted the row between the insert and the lock: it was
			// stale, so start from a fresh one.
			row = seed
			err = tx.Create(&row).Error
		}
		if err != nil {
			return err
		}
		f := row.failures()
		fn(&f)
		row.Failures, row.FirstFailure, row.LockedUntil = f.Failures, dbTime(f.FirstFailure), nil
		if !f.LockedUntil.IsZero() {
			t := dbTime(f.LockedUntil)
			row.LockedUntil = &t
		}
		out = row.failures()
		return tx.Model(&loginFailureRow{}).Where("login = ? AND address = ?", login, address).
			Updates(map[string]any{"failures": row.Failures, "first_failure": row.FirstFailure, "locked_until": row.LockedUntil}).Error
	})
	if err != nil {
		return domain.LoginFailures{}, fmt.Errorf("update login failures: %w", err)
	}
	return out, nil
}

// Delete forgets the pair.
func (r *LoginFailureRepo) Delete(ctx context.Context, login, address string) error {
	err := r.db.WithContext(ctx).Where("login = ? AND address = ?", login, address).Delete(&loginFailureRow{}).Error
	if err != nil {
		return fmt.Errorf("clear login failures: %w", err)
	}
	return nil
}

// Prune deletes the records whose window has passed and that hold no lock,
// so logins sprayed at random do not grow the table without bound.
func (r *LoginFailureRepo) Prune(ctx context.Context, now time.Time, window time.Duration) (int64, error) {
	res := r.db.WithContext(ctx).
		Where("first_failure < ? AND (locked_until IS NULL OR locked_until <= ?)", dbTime(now.Add(-window)), dbTime(now)).
		Delete(&loginFailureRow{})
	if res.Error != nil {
		return 0, fmt.Errorf("prune login failures: %w", res.Error)
	}
	return res.RowsAffected, nil
}
