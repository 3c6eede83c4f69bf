package gormdb_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// A down payment is a sale and a receivable when it is invoiced; the final
// invoice that deducts it counts the rest, so the report adds up to the
// order, not to the order plus its down payments (nor minus them).
func TestSalesReportsCountDownPayments(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			db := testdb.Migrated(t, dialect)
			ctx := context.Background()
			uow := gormdb.NewUnitOfWork(db.DB)
			clock := func() time.Time { return time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC) }
			docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(), DefaultCurrency: "EUR", Now: clock})
			tp, err := usecase.NewThirdPartyService(uow, config.Defaults().ThirdPartyMask(), clock).Create(ctx, domain.ThirdParty{Name: "ACME", IsCustomer: true})
			if err != nil {
				t.Fatal(err)
			}
			actor := domain.Principal{UserID: 1}
			all := []domain.DocType{domain.DocOrder, domain.DocInvoice, domain.DocDownPayment}
			must := func(d *domain.Document, err error) *domain.Document {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
				return d
			}
			price, rate := decimal.RequireFromString("100"), decimal.RequireFromString("20")
			o := must(docs.Create(ctx, actor, domain.DocOrder, domain.DraftInput{ThirdPartyID: tp.ID, Lines: []domain.LineInput{
				{Description: "x", Qty: decimal.NewFromInt(1), UnitPrice: &price, VATRate: &rate}}}))
			must(docs.Validate(ctx, actor, all, o.ID, 0))
			thirty := decimal.RequireFromString("30")
			dp := must(docs.DownPayment(ctx, actor, o.ID, domain.DownPaymentInput{Percent: &thirty})) // 36.00
			must(docs.Validate(ctx, actor, all, dp.ID, 0))
			final := must(docs.Convert(ctx, actor, domain.ActInvoice, o.ID)) // 120 − 36 = 84.00
			must(docs.Validate(ctx, actor, all, final.ID, 0))

			reports := gormdb.NewSalesReports(db.DB)
			rows := collectRows(t, reports.Sales(ctx, domain.SalesQuery{
				SalesPeriodQuery: domain.SalesPeriodQuery{From: reportDay("2026-12-01"), To: reportDay("2026-12-31"), Currency: "EUR"}, GroupBy: domain.GroupByMonth,
			}))
			if len(rows) != 1 || salesLine(rows[0]) != "2026-12 2/0 100.00/20.00/120.00" {
				t.Fatalf("sales %v", rows)
			}
			aging := collectRows(t, reports.ReceivablesAging(ctx, domain.AgingQuery{AsOf: reportDay("2026-12-10"), Currency: "EUR"}))
			var got []string
			for _, a := range aging {
				got = append(got, a.Name+" "+a.Total().StringFixed(2))
			}
			if strings.Join(got, "; ") != "ACME 120.00" {
				t.Fatalf("receivables %v", got)
			}
		})
	}
}
