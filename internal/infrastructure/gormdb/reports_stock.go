package gormdb

import (
	"context"
	"fmt"
	"iter"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// StockReports reads the stock reports with plain SQL on the pool: each
// report is one statement, so it sees one consistent state of the tables.
type StockReports struct{ db *DB }

// NewStockReports returns the stock reports of db.
func NewStockReports(db *DB) *StockReports { return &StockReports{db: db} }

// stockValuationSQL values each non-zero level at its product's weighted
// average cost (products.cost_price). The %s are the dialect's parts: the
// value expression, the non-zero test and the placeholder of the warehouse
// filter.
const stockValuationSQL = `SELECT p.id, p.ref, p.label, l.warehouse_id, l.qty, p.cost_price, %s
FROM stock_levels l
JOIN products p ON p.id = l.product_id
WHERE %s%s
ORDER BY l.product_id, l.warehouse_id`

// stockValuationQuery returns the statement and arguments for f on dialect.
//
// PostgreSQL and MySQL multiply NUMERIC/DECIMAL exactly (scale 6 × scale 6
// gives scale 12), so the value comes from SQL. SQLite keeps the decimals as
// TEXT, and its arithmetic would turn them into binary floating point
// (0.1 × 3 = 0.30000000000000004): there the query returns NULL for the value
// and StockValuation multiplies in Go, with decimals. Comparing with zero
// needs no exactness, so SQLite's test casts to REAL (any quantity the
// columns admit is a non-zero REAL when it is not zero).
func stockValuationQuery(dialect string, f domain.StockValuationFilter) (string, []any) {
	value, nonZero, placeholder := "l.qty * p.cost_price", "l.qty <> 0", "?"
	switch dialect {
	case sqldialect.SQLite:
		value, nonZero = "NULL", "CAST(l.qty AS REAL) <> 0"
	case sqldialect.Postgres:
		placeholder = "$1"
	}
	filter, args := "", []any(nil)
	if f.WarehouseID != 0 {
		filter, args = " AND l.warehouse_id = "+placeholder, []any{f.WarehouseID}
	}
	return fmt.Sprintf(stockValuationSQL, value, nonZero, filter), args
}

// StockValuation yields the non-zero stock levels, by product id then
// warehouse id, with their value (the stock report of internal/api). The rows
// are streamed from one query, read as the caller consumes them: stopping the
// iteration closes them, and the sequence ends at the first error, which it
// yields.
func (r *StockReports) StockValuation(ctx context.Context, f domain.StockValuationFilter) iter.Seq2[domain.StockValuationRow, error] {
	return func(yield func(domain.StockValuationRow, error) bool) {
		fail := func(err error) { yield(domain.StockValuationRow{}, fmt.Errorf("stock valuation: %w", err)) }
		q, args := stockValuationQuery(r.db.Dialect, f)
		rows, err := r.db.SQL.QueryContext(ctx, q, args...)
		if err != nil {
			fail(err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			var (
				row   domain.StockValuationRow
				value decimal.NullDecimal
			)
			if err := rows.Scan(&row.ProductID, &row.Ref, &row.Label, &row.WarehouseID, &row.Qty, &row.AverageCost, &value); err != nil {
				fail(err)
				return
			}
			if value.Valid {
				row.Value = value.Decimal.Round(domain.MoneyScale)
			} else {
				row.Value = domain.StockValue(row.Qty, row.AverageCost)
			}
			if !yield(row, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			fail(err)
		}
	}
}
