package gormdb

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// sequenceModel is a row of numbering_sequences: the last value handed out
// for one (key, period), e.g. ("invoice", "2026-11").
type sequenceModel struct {
	DocType   string `gorm:"primaryKey"`
	Period    string `gorm:"primaryKey"`
	LastValue int64
}

func (sequenceModel) TableName() string { return "numbering_sequences" }

type numberingRepo struct {
	db      *gorm.DB
	dialect string
}

// Next makes sure the sequence row exists (an idempotent insert: FOR UPDATE
// cannot lock a missing row, and of two first inserts one does nothing), then
// locks it with SELECT … FOR UPDATE and increments it. The lock lasts until
// the transaction ends, so concurrent validations take numbers one after the
// other, and a rollback returns the number. On SQLite the IMMEDIATE
// transaction already holds the database write lock.
//
// PostgreSQL and MySQL do all of it in one statement, an upsert that inserts
// 1 or increments the row, which stays locked until the transaction ends
// just the same: one round trip instead of three, and the row is often the
// most contended of all (docs/benchmarks.md, "Receptions"). MySQL's
// ON DUPLICATE KEY UPDATE takes an exclusive lock on the existing row, not a
// shared one to upgrade; the new value comes back through LAST_INSERT_ID(expr)
// as the statement's insert id (0 when the row was inserted, with 1).
func (r *numberingRepo) Next(ctx context.Context, key, period string) (int64, error) {
	db := r.db.WithContext(ctx)
	switch r.dialect {
	case sqldialect.Postgres:
		var v int64
		err := rawFind(db, &v, "INSERT INTO numbering_sequences (doc_type, period, last_value) VALUES (?, ?, 1) "+
			"ON CONFLICT (doc_type, period) DO UPDATE SET last_value = numbering_sequences.last_value + 1 "+
			"RETURNING last_value", key, period)
		if err != nil {
			return 0, fmt.Errorf("advance numbering sequence %s/%s: %w", key, period, err)
		}
		if v < 1 {
			return 0, fmt.Errorf("advance numbering sequence %s/%s: no value returned", key, period)
		}
		return v, nil
	case sqldialect.MySQL:
		// The *sql.Tx of the unit of work, beneath GORM: GORM's Exec would
		// hide the insert id.
		res, err := db.Statement.ConnPool.ExecContext(ctx, "INSERT INTO numbering_sequences (doc_type, period, last_value) "+
			"VALUES (?, ?, 1) ON DUPLICATE KEY UPDATE last_value = LAST_INSERT_ID(last_value + 1)", key, period)
		if err != nil {
			return 0, fmt.Errorf("advance numbering sequence %s/%s: %w", key, period, err)
		}
		v, err := res.LastInsertId()
		if err != nil {
			return 0, fmt.Errorf("advance numbering sequence %s/%s: %w", key, period, err)
		}
		return max(v, 1), nil
	}
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
