package gormdb

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/doligo/doligo/internal/domain"
)

// stockNeedRepo runs the replenishment query: one plain SQL statement over
// products, stock_levels and the lines of validated or partially received
// purchase orders. PostgreSQL and MySQL sum in SQL; on SQLite (exact TEXT
// decimals, whose SUM would be a binary float) the same statement returns one
// row per level or order line, consecutive per product, and Go adds them up.
type stockNeedRepo struct {
	db *gorm.DB
	d  reportDialect
}

func (r *stockNeedRepo) StockNeeds(ctx context.Context, warehouseID int64) ([]domain.StockNeed, error) {
	levels, args := "SELECT product_id, qty AS stock, 0 AS ordered, 0 AS received FROM stock_levels", []any{}
	if warehouseID > 0 {
		levels += " WHERE warehouse_id = ?"
		args = append(args, warehouseID)
	}
	query := `SELECT p.id, p.label, p.min_stock, p.desired_stock,
		` + r.d.sum("x.stock") + `, ` + r.d.sum("x.ordered") + `, ` + r.d.sum("x.received") + `
		FROM products p
		LEFT JOIN (
			` + levels + `
			UNION ALL
			SELECT l.product_id, 0, l.qty, l.qty_received
			FROM commercial_document_lines l JOIN commercial_documents d ON d.id = l.document_id
			WHERE d.doc_type = 'purchase_order' AND d.status IN ('validated', 'partially_received')
				AND l.product_id IS NOT NULL
		) x ON x.product_id = p.id
		WHERE p.type = 'product' AND p.track_stock = ? AND p.active = ? AND p.min_stock IS NOT NULL
		` + r.d.groupBy("p.id, p.label, p.min_stock, p.desired_stock") + `
		ORDER BY p.id`
	args = append(args, true, true)
	rows, err := r.db.WithContext(ctx).Raw(query, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("replenishment query: %w", err)
	}
	defer rows.Close()
	var out []domain.StockNeed
	for rows.Next() {
		var (
			n                        domain.StockNeed
			stock, ordered, received decimal.NullDecimal
		)
		if err := rows.Scan(&n.ProductID, &n.Label, &n.MinStock, &n.DesiredStock, &stock, &ordered, &received); err != nil {
			return nil, fmt.Errorf("read replenishment row: %w", err)
		}
		if k := len(out) - 1; k >= 0 && out[k].ProductID == n.ProductID {
			out[k].Stock = out[k].Stock.Add(stock.Decimal)
			out[k].Incoming = out[k].Incoming.Add(ordered.Decimal).Sub(received.Decimal)
			continue
		}
		n.Stock = stock.Decimal
		n.Incoming = ordered.Decimal.Sub(received.Decimal)
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read replenishment rows: %w", err)
	}
	return out, nil
}
