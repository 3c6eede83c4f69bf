package gormdb

import (
	"fmt"
	"iter"

	"gorm.io/gorm"
)

// streamRows yields the rows of query, each scanned into a row model M and
// converted by conv, as the caller ranges over them: one statement read
// through GORM's Rows and ScanRows, so memory holds one row whatever their
// number. Stopping the range closes the rows and frees the connection; the
// sequence ends at the first error, which it yields. The statement runs when
// the range starts, so a read unit of work (which binds its readers to the
// pool, not to a transaction) may hand the sequence out of its function.
func streamRows[M, T any](query *gorm.DB, conv func(M) (T, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		fail := func(err error) { yield(zero, fmt.Errorf("stream rows: %w", err)) }
		rows, err := query.Rows()
		if err != nil {
			fail(err)
			return
		}
		defer func() { _ = rows.Close() }()
		scan := query.Session(&gorm.Session{NewDB: true}) // a fresh statement per row
		for rows.Next() {
			var m M
			if err := scan.ScanRows(rows, &m); err != nil {
				fail(err)
				return
			}
			t, err := conv(m)
			if err != nil {
				fail(err)
				return
			}
			if !yield(t, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			fail(err)
		}
	}
}
