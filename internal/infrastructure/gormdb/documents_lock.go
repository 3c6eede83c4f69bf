package gormdb

import (
	"context"
	"database/sql"
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
// MySQL: one multi-statement command, the header's SELECT … FOR UPDATE then
// the lines' plain SELECT, which under READ COMMITTED reads what was
// committed when it starts, i.e. after the lock was granted.
func (r *documentRepo) LockWithLines(ctx context.Context, id int64) (*domain.Document, error) {
	var (
		d   *domain.Document
		err error
	)
	switch r.dialect {
	case sqldialect.Postgres:
		d, err = r.lockJoinedPostgres(ctx, id)
	case sqldialect.MySQL:
		d, err = r.lockMultiMySQL(ctx, id)
	default:
		return r.Lock(ctx, id)
	}
	if err != nil || d != nil {
		return d, err
	}
	return r.Lock(ctx, id)
}

// documentWithLine is one row of the PostgreSQL join: the header's columns
// prefixed d_, the line's l_.
type documentWithLine struct {
	D documentModel     `gorm:"embedded;embeddedPrefix:d_"`
	L documentLineModel `gorm:"embedded;embeddedPrefix:l_"`
}

func (r *documentRepo) lockJoinedPostgres(ctx context.Context, id int64) (*domain.Document, error) {
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
		" WHERE d.id = ? ORDER BY l.line_no FOR UPDATE OF d, l"
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

func (r *documentRepo) lockMultiMySQL(ctx context.Context, id int64) (*domain.Document, error) {
	// The *sql.Tx of the unit of work, beneath GORM, which would not pass a
	// multi-statement command through unchanged.
	rows, err := r.db.WithContext(ctx).Statement.ConnPool.QueryContext(ctx,
		"SELECT * FROM commercial_documents WHERE id = ? FOR UPDATE;\n"+
			"SELECT * FROM commercial_document_lines WHERE document_id = ? ORDER BY line_no", id, id)
	if err != nil {
		return nil, fmt.Errorf("lock document %d with its lines: %w", id, err)
	}
	defer rows.Close()
	d, err := r.scanHeaderThenLines(rows)
	if err != nil {
		return nil, fmt.Errorf("lock document %d with its lines: %w", id, err)
	}
	return d, nil
}

// scanHeaderThenLines reads two result sets: the header (none: nil), then
// its lines.
func (r *documentRepo) scanHeaderThenLines(rows *sql.Rows) (*domain.Document, error) {
	if !rows.Next() {
		return nil, rows.Err()
	}
	var m documentModel
	if err := r.db.ScanRows(rows, &m); err != nil {
		return nil, err
	}
	d := m.document()
	for rows.Next() { // drain the header's set (one row by primary key)
	}
	if !rows.NextResultSet() {
		return nil, fmt.Errorf("the lines' result set is missing: %v", rows.Err())
	}
	for rows.Next() {
		var l documentLineModel
		if err := r.db.ScanRows(rows, &l); err != nil {
			return nil, err
		}
		d.Lines = append(d.Lines, l.line())
	}
	return d, rows.Err()
}

// columnsOf returns the column names of a model, as GORM maps them.
func columnsOf(db *gorm.DB, model any) ([]string, error) {
	stmt := &gorm.Statement{DB: db}
	if err := stmt.Parse(model); err != nil {
		return nil, fmt.Errorf("columns of %T: %w", model, err)
	}
	return stmt.Schema.DBNames, nil
}
