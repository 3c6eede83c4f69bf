package gormdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/sqlbind"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// A receipt at cost moves the product's weighted average cost, which
// stock levels of every warehouse and the product's cost_price make up:
// LockLevels locks all of that product's levels and then its row (the cost
// basis), product by product in ascending id. That order — levels before the
// product row, as the ledger rows' foreign-key checks take the product's row
// after the levels too — is what keeps it free of lock cycles.

// lockCost locks the product's row and reads its cost price.
func (r *stockRepo) lockCost(ctx context.Context, productID int64) (decimal.Decimal, error) {
	var m productModel
	err := r.db.WithContext(ctx).Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
		Select("id", "cost_price").Where("id = ?", productID).Take(&m).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return decimal.Zero, domain.NotFound("product", productID)
	case err != nil:
		return decimal.Zero, fmt.Errorf("lock product %d: %w", productID, err)
	}
	return m.CostPrice, nil
}

// levelWithCost is a row of lockWithCost on PostgreSQL: a level and the cost
// price of its product. (Its fields are spelt out: GORM leaves an anonymous
// embedded model's fields unset when it scans a raw query.)
type levelWithCost struct {
	ProductID        int64
	WarehouseID      int64
	Qty              decimal.Decimal
	UpdatedAt        time.Time
	ProductCostPrice decimal.Decimal
}

// lockWithCost locks every level of the product and then its row, reading
// both, in one round trip on PostgreSQL and MySQL (a receipt at cost runs it
// under the purchase order's lock; docs/benchmarks.md, "Receptions"). ok is
// false when it could not tell (SQLite; no levels, a named warehouse without
// one, or no such product): the caller takes the general path then.
func (r *stockRepo) lockWithCost(ctx context.Context, lk domain.LevelLock) (rows []stockLevelModel, cost decimal.Decimal, ok bool, err error) {
	switch r.dialect {
	case sqldialect.Postgres:
		// The levels' CTE is read whole by the product's filter before the
		// product's row is locked (a one-time filter runs before its scan):
		// levels first, then the product, the order the comment above needs.
		// When a named level is missing the filter is false and the product
		// is not locked: the general path creates the level, and must lock
		// the product after it.
		var got []levelWithCost
		err = rawFind(r.db.WithContext(ctx), &got, "WITH l AS MATERIALIZED ("+
			"SELECT product_id, warehouse_id, qty, updated_at FROM stock_levels WHERE product_id = ? ORDER BY warehouse_id FOR UPDATE), "+
			"p AS (SELECT cost_price FROM products WHERE id = ? AND (SELECT count(*) FROM l WHERE warehouse_id IN ?) = ? FOR UPDATE) "+
			"SELECT l.product_id, l.warehouse_id, l.qty, l.updated_at, p.cost_price AS product_cost_price "+
			"FROM p CROSS JOIN l ORDER BY l.warehouse_id",
			lk.ProductID, lk.ProductID, namedOrNone(lk.WarehouseIDs), len(lk.WarehouseIDs))
		if err != nil {
			return nil, decimal.Zero, false, fmt.Errorf("lock stock levels and cost of product %d: %w", lk.ProductID, err)
		}
		if len(got) == 0 {
			return nil, decimal.Zero, false, nil
		}
		rows = make([]stockLevelModel, len(got))
		for i, g := range got {
			rows[i] = stockLevelModel{ProductID: g.ProductID, WarehouseID: g.WarehouseID, Qty: g.Qty, UpdatedAt: g.UpdatedAt}
		}
		cost = got[0].ProductCostPrice
	case sqldialect.MySQL:
		rows, cost, ok, err = r.lockWithCostMySQL(ctx, lk)
		if err != nil || !ok {
			return nil, decimal.Zero, false, err
		}
	default:
		return nil, decimal.Zero, false, nil
	}
	if len(missingWarehouses(rows, lk.WarehouseIDs)) > 0 {
		return nil, decimal.Zero, false, nil
	}
	return rows, cost, true, nil
}

// lockWithCostMySQL sends both locking reads as one multi-statement command;
// MySQL runs them in order. As on PostgreSQL, the product's row is locked
// only when every named level exists.
func (r *stockRepo) lockWithCostMySQL(ctx context.Context, lk domain.LevelLock) ([]stockLevelModel, decimal.Decimal, bool, error) {
	named := namedOrNone(lk.WarehouseIDs)
	args := []any{lk.ProductID, lk.ProductID, lk.ProductID}
	for _, w := range named {
		args = append(args, w)
	}
	args = append(args, len(lk.WarehouseIDs))
	// The *sql.Tx of the unit of work, beneath GORM, which would not pass a
	// multi-statement command through unchanged.
	res, err := r.db.WithContext(ctx).Statement.ConnPool.QueryContext(ctx,
		"SELECT product_id, warehouse_id, qty, updated_at FROM stock_levels WHERE product_id = ? ORDER BY warehouse_id FOR UPDATE;\n"+
			"SELECT cost_price FROM products WHERE id = ? AND (SELECT COUNT(*) FROM stock_levels WHERE product_id = ? AND warehouse_id IN ("+
			sqlbind.List(len(named))+")) = ? FOR UPDATE", args...)
	if err != nil {
		return nil, decimal.Zero, false, fmt.Errorf("lock stock levels and cost of product %d: %w", lk.ProductID, err)
	}
	defer res.Close()
	var rows []stockLevelModel
	for res.Next() {
		var m stockLevelModel
		if err := r.db.ScanRows(res, &m); err != nil {
			return nil, decimal.Zero, false, fmt.Errorf("lock stock levels of product %d: %w", lk.ProductID, err)
		}
		rows = append(rows, m)
	}
	if !res.NextResultSet() {
		// An error of the second statement (a deadlock, a lock wait
		// timeout) surfaces here; wrapped, so that txretry sees it.
		if err := res.Err(); err != nil {
			return nil, decimal.Zero, false, fmt.Errorf("lock cost of product %d: %w", lk.ProductID, err)
		}
		return nil, decimal.Zero, false, fmt.Errorf("lock cost of product %d: its result set is missing", lk.ProductID)
	}
	if !res.Next() {
		// No such product, or a named level is missing: the general path.
		return nil, decimal.Zero, false, res.Err()
	}
	var cost decimal.Decimal
	if err := res.Scan(&cost); err != nil {
		return nil, decimal.Zero, false, fmt.Errorf("lock cost of product %d: %w", lk.ProductID, err)
	}
	return rows, cost, len(rows) > 0, res.Err()
}

// namedOrNone is the warehouses of a lock for an IN list, which may not be
// empty: a lock of every level names none (id 0 matches no warehouse, and
// the count it is compared with is 0).
func namedOrNone(ids []int64) []int64 {
	if len(ids) == 0 {
		return []int64{0}
	}
	return ids
}
