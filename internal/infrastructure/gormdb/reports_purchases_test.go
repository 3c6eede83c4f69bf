package gormdb_test

// The purchase reports on every dialect, against figures computed by hand:
// supplier credit notes subtract, drafts and paid invoices are left where
// they belong, and to=9999-12-31 includes the last day. Supplier invoices are
// made here as drafts of the type and given their status in SQL: their use
// case lives on another branch.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

func TestPurchaseReports(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Migrated(t, dialect)
			uow := gormdb.NewUnitOfWork(db.DB)
			docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(), DefaultCurrency: config.Defaults().DefaultCurrency})
			tps := usecase.NewThirdPartyService(uow, config.Defaults().ThirdPartyMask(), time.Now)
			supplier := func(name string) int64 {
				tp, err := tps.Create(ctx, domain.ThirdParty{Name: name, Code: strings.ToUpper(name), IsSupplier: true})
				if err != nil {
					t.Fatal(err)
				}
				return tp.ID
			}
			a, b := supplier("Alpha"), supplier("Bravo")
			doc := func(typ string, tp int64, date, qty, price, status, paid string) {
				t.Helper()
				d, err := docs.Create(ctx, domain.Principal{UserID: 1}, domain.DocType(typ), domain.DraftInput{
					ThirdPartyID: tp, Date: reportDay(date),
					Lines: []domain.LineInput{{Description: "x", Qty: *decPtr(qty), UnitPrice: decPtr(price), VATRate: decPtr("20")}},
				})
				if err != nil {
					t.Fatal(err)
				}
				if err := db.Gorm.Exec("UPDATE commercial_documents SET status = ?, amount_paid = ? WHERE id = ?", status, *decPtr(paid), d.ID).Error; err != nil {
					t.Fatal(err)
				}
			}
			doc("supplier_invoice", a, "2026-11-05", "1", "100", "validated", "20")   // 100/20/120, 100 due
			doc("supplier_invoice", a, "2026-11-20", "1", "0.10", "paid", "0.12")     // 0.10/0.02/0.12
			doc("supplier_credit_note", a, "2026-11-25", "1", "30", "validated", "0") // 30/6/36 subtracts
			doc("supplier_invoice", a, "2026-11-26", "1", "500", "draft", "0")        // not counted
			doc("purchase_order", a, "2026-11-26", "1", "700", "validated", "0")      // not a purchase
			doc("invoice", a, "2026-11-26", "1", "900", "validated", "0")             // a sale
			doc("supplier_invoice", a, "9999-12-31", "1", "10", "validated", "0")     // the last day
			doc("supplier_invoice", b, "2026-12-01", "2", "0.10", "validated", "0")   // 0.20/0.04/0.24

			reports := gormdb.NewPurchaseReports(db.DB)
			lines := func(q domain.PurchasesQuery) string {
				var out []string
				for _, p := range collectRows(t, reports.Purchases(ctx, q)) {
					out = append(out, fmt.Sprintf("%s %d %d/%d %s/%s/%s", p.Period, p.SupplierID, p.Invoices, p.CreditNotes,
						p.TotalNet.StringFixed(2), p.TotalVAT.StringFixed(2), p.TotalGross.StringFixed(2)))
				}
				return strings.Join(out, "; ")
			}
			period := domain.SalesPeriodQuery{From: reportDay("2026-01-01"), To: reportDay("9999-12-31"), Currency: config.Defaults().DefaultCurrency}
			got := lines(domain.PurchasesQuery{SalesPeriodQuery: period, GroupBy: domain.GroupByMonth})
			want := fmt.Sprintf("2026-11 %d 2/1 70.10/14.02/84.12; 2026-12 %d 1/0 0.20/0.04/0.24; 9999-12 %d 1/0 10.00/2.00/12.00", a, b, a)
			if got != want {
				t.Errorf("purchases by month:\n got %s\nwant %s", got, want)
			}
			got = lines(domain.PurchasesQuery{SalesPeriodQuery: period, GroupBy: domain.GroupByYear, SupplierID: b})
			if want := fmt.Sprintf("2026 %d 1/0 0.20/0.04/0.24", b); got != want {
				t.Errorf("purchases of Bravo by year: got %s, want %s", got, want)
			}
			period.To = reportDay("2026-11-20")
			got = lines(domain.PurchasesQuery{SalesPeriodQuery: period, GroupBy: domain.GroupByDay})
			if want := fmt.Sprintf("2026-11-05 %d 1/0 100.00/20.00/120.00; 2026-11-20 %d 1/0 0.10/0.02/0.12", a, a); got != want {
				t.Errorf("purchases by day up to 11-20: got %s, want %s", got, want)
			}

			var aging []string
			for _, c := range collectRows(t, reports.PayablesAging(ctx, domain.AgingQuery{AsOf: reportDay("2026-12-31"), Currency: config.Defaults().DefaultCurrency})) {
				var bs []string
				for _, x := range c.Buckets {
					bs = append(bs, x.StringFixed(2))
				}
				aging = append(aging, c.Name+" "+strings.Join(bs, "/"))
			}
			// Alpha: 120 − 20 paid, 56 days past; the credit note 36, 36 days past.
			if got, want := strings.Join(aging, "; "), "Alpha 0.00/0.00/64.00/0.00/0.00; Bravo 0.00/0.24/0.00/0.00/0.00"; got != want {
				t.Errorf("payables aging:\n got %s\nwant %s", got, want)
			}
		})
	}
}
