package gormdb

import (
	"context"
	"database/sql"
	"iter"

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
		` + r.d.sum(r.d.signed("d.total_net", domain.DocSupplierCreditNote)) + `, ` + r.d.sum(r.d.signed("d.total_vat", domain.DocSupplierCreditNote)) + `, ` + r.d.sum(r.d.signed("d.total_gross", domain.DocSupplierCreditNote)) + `
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
	return aging(ctx, r.db, r.d, domain.DocSupplierInvoice, domain.DocSupplierCreditNote, q)
}
