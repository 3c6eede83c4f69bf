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
	rows, err := r.lockJoined(ctx, id, "")
	if err != nil {
		return nil, err
	}
	if len(rows) > 0 {
		return joinedDocument(rows), nil
	}
	return r.Lock(ctx, id)
}

// LockToReceive implements domain.DocumentRepository: LockWithLines's
// statement with two scalar subqueries more — whether each line's product
// keeps stock (Product.Stocked's rule, in SQL) and whether the warehouse
// exists. Neither is locked: PostgreSQL locks only d and l (FOR UPDATE OF),
// MySQL and MariaDB do not lock the rows of a subquery without a locking
// clause of its own. Where LockWithLines falls back to Lock (SQLite, an
// order without lines) the facts are read by two more queries.
func (r *documentRepo) LockToReceive(ctx context.Context, id, warehouseID int64) (*domain.Document, domain.ReceivingFacts, error) {
	facts := domain.ReceivingFacts{Stocked: map[int64]bool{}}
	rows, err := r.lockJoined(ctx, id, receivingFactsColumns, string(domain.ProductTypeProduct), warehouseID)
	if err != nil {
		return nil, facts, err
	}
	if len(rows) > 0 {
		for _, row := range rows {
			if row.L.ProductID != nil && row.Stocked != nil {
				facts.Stocked[*row.L.ProductID] = *row.Stocked == 1
			}
		}
		facts.WarehouseExists = rows[0].WarehouseFound > 0
		return joinedDocument(rows), facts, nil
	}
	d, err := r.Lock(ctx, id)
	if err != nil {
		return nil, facts, err
	}
	var ids []int64
	for _, l := range d.Lines {
		if l.ProductID > 0 {
			ids = append(ids, l.ProductID)
		}
	}
	if len(ids) > 0 {
		var products []productModel
		if err := r.db.WithContext(ctx).Select("id", "type", "track_stock").Where("id IN ?", ids).Find(&products).Error; err != nil {
			return nil, facts, fmt.Errorf("read products of document %d: %w", id, err)
		}
		for _, m := range products {
			facts.Stocked[m.ID] = m.product().Stocked()
		}
	}
	exist, err := (&warehouseRepo{db: r.db}).Existing(ctx, []int64{warehouseID})
	facts.WarehouseExists = exist[warehouseID]
	return d, facts, err
}

// receivingFactsColumns are LockToReceive's subqueries: their arguments
// are the product type that keeps stock, then the warehouse's id.
const receivingFactsColumns = "(SELECT CASE WHEN p.type = ? AND p.track_stock THEN 1 ELSE 0 END FROM products p WHERE p.id = l.product_id) AS stocked, " +
	"(SELECT COUNT(*) FROM warehouses w WHERE w.id = ?) AS warehouse_found"

// documentWithLine is one row of the join: the header's columns
// prefixed d_, the line's l_, and LockToReceive's facts.
type documentWithLine struct {
	D              documentModel     `gorm:"embedded;embeddedPrefix:d_"`
	L              documentLineModel `gorm:"embedded;embeddedPrefix:l_"`
	Stocked        *int64            // 1 when the line's product keeps stock; NULL without a product
	WarehouseFound int64
}

// lockJoined runs the locking join of the document id and its lines, with
// the columns extra (and their arguments args) when not empty; no row for a
// document without lines, or none, and on SQLite, which has no row locks.
func (r *documentRepo) lockJoined(ctx context.Context, id int64, extra string, args ...any) ([]documentWithLine, error) {
	var locking string
	switch r.dialect {
	case sqldialect.Postgres:
		locking = "FOR UPDATE OF d, l"
	case sqldialect.MySQL:
		locking = "FOR UPDATE"
	default:
		return nil, nil
	}
	dcols, err := columnsOf(r.db, &documentModel{})
	if err != nil {
		return nil, err
	}
	lcols, err := columnsOf(r.db, &documentLineModel{})
	if err != nil {
		return nil, err
	}
	sel := make([]string, 0, len(dcols)+len(lcols)+1)
	for _, c := range dcols {
		sel = append(sel, "d."+c+" AS d_"+c)
	}
	for _, c := range lcols {
		sel = append(sel, "l."+c+" AS l_"+c)
	}
	if extra != "" {
		sel = append(sel, extra)
	}
	q := "SELECT " + strings.Join(sel, ", ") +
		" FROM commercial_documents d JOIN commercial_document_lines l ON l.document_id = d.id" +
		" WHERE d.id = ? ORDER BY l.line_no " + locking
	var rows []documentWithLine
	if err := rawFind(r.db.WithContext(ctx), &rows, q, append(args, id)...); err != nil {
		return nil, fmt.Errorf("lock document %d with its lines: %w", id, err)
	}
	return rows, nil
}

// joinedDocument is the document of lockJoined's rows (at least one).
func joinedDocument(rows []documentWithLine) *domain.Document {
	d := rows[0].D.document()
	for _, row := range rows {
		d.Lines = append(d.Lines, row.L.line())
	}
	return d
}

// columnsOf returns the column names of a model, as GORM maps them.
func columnsOf(db *gorm.DB, model any) ([]string, error) {
	stmt := &gorm.Statement{DB: db}
	if err := stmt.Parse(model); err != nil {
		return nil, fmt.Errorf("columns of %T: %w", model, err)
	}
	return stmt.Schema.DBNames, nil
}
