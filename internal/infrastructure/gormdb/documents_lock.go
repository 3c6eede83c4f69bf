package gormdb

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/sqlbind"
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
func (r *documentRepo) LockToReceive(ctx context.Context, id, warehouseID int64, lineIDs []int64) (*domain.Document, domain.ReceivingFacts, error) {
	facts := domain.ReceivingFacts{Stocked: map[int64]bool{}}
	var rows []documentWithLine
	var err error
	if r.dialect == sqldialect.MySQL && len(lineIDs) > 0 && len(lineIDs) <= maxPrelockedLines {
		rows, facts.Stock, err = r.lockToReceiveMySQL(ctx, id, warehouseID, lineIDs)
	} else {
		rows, err = r.lockJoined(ctx, id, receivingFactsColumns, string(domain.ProductTypeProduct), warehouseID)
	}
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

// maxPrelockedLines bounds the lines whose stock LockToReceive locks on
// MySQL (an IN list in two statements); a larger reception locks its stock
// through LockLevels.
const maxPrelockedLines = 64

// lockToReceiveMySQL is LockToReceive's join followed, in the same
// multi-statement command, by the locks LockLevels takes for a receipt at
// cost, for the products of the lines lineIDs: every level of each product,
// then the product rows that have a level in the warehouse (a product
// without one is left to LockLevels, which creates the level before it
// locks the product, the order concurrent productions need). The lines
// drive both joins (STRAIGHT_JOIN), and each level and product row is
// reached through its primary key (FORCE INDEX: on small tables the
// optimiser would rather scan, locking every row it reads), so that no
// other row is locked; the lines' rows are the transaction's already.
func (r *documentRepo) lockToReceiveMySQL(ctx context.Context, id, warehouseID int64, lineIDs []int64) ([]documentWithLine, *domain.LockedStock, error) {
	join, err := r.lockJoinedSQL(receivingFactsColumns)
	if err != nil {
		return nil, nil, err
	}
	args := []any{string(domain.ProductTypeProduct), warehouseID, id}
	lineArgs := []any{id}
	for _, l := range lineIDs {
		lineArgs = append(lineArgs, l)
	}
	levels, products := receivedStockMySQL(len(lineIDs))
	q := join + " FOR UPDATE;\n" + levels + ";\n" + products
	args = append(args, lineArgs...)
	args = append(args, warehouseID)
	args = append(args, lineArgs...)
	// The *sql.Tx of the unit of work, beneath GORM, which would not pass a
	// multi-statement command through unchanged.
	res, err := r.db.WithContext(ctx).Statement.ConnPool.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("lock document %d with its lines and stock: %w", id, err)
	}
	defer res.Close()
	var rows []documentWithLine
	for res.Next() {
		var m documentWithLine
		if err := r.db.ScanRows(res, &m); err != nil {
			return nil, nil, fmt.Errorf("lock document %d with its lines: %w", id, err)
		}
		rows = append(rows, m)
	}
	stock := &domain.LockedStock{Costs: map[int64]decimal.Decimal{}}
	// An error of a later statement (a deadlock, a lock wait timeout)
	// surfaces when its result set is asked for; wrapped, so that txretry
	// sees it.
	if !res.NextResultSet() {
		return nil, nil, fmt.Errorf("lock the stock of document %d: %w", id, errOrMissing(res.Err()))
	}
	for res.Next() {
		var m stockLevelModel
		if err := res.Scan(&m.ProductID, &m.WarehouseID, &m.Qty, &m.UpdatedAt); err != nil {
			return nil, nil, fmt.Errorf("lock the stock levels of document %d: %w", id, err)
		}
		stock.Levels = append(stock.Levels, m.level())
	}
	if !res.NextResultSet() {
		return nil, nil, fmt.Errorf("lock the products of document %d: %w", id, errOrMissing(res.Err()))
	}
	for res.Next() {
		var pid int64
		var cost decimal.Decimal
		if err := res.Scan(&pid, &cost); err != nil {
			return nil, nil, fmt.Errorf("lock the products of document %d: %w", id, err)
		}
		stock.Costs[pid] = cost
	}
	return rows, stock, res.Err()
}

// receivedStockMySQL is lockToReceiveMySQL's locking reads of the stock of
// n received lines: the levels (arguments: the document's id, then the
// lines' ids) and the products (the warehouse's id, then the same). A
// product is reached through its level in the warehouse, so that the row of
// one without it is not read — in a locking read, a row read is a row
// locked, whatever the WHERE clause then says of it.
func receivedStockMySQL(n int) (levels, products string) {
	received := "FROM commercial_document_lines l STRAIGHT_JOIN %s WHERE l.document_id = ? AND l.id IN (" + sqlbind.List(n) + ")"
	levels = "SELECT s.product_id, s.warehouse_id, s.qty, s.updated_at " +
		fmt.Sprintf(received, "stock_levels s FORCE INDEX (PRIMARY) ON s.product_id = l.product_id") +
		" ORDER BY s.product_id, s.warehouse_id FOR UPDATE"
	products = "SELECT p.id, p.cost_price " +
		fmt.Sprintf(received, "stock_levels e FORCE INDEX (PRIMARY) ON e.product_id = l.product_id AND e.warehouse_id = ? "+
			"STRAIGHT_JOIN products p FORCE INDEX (PRIMARY) ON p.id = l.product_id") +
		" ORDER BY p.id FOR UPDATE"
	return levels, products
}

// errOrMissing is err, or an error saying a result set is missing.
func errOrMissing(err error) error {
	if err != nil {
		return err
	}
	return errors.New("its result set is missing")
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
	q, err := r.lockJoinedSQL(extra)
	if err != nil {
		return nil, err
	}
	q += " " + locking
	var rows []documentWithLine
	if err := rawFind(r.db.WithContext(ctx), &rows, q, append(args, id)...); err != nil {
		return nil, fmt.Errorf("lock document %d with its lines: %w", id, err)
	}
	return rows, nil
}

// lockJoinedSQL is lockJoined's statement but its locking clause (MySQL's
// is FOR UPDATE): the columns extra, then the document's id as arguments.
func (r *documentRepo) lockJoinedSQL(extra string) (string, error) {
	dcols, err := columnsOf(r.db, &documentModel{})
	if err != nil {
		return "", err
	}
	lcols, err := columnsOf(r.db, &documentLineModel{})
	if err != nil {
		return "", err
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
	return "SELECT " + strings.Join(sel, ", ") +
		" FROM commercial_documents d JOIN commercial_document_lines l ON l.document_id = d.id" +
		" WHERE d.id = ? ORDER BY l.line_no", nil
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
