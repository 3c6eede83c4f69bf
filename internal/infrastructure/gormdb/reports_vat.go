package gormdb

import (
	"context"
	"database/sql"
	"iter"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

// VATReports runs the VAT report as plain SQL on the pool, streaming its
// rows, over the lines of validated (or paid) documents: sales (invoices,
// down-payment invoices, credit notes) and purchases (supplier invoices,
// supplier credit notes), by month and VAT rate. As in SalesReports,
// PostgreSQL and MySQL sum in SQL and SQLite returns one row per line that
// Go adds up; the sign of a credit note is applied in Go, since a line's
// amounts may be negative (a final invoice's deduction of a down payment).
type VATReports struct {
	db *sql.DB
	d  reportDialect
}

// NewVATReports returns the VAT report of db.
func NewVATReports(db *DB) *VATReports {
	return &VATReports{db: db.SQL, d: reportDialect(db.Dialect)}
}

// VAT streams the VAT of the period by month then rate (lowest first).
func (r *VATReports) VAT(ctx context.Context, q domain.VATQuery) iter.Seq2[domain.VATDue, error] {
	to, toArgs := r.d.upTo("d.doc_date", q.To)
	period := r.d.period("d.doc_date", domain.GroupByMonth)
	order := "ORDER BY 1, 2, 3"
	if !r.d.exact() {
		order = "ORDER BY 1, CAST(l.vat_rate AS REAL), 3" // rates are text on SQLite: order them as numbers
	}
	// The documents in the report's currency count as they are; those in
	// another currency whose company currency is the report's count
	// converted at the rate fixed at their validation: VAT is owed in the
	// company currency whatever the invoice's. Each document's sums per rate
	// are converted and rounded as its own totals are (domain.DivMoney),
	// then added up in Go, so the SQL groups by document too.
	query := `SELECT ` + period + `, l.vat_rate, d.doc_type, d.id, d.currency, d.currency_rate, ` + r.d.sum("l.total_net") + `, ` + r.d.sum("l.total_vat") + `
		FROM commercial_document_lines l JOIN commercial_documents d ON d.id = l.document_id
		WHERE d.doc_type IN ('invoice', 'down_payment', 'credit_note', 'supplier_invoice', 'supplier_credit_note')
			AND d.status IN ('validated', 'paid')
			AND (d.currency = ? OR (d.company_currency = ? AND d.currency_rate IS NOT NULL))
			AND d.doc_date >= ` + r.d.date() + ` AND ` + to + `
		` + r.d.groupBy("1, 2, 3, 4, 5, 6") + `
		` + order
	args := append([]any{q.Currency, q.Currency, day(q.From)}, toArgs...)
	return foldRuns(ctx, r.db, r.d.bind(query), args,
		func(rows *sql.Rows) (string, domain.VATDue, error) {
			var (
				v        domain.VATDue
				docType  string
				docID    int64
				currency string
				rate     decimal.NullDecimal
				net, vat decimal.Decimal
			)
			err := rows.Scan(&v.Period, &v.Rate, &docType, &docID, &currency, &rate, &net, &vat)
			if err == nil && currency != q.Currency {
				net, vat = domain.DivMoney(net, rate.Decimal, q.Currency), domain.DivMoney(vat, rate.Decimal, q.Currency)
			}
			switch domain.DocType(docType) {
			case domain.DocInvoice, domain.DocDownPayment:
				v.SalesBase, v.Collected = net, vat
			case domain.DocCreditNote:
				v.SalesBase, v.Collected = net.Neg(), vat.Neg()
			case domain.DocSupplierInvoice:
				v.PurchasesBase, v.Deductible = net, vat
			case domain.DocSupplierCreditNote:
				v.PurchasesBase, v.Deductible = net.Neg(), vat.Neg()
			}
			return v.Period + " " + v.Rate.String(), v, err
		},
		(*domain.VATDue).Add)
}
