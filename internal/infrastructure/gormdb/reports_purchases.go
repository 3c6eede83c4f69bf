package gormdb

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

// PurchaseReports runs the purchase reports — purchases by period and
// supplier, payables aging — as plain SQL on the pool, streaming their rows,
// the way SalesReports does for the sales side (same dialect seam, same
// summing in Go on SQLite). They only read commercial_documents: supplier
// invoices ('supplier_invoice') less supplier credit notes
// ('supplier_credit_note').
type PurchaseReports struct {
	db *sql.DB
	d  reportDialect
}

// NewPurchaseReports returns the purchase reports of db.
func NewPurchaseReports(db *DB) *PurchaseReports {
	return &PurchaseReports{db: db.SQL, d: reportDialect(db.Dialect)}
}

// supplierSigned is an amount column of d, negated on a supplier credit note.
func (d reportDialect) supplierSigned(col string) string {
	neg := "-" + col
	if !d.exact() {
		neg = "'-' || " + col
	}
	return "CASE WHEN d.doc_type = 'supplier_credit_note' THEN " + neg + " ELSE " + col + " END"
}

// Purchases streams the purchases of the period by period then supplier id.
func (r *PurchaseReports) Purchases(ctx context.Context, q domain.PurchasesQuery) iter.Seq2[domain.SupplierPurchases, error] {
	to, toArgs := r.d.upTo("d.doc_date", q.To)
	where := `d.doc_type IN ('supplier_invoice', 'supplier_credit_note') AND d.status IN ('validated', 'paid')
		AND d.currency = ? AND d.doc_date >= ` + r.d.date() + ` AND ` + to
	args := append([]any{q.Currency, day(q.From)}, toArgs...)
	if q.SupplierID > 0 {
		where += " AND d.thirdparty_id = ?"
		args = append(args, q.SupplierID)
	}
	query := `SELECT ` + r.d.period("d.doc_date", q.GroupBy) + `, d.thirdparty_id, t.name,
		` + r.d.sum("CASE WHEN d.doc_type = 'supplier_invoice' THEN 1 ELSE 0 END") + `,
		` + r.d.sum("CASE WHEN d.doc_type = 'supplier_credit_note' THEN 1 ELSE 0 END") + `,
		` + r.d.sum(r.d.supplierSigned("d.total_net")) + `, ` + r.d.sum(r.d.supplierSigned("d.total_vat")) + `, ` + r.d.sum(r.d.supplierSigned("d.total_gross")) + `
		FROM commercial_documents d JOIN thirdparties t ON t.id = d.thirdparty_id
		WHERE ` + where + `
		` + r.d.groupBy("1, 2, 3") + `
		ORDER BY 1, 2`
	type key struct {
		period string
		id     int64
	}
	return foldRuns(ctx, r.db, r.d.bind(query), args,
		func(rows *sql.Rows) (key, domain.SupplierPurchases, error) {
			var p domain.SupplierPurchases
			err := rows.Scan(&p.Period, &p.SupplierID, &p.Name, &p.Invoices, &p.CreditNotes, &p.TotalNet, &p.TotalVAT, &p.TotalGross)
			return key{p.Period, p.SupplierID}, p, err
		},
		(*domain.SupplierPurchases).Add)
}

// PayablesAging streams, per supplier (by name), what is still to pay on
// validated supplier invoices dated up to q.AsOf, in buckets of days past the
// due date at q.AsOf (the document date without one). A validated supplier
// credit note's amount due subtracts, in the bucket of the invoice it
// credits. Suppliers whose amounts cancel out are left out.
func (r *PurchaseReports) PayablesAging(ctx context.Context, q domain.AgingQuery) iter.Seq2[domain.CustomerAging, error] {
	days := r.d.daysSince("COALESCE(s.due_date, d.due_date, d.doc_date)")
	asOf, asOfArgs := r.d.upTo("d.doc_date", q.AsOf)
	query := `SELECT a.thirdparty_id, t.name, t.code,
		CASE WHEN a.days < 0 THEN 0 WHEN a.days <= 30 THEN 1 WHEN a.days <= 60 THEN 2 WHEN a.days <= 90 THEN 3 ELSE 4 END,
		` + r.d.sum("a.gross") + `, ` + r.d.sum("a.paid") + `
		FROM (
			SELECT d.thirdparty_id, ` + days + ` AS days,
				` + r.d.supplierSigned("d.total_gross") + ` AS gross, ` + r.d.supplierSigned("d.amount_paid") + ` AS paid
			FROM commercial_documents d
			LEFT JOIN commercial_documents s ON s.id = d.source_id AND d.doc_type = 'supplier_credit_note'
			WHERE d.doc_type IN ('supplier_invoice', 'supplier_credit_note') AND d.status = 'validated'
				AND d.currency = ? AND ` + asOf + `
		) a JOIN thirdparties t ON t.id = a.thirdparty_id
		` + r.d.groupBy("1, 2, 3, 4") + `
		ORDER BY 2, 1, 4`
	args := append([]any{day(q.AsOf), q.Currency}, asOfArgs...)
	rows := foldRuns(ctx, r.db, r.d.bind(query), args,
		func(rows *sql.Rows) (int64, domain.CustomerAging, error) {
			var (
				c           domain.CustomerAging
				bucket      int
				gross, paid decimal.Decimal
			)
			err := rows.Scan(&c.ThirdPartyID, &c.Name, &c.Code, &bucket, &gross, &paid)
			if err == nil && (bucket < 0 || bucket >= int(domain.AgingBucketCount)) {
				err = fmt.Errorf("aging bucket %d out of range", bucket)
			}
			if err == nil {
				c.Buckets[bucket] = gross.Sub(paid)
			}
			return c.ThirdPartyID, c, err
		},
		func(c *domain.CustomerAging, o domain.CustomerAging) {
			for i := range c.Buckets {
				c.Buckets[i] = c.Buckets[i].Add(o.Buckets[i])
			}
		})
	return func(yield func(domain.CustomerAging, error) bool) {
		for c, err := range rows {
			if err == nil && !slices.ContainsFunc(c.Buckets[:], func(b decimal.Decimal) bool { return !b.IsZero() }) {
				continue
			}
			if !yield(c, err) || err != nil {
				return
			}
		}
	}
}
