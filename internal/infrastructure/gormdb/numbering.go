package gormdb

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// sequenceModel is a row of numbering_sequences: the last value handed out
// for one (key, period), e.g. ("invoice", "2026-11").
type sequenceModel struct {
	DocType   string `gorm:"primaryKey"`
	Period    string `gorm:"primaryKey"`
	LastValue int64
}

func (sequenceModel) TableName() string { return "numbering_sequences" }

type numberingRepo struct{ db *gorm.DB }

// Next makes sure the sequence row exists (an idempotent insert: FOR UPDATE
// cannot lock a missing row, and of two first inserts one does nothing), then
// locks it with SELECT … FOR UPDATE and increments it. The lock lasts until
// the transaction ends, so concurrent validations take numbers one after the
// other, and a rollback returns the number. On SQLite the IMMEDIATE
// transaction already holds the database write lock.
func (r *numberingRepo) Next(ctx context.Context, key, period string) (int64, error) {
	db := r.db.WithContext(ctx)
	seed := sequenceModel{DocType: key, Period: period}
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&seed).Error; err != nil {
		return 0, fmt.Errorf("create numbering sequence %s/%s: %w", key, period, err)
	}
	var m sequenceModel
	err := db.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
		Where("doc_type = ? AND period = ?", key, period).Take(&m).Error
	if err != nil {
		return 0, fmt.Errorf("lock numbering sequence %s/%s: %w", key, period, err)
	}
	m.LastValue++
	err = db.Model(&sequenceModel{}).Where("doc_type = ? AND period = ?", key, period).
		Update("last_value", m.LastValue).Error
	if err != nil {
		return 0, fmt.Errorf("advance numbering sequence %s/%s: %w", key, period, err)
	}
	return m.LastValue, nil
}
