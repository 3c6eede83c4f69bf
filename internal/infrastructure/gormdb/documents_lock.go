package gormdb

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// LockWithLines is Lock in one round trip where the database allows: a
// reception holds the order's row lock from here to its commit, and the next
// reception of the order waits for all of it (docs/benchmarks.md,
// "Receptions").
//
// PostgreSQL reads every row of a statement as of the statement's start, so
// lines read in the statement that waited for the header's lock would be as
// they were before the receptions committed meanwhile; locking them as well
// (FOR UPDATE OF d, l) makes it return their latest versions. The header is
// locked first, then its lines in line order — after the header, as every
// writer of lines does. A document without lines (the join finds nothing)
// falls back to Lock, which also tells a missing document.
//
// MySQL: the same join, FOR UPDATE locking the rows of both tables; a
// locking read returns the latest committed version of each row, and the
// header — a primary-key lookup, read first — is locked before its lines.
func (r *documentRepo) LockWithLines(ctx context.Context, id int64) (*domain.Document, error) {
	var (
		d   *domain.Document
		err error
	)
	switch r.dialect {
	case sqldialect.Postgres:
		d, err = r.lockJoined(ctx, id, "FOR UPDATE OF d, l")
	case sqldialect.MySQL:
		d, err = r.lockJoined(ctx, id, "FOR UPDATE")
	default:
		return r.Lock(ctx, id)
	}
	if err != nil || d != nil {
		return d, err
	}
	return r.Lock(ctx, id)
}

// documentWithLine is one row of the join: the header's columns
// prefixed d_, the line's l_.
type documentWithLine struct {
	D documentModel     `gorm:"embedded;embeddedPrefix:d_"`
	L documentLineModel `gorm:"embedded;embeddedPrefix:l_"`
}

func (r *documentRepo) lockJoined(ctx context.Context, id int64, locking string) (*domain.Document, error) {
	dcols, err := columnsOf(r.db, &documentModel{})
	if err != nil {
		return nil, err
	}
	lcols, err := columnsOf(r.db, &documentLineModel{})
	if err != nil {
		return nil, err
	}
	sel := make([]string, 0, len(dcols)+len(lcols))
	for _, c := range dcols {
		sel = append(sel, "d."+c+" AS d_"+c)
	}
	for _, c := range lcols {
		sel = append(sel, "l."+c+" AS l_"+c)
	}
	q := "SELECT " + strings.Join(sel, ", ") +
		" FROM commercial_documents d JOIN commercial_document_lines l ON l.document_id = d.id" +
		" WHERE d.id = ? ORDER BY l.line_no " + locking
	var rows []documentWithLine
	if err := rawFind(r.db.WithContext(ctx), &rows, q, id); err != nil {
		return nil, fmt.Errorf("lock document %d with its lines: %w", id, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	d := rows[0].D.document()
	for _, row := range rows {
		d.Lines = append(d.Lines, row.L.line())
	}
	return d, nil
}

// columnsOf returns the column names of a model, as GORM maps them.
func columnsOf(db *gorm.DB, model any) ([]string, error) {
	stmt := &gorm.Statement{DB: db}
	if err := stmt.Parse(model); err != nil {
		return nil, fmt.Errorf("columns of %T: %w", model, err)
	}
	return stmt.Schema.DBNames, nil
}
