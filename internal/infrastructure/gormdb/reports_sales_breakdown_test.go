package gormdb_test

// Sales by product and by customer on every dialect, against figures
// computed by hand: credit-note lines subtract, drafts, proposals, orders,
// other currencies and the days around the period are left out, free-text
// lines come last, and SQLite adds 0.1 and 0.2 exactly.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// breakdownFixture writes (EUR unless said; lines qty × price @ VAT %):
//
//	ACME  I1  2026-11-02  A-100 2×10 @20 → 20/24, B-200 1×5.5 @10 → 5.50/6.05, free 1×3 @0 → 3/3
//	ACME  CN1 2026-11-10 of I1: A-100 1×10 @20 → 10/12
//	Beta  I2  2026-11-30  A-100 3×10 @20 → 30/36, B-200 0.5×5.4 @10 → 2.70/2.97
//	ACME  I3  2026-11-20  B-200 1×0.1 @0;  I4 2026-11-21 B-200 1×0.2 @0
//	Beta  draft 2026-11-15 A-100 100×10 (not counted)
//	Zulu  I5  2026-10-31 and I6 2026-12-01, A-100 1×10 @20 each (outside November)
//	Gamma I7  2026-11-10 USD A-100 1×1000 @20
//	ACME  a validated proposal and order of A-100 (not sales); C-300 never sold
func breakdownFixture(t *testing.T, db *testdb.DB) {
	t.Helper()
	ctx := context.Background()
	uow := gormdb.NewUnitOfWork(db.DB)
	clock := func() time.Time { return time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC) }
	docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(), DefaultCurrency: config.Defaults().DefaultCurrency, Now: clock})
	tps := usecase.NewThirdPartyService(uow, config.Defaults().ThirdPartyMask(), clock)
	catalog := usecase.NewCatalogService(uow, clock)
	actor := domain.Principal{UserID: 1}
	customer := func(name string) int64 {
		tp, err := tps.Create(ctx, domain.ThirdParty{Name: name, Code: "C-" + name, IsCustomer: true})
		if err != nil {
			t.Fatal(err)
		}
		return tp.ID
	}
	product := func(ref, label string) int64 {
		p := &domain.Product{Ref: ref, Label: label, Type: domain.ProductTypeService, Active: true}
		if err := catalog.CreateProduct(ctx, p); err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	// Created out of ref order: the report sorts by ref, not by id.
	b200, a100 := product("B-200", "Bravo"), product("A-100", "Alpha")
	product("C-300", "Charlie")
	acme, beta, zulu, gamma := customer("ACME"), customer("Beta"), customer("Zulu"), customer("Gamma")
	line := func(productID int64, qty, price, vat string) domain.LineInput {
		p, v := decimal.RequireFromString(price), decimal.RequireFromString(vat)
		return domain.LineInput{ProductID: productID, Description: "x", Qty: decimal.RequireFromString(qty), UnitPrice: &p, VATRate: &v}
	}
	check := func(d *domain.Document, err error) *domain.Document {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	draft := func(typ domain.DocType, tp int64, date, currency string, lines ...domain.LineInput) *domain.Document {
		return check(docs.Create(ctx, actor, typ, domain.DraftInput{ThirdPartyID: tp, Date: reportDay(date), Currency: currency, CurrencyRate: foreignRate(currency), Lines: lines}))
	}
	validate := func(d *domain.Document) *domain.Document {
		return check(docs.Validate(ctx, actor, []domain.DocType{d.Type}, d.ID, 0))
	}
	invoice := func(tp int64, date string, lines ...domain.LineInput) *domain.Document {
		return validate(draft(domain.DocInvoice, tp, date, "", lines...))
	}

	i1 := invoice(acme, "2026-11-02", line(a100, "2", "10", "20"), line(b200, "1", "5.5", "10"), line(0, "1", "3", "0"))
	cn := check(docs.Convert(ctx, actor, domain.ActCreditNote, i1.ID))
	day := reportDay("2026-11-10")
	cnLines := []domain.LineInput{line(a100, "1", "10", "20")}
	validate(check(docs.Edit(ctx, []domain.DocType{domain.DocCreditNote}, cn.ID, domain.DraftPatch{Date: &day, DueDate: &day, Lines: &cnLines})))
	invoice(beta, "2026-11-30", line(a100, "3", "10", "20"), line(b200, "0.5", "5.4", "10"))
	invoice(acme, "2026-11-20", line(b200, "1", "0.1", "0"))
	invoice(acme, "2026-11-21", line(b200, "1", "0.2", "0"))
	draft(domain.DocInvoice, beta, "2026-11-15", "", line(a100, "100", "10", "20"))
	invoice(zulu, "2026-10-31", line(a100, "1", "10", "20"))
	invoice(zulu, "2026-12-01", line(a100, "1", "10", "20"))
	validate(draft(domain.DocInvoice, gamma, "2026-11-10", "USD", line(a100, "1", "1000", "20")))
	validate(draft(domain.DocProposal, acme, "2026-11-03", "", line(a100, "50", "10", "20")))
	validate(draft(domain.DocOrder, acme, "2026-11-04", "", line(a100, "50", "10", "20")))
}

func TestSalesByProductAndCustomer(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			db := testdb.Migrated(t, dialect)
			breakdownFixture(t, db)
			reports := gormdb.NewSalesReports(db.DB)
			ctx := context.Background()
			period := func(from, to, currency string) domain.SalesPeriodQuery {
				return domain.SalesPeriodQuery{From: reportDay(from), To: reportDay(to), Currency: currency}
			}
			byProduct := func(q domain.SalesPeriodQuery) []string {
				var out []string
				for _, p := range collectRows(t, reports.SalesByProduct(ctx, q)) {
					out = append(out, fmt.Sprintf("%s %s %s %s/%s", p.Ref, p.Label, p.Qty, p.TotalNet.StringFixed(2), p.TotalGross.StringFixed(2)))
				}
				return out
			}
			byCustomer := func(q domain.SalesPeriodQuery) []string {
				var out []string
				for _, c := range collectRows(t, reports.SalesByCustomer(ctx, q)) {
					out = append(out, fmt.Sprintf("%s %s %d/%d %s/%s", c.Name, c.Code, c.Invoices, c.CreditNotes, c.TotalNet.StringFixed(2), c.TotalGross.StringFixed(2)))
				}
				return out
			}
			for _, tc := range []struct {
				name                string
				q                   domain.SalesPeriodQuery
				products, customers []string
			}{
				{"November in EUR", period("2026-11-01", "2026-11-30", "EUR"),
					[]string{"A-100 Alpha 4 40.00/48.00", "B-200 Bravo 3.5 8.50/9.32", "  1 3.00/3.00"},
					[]string{"ACME C-ACME 3/1 18.80/21.35", "Beta C-Beta 1/0 32.70/38.97"}},
				{"November in USD", period("2026-11-01", "2026-11-30", "USD"),
					[]string{"A-100 Alpha 1 1000.00/1200.00"}, []string{"Gamma C-Gamma 1/0 1000.00/1200.00"}},
				{"the day before", period("2026-10-31", "2026-10-31", "EUR"),
					[]string{"A-100 Alpha 1 10.00/12.00"}, []string{"Zulu C-Zulu 1/0 10.00/12.00"}},
				{"no sales", period("2027-01-01", "2027-12-31", "EUR"), nil, nil},
			} {
				if got := byProduct(tc.q); fmt.Sprint(got) != fmt.Sprint(tc.products) {
					t.Errorf("%s by product:\n%q\nwant\n%q", tc.name, got, tc.products)
				}
				if got := byCustomer(tc.q); fmt.Sprint(got) != fmt.Sprint(tc.customers) {
					t.Errorf("%s by customer:\n%q\nwant\n%q", tc.name, got, tc.customers)
				}
			}
			// The free-text lines are product 0.
			rows := collectRows(t, reports.SalesByProduct(ctx, period("2026-11-01", "2026-11-30", "EUR")))
			if len(rows) != 3 || rows[2].ProductID != 0 || rows[0].ProductID == 0 {
				t.Errorf("product ids: %+v", rows)
			}
		})
	}
}
