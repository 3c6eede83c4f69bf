package gormdb

import (
	"context"
	"database/sql"
	"iter"

	"github.com/doligo/doligo/internal/domain"
)

// SalesByProduct streams what each product sold over the period — quantity,
// net and gross of its invoice lines less its credit-note lines — by product
// ref (then id), the free-text lines last as product 0. The sums are the
// lines', so the report adds up to the documents' totals.
func (r *SalesReports) SalesByProduct(ctx context.Context, q domain.SalesPeriodQuery) iter.Seq2[domain.ProductSales, error] {
	where, args := r.d.salesWhere(q)
	// free orders the free-text lines after the products on every dialect
	// (NULLs sort first on two of them, last on the third).
	query := `SELECT CASE WHEN l.product_id IS NULL THEN 1 ELSE 0 END AS free,
			COALESCE(l.product_id, 0), COALESCE(p.ref, ''), COALESCE(p.label, ''),
			` + r.d.sum(r.d.signed("l.qty", domain.DocCreditNote)) + `, ` + r.d.sum(r.d.signed("l.total_net", domain.DocCreditNote)) + `, ` + r.d.sum(r.d.signed("l.total_gross", domain.DocCreditNote)) + `
		FROM commercial_documents d
		JOIN commercial_document_lines l ON l.document_id = d.id
		LEFT JOIN products p ON p.id = l.product_id
		WHERE ` + where + `
		` + r.d.groupBy("1, 2, 3, 4") + `
		ORDER BY 1, 3, 2`
	return foldRuns(ctx, r.db, r.d.bind(query), args,
		func(rows *sql.Rows) (int64, domain.ProductSales, error) {
			var (
				p    domain.ProductSales
				free int
			)
			err := rows.Scan(&free, &p.ProductID, &p.Ref, &p.Label, &p.Qty, &p.TotalNet, &p.TotalGross)
			return p.ProductID, p, err
		},
		(*domain.ProductSales).Add)
}

// SalesByCustomer streams every customer's sales over the period — counts of
// invoices and credit notes, net and gross of the documents — by name (then
// id); customers without sales in the period are left out.
func (r *SalesReports) SalesByCustomer(ctx context.Context, q domain.SalesPeriodQuery) iter.Seq2[domain.CustomerSales, error] {
	where, args := r.d.salesWhere(q)
	query := `SELECT d.thirdparty_id, t.name, t.code, ` + r.d.counts() + `,
		` + r.d.sum(r.d.signed("d.total_net", domain.DocCreditNote)) + `, ` + r.d.sum(r.d.signed("d.total_gross", domain.DocCreditNote)) + `
		FROM commercial_documents d JOIN thirdparties t ON t.id = d.thirdparty_id
		WHERE ` + where + `
		` + r.d.groupBy("1, 2, 3") + `
		ORDER BY 2, 1`
	return foldRuns(ctx, r.db, r.d.bind(query), args,
		func(rows *sql.Rows) (int64, domain.CustomerSales, error) {
			var c domain.CustomerSales
			err := rows.Scan(&c.ThirdPartyID, &c.Name, &c.Code, &c.Invoices, &c.CreditNotes, &c.TotalNet, &c.TotalGross)
			return c.ThirdPartyID, c, err
		},
		(*domain.CustomerSales).Add)
}
