package gormdb

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// numberingRepo hands out the values of numbering_sequences: the last value
// handed out for one (key, period), e.g. ("invoice", "2026-11").
type numberingRepo struct {
	db      *gorm.DB
	dialect string
}

// Next is Reserve of one value.
func (r *numberingRepo) Next(ctx context.Context, key, period string) (int64, error) {
	return r.Reserve(ctx, key, period, 1)
}

// Reserve advances the sequence by n in one statement, an upsert that
// inserts n or adds n to the row, and returns the first of the n values.
// Either way the row stays locked until the transaction ends (a row lock on
// PostgreSQL and MySQL, the database write lock of the IMMEDIATE transaction
// on SQLite), so concurrent validations take numbers one after the other,
// and a rollback returns them. One round trip, not an insert-if-missing, a
// SELECT … FOR UPDATE and an update: the row is often the most contended of
// all (docs/benchmarks.md, "Receptions"). MySQL's ON DUPLICATE KEY UPDATE
// takes an exclusive lock on the existing row, not a shared one to upgrade;
// the new value comes back through LAST_INSERT_ID(expr) as the statement's
// insert id (0 when the row was inserted, with n).
func (r *numberingRepo) Reserve(ctx context.Context, key, period string, n int) (int64, error) {
	if n < 1 {
		return 0, fmt.Errorf("reserve %d values of numbering sequence %s/%s: want at least one", n, key, period)
	}
	db := r.db.WithContext(ctx)
	var last int64
	if r.dialect == sqldialect.MySQL {
		// The *sql.Tx of the unit of work, beneath GORM: GORM's Exec would
		// hide the insert id.
		res, err := db.Statement.ConnPool.ExecContext(ctx, "INSERT INTO numbering_sequences (doc_type, period, last_value) "+
			"VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE last_value = LAST_INSERT_ID(last_value + ?)", key, period, n, n)
		if err == nil {
			last, err = res.LastInsertId()
		}
		if err != nil {
			return 0, fmt.Errorf("advance numbering sequence %s/%s: %w", key, period, err)
		}
		if last == 0 {
			last = int64(n)
		}
	} else {
		err := rawFind(db, &last, "INSERT INTO numbering_sequences (doc_type, period, last_value) VALUES (?, ?, ?) "+
			"ON CONFLICT (doc_type, period) DO UPDATE SET last_value = numbering_sequences.last_value + excluded.last_value "+
			"RETURNING last_value", key, period, n)
		if err != nil {
			return 0, fmt.Errorf("advance numbering sequence %s/%s: %w", key, period, err)
		}
	}
	if last < int64(n) {
		return 0, fmt.Errorf("advance numbering sequence %s/%s: no value returned", key, period)
	}
	return last - int64(n) + 1, nil
}
