package gormdb

import (
	"context"
	"database/sql"
	"iter"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// ShipmentReports runs the shipment reports as plain SQL on the pool,
// streaming their rows as SalesReports does (same dialect seam, same summing
// in Go on SQLite).
type ShipmentReports struct {
	db *sql.DB
	d  reportDialect
}

// NewShipmentReports returns the shipment reports of db.
func NewShipmentReports(db *DB) *ShipmentReports {
	return &ShipmentReports{db: db.SQL, d: reportDialect(db.Dialect)}
}

// ShippedNotInvoiced streams the product lines of validated (or invoiced)
// orders that shipped more than was invoiced of them, by order id, then
// product, then line (domain.ShippedNotInvoicedRow says what "invoiced"
// means). One statement: each shipped line of a product, left-joined to the
// lines of that product on the order's validated or paid invoices, summed
// per order line in SQL on PostgreSQL and MySQL and, on SQLite (TEXT
// decimals, whose SUM would be binary floating point), one row per invoice
// line added in Go. The lines of one product of one order are then held
// together (a handful) to share what was invoiced of it.
func (r *ShipmentReports) ShippedNotInvoiced(ctx context.Context, q domain.ShippedNotInvoicedQuery) iter.Seq2[domain.ShippedNotInvoicedRow, error] {
	shipped := "l.qty_shipped > 0"
	if r.d == sqldialect.SQLite {
		shipped = "CAST(l.qty_shipped AS REAL) > 0"
	}
	where := "o.doc_type = 'order' AND o.status IN ('validated', 'invoiced') AND o.currency = ? AND l.product_id IS NOT NULL AND " + shipped
	args := []any{q.Currency}
	if q.ThirdPartyID > 0 {
		where += " AND o.thirdparty_id = ?"
		args = append(args, q.ThirdPartyID)
	}
	invoiced := r.d.sum("inv.qty")
	if r.d.exact() {
		invoiced = "COALESCE(" + invoiced + ", 0)"
	}
	query := `SELECT o.id, o.ref, o.thirdparty_id, t.name, o.currency, l.id, l.line_no, l.product_id, p.ref, l.description,
		l.qty_shipped, l.unit_price, l.discount_percent, ` + invoiced + `
		FROM commercial_documents o
		JOIN thirdparties t ON t.id = o.thirdparty_id
		JOIN commercial_document_lines l ON l.document_id = o.id
		JOIN products p ON p.id = l.product_id
		LEFT JOIN (SELECT i.source_id, il.product_id, il.qty
			FROM commercial_documents i JOIN commercial_document_lines il ON il.document_id = i.id
			WHERE i.doc_type = 'invoice' AND i.status IN ('validated', 'paid')) inv
			ON inv.source_id = o.id AND inv.product_id = l.product_id
		WHERE ` + where + `
		` + r.d.groupBy("o.id, o.ref, o.thirdparty_id, t.name, o.currency, l.id, l.line_no, l.product_id, p.ref, l.description, l.qty_shipped, l.unit_price, l.discount_percent") + `
		ORDER BY o.id, l.product_id, l.line_no, l.id`
	lines := foldRuns(ctx, r.db, r.d.bind(query), args,
		func(rows *sql.Rows) (int64, domain.ShippedNotInvoicedRow, error) {
			var (
				row             domain.ShippedNotInvoicedRow
				lineNo          int
				unit, discount  decimal.Decimal
				productInvoiced decimal.NullDecimal
			)
			err := rows.Scan(&row.OrderID, &row.OrderRef, &row.CustomerID, &row.CustomerName, &row.Currency, &row.OrderLineID, &lineNo,
				&row.ProductID, &row.ProductRef, &row.Description, &row.QtyShipped, &unit, &discount, &productInvoiced)
			row.NetUnitPrice = domain.Line{UnitPrice: unit, DiscountPercent: discount}.NetUnitPrice()
			row.ProductInvoiced = productInvoiced.Decimal // NULL: no invoice line
			return row.OrderLineID, row, err
		},
		func(cur *domain.ShippedNotInvoicedRow, part domain.ShippedNotInvoicedRow) {
			cur.ProductInvoiced = cur.ProductInvoiced.Add(part.ProductInvoiced)
		})
	return func(yield func(domain.ShippedNotInvoicedRow, error) bool) {
		var run []domain.ShippedNotInvoicedRow // the lines of one product of one order
		flush := func() bool {
			if len(run) == 0 {
				return true
			}
			shipped := make([]decimal.Decimal, len(run))
			for i, l := range run {
				shipped[i] = l.QtyShipped
			}
			for i, inv := range domain.AllocateInvoiced(shipped, run[0].ProductInvoiced) {
				l := run[i]
				l.QtyInvoiced = inv
				if l.QtyToInvoice().IsPositive() && !yield(l, nil) {
					return false
				}
			}
			run = run[:0]
			return true
		}
		for l, err := range lines {
			if err != nil {
				yield(l, err)
				return
			}
			if len(run) > 0 && (run[0].OrderID != l.OrderID || run[0].ProductID != l.ProductID) && !flush() {
				return
			}
			run = append(run, l)
		}
		flush()
	}
}
