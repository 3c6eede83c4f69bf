package gormdb_test

// The shipped-not-invoiced report on every dialect, against figures computed
// by hand: only validated or paid invoices made from the order count, what
// is invoiced of a product goes to the order's lines of it in line order,
// free-text lines and other currencies are left out.

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

func TestShippedNotInvoicedReport(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Migrated(t, dialect)
			uow := gormdb.NewUnitOfWork(db.DB)
			actor := domain.Principal{UserID: 1}
			docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(), DefaultCurrency: config.Defaults().DefaultCurrency})
			ships := usecase.NewShipmentService(uow, usecase.NewStockService(uow, usecase.StockOptions{}), usecase.ShipmentOptions{Mask: config.Defaults().ShipmentMask(), Trigger: domain.StockNever})
			catalog := usecase.NewCatalogService(uow, time.Now)
			tps := usecase.NewThirdPartyService(uow, config.Defaults().ThirdPartyMask(), time.Now)
			customer := func(name string) int64 {
				tp, err := tps.Create(ctx, domain.ThirdParty{Name: name, Code: strings.ToUpper(name), IsCustomer: true})
				if err != nil {
					t.Fatal(err)
				}
				return tp.ID
			}
			product := func(ref string) int64 {
				p := &domain.Product{Ref: ref, Label: "Product " + ref, Type: domain.ProductTypeProduct, TrackStock: true, Active: true, UnitPrice: *decPtr("1"), VATRate: *decPtr("20")}
				if err := catalog.CreateProduct(ctx, p); err != nil {
					t.Fatal(err)
				}
				return p.ID
			}
			w := &domain.Warehouse{Ref: "W", Label: "W"}
			if err := catalog.CreateWarehouse(ctx, w); err != nil {
				t.Fatal(err)
			}
			c1, c2 := customer("Alpha"), customer("Bravo")
			a, b := product("A"), product("B")
			line := func(p int64, qty, price, discount string) domain.LineInput {
				return domain.LineInput{ProductID: p, Description: "goods", Qty: *decPtr(qty), UnitPrice: decPtr(price), DiscountPercent: *decPtr(discount), VATRate: decPtr("20")}
			}
			order := func(tp int64, currency string, lines ...domain.LineInput) *domain.Document {
				t.Helper()
				d, err := docs.Create(ctx, actor, domain.DocOrder, domain.DraftInput{ThirdPartyID: tp, Currency: currency, CurrencyRate: foreignRate(currency), Date: reportDay("2026-11-20"), Lines: lines})
				if err != nil {
					t.Fatal(err)
				}
				if d, err = docs.Validate(ctx, actor, []domain.DocType{domain.DocOrder}, d.ID, 0); err != nil {
					t.Fatal(err)
				}
				return d
			}
			ship := func(o *domain.Document, qtys ...string) {
				t.Helper()
				in := domain.ShipmentInput{WarehouseID: w.ID}
				for i, q := range qtys {
					if q != "0" {
						in.Lines = append(in.Lines, domain.ShipmentLineInput{OrderLineID: o.Lines[i].ID, Qty: *decPtr(q)})
					}
				}
				if _, err := ships.Ship(ctx, actor, o.ID, in); err != nil {
					t.Fatal(err)
				}
			}
			free := domain.LineInput{Description: "Packing", Qty: *decPtr("1"), UnitPrice: decPtr("5"), VATRate: decPtr("20")}

			// Order 1: A on two lines, B, free text; all shipped but 4 of the
			// first A line. Its invoice bills 7 A and 4 B: the first A line
			// (6 shipped) takes 6, the second (5 shipped) 1, so 4 × 3 remain.
			o1 := order(c1, "", line(a, "10", "2.5", "10"), line(b, "4", "1", "0"), line(a, "5", "3", "0"), free)
			ship(o1, "6", "4", "5", "1")
			inv, err := docs.Convert(ctx, actor, domain.ActInvoice, o1.ID)
			if err != nil {
				t.Fatal(err)
			}
			billed := []domain.LineInput{line(a, "7", "2.5", "10"), line(b, "4", "1", "0")}
			if _, err := docs.Edit(ctx, []domain.DocType{domain.DocInvoice}, inv.ID, domain.DraftPatch{Lines: &billed}); err != nil {
				t.Fatal(err)
			}
			if _, err := docs.Validate(ctx, actor, []domain.DocType{domain.DocInvoice}, inv.ID, 0); err != nil {
				t.Fatal(err)
			}
			// A draft invoice linked to the order bills nothing yet.
			draft, err := docs.Create(ctx, actor, domain.DocInvoice, domain.DraftInput{ThirdPartyID: c1, Lines: []domain.LineInput{line(a, "100", "1", "0")}})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Gorm.Exec("UPDATE commercial_documents SET source_id = ? WHERE id = ?", o1.ID, draft.ID).Error; err != nil {
				t.Fatal(err)
			}
			// Order 2: 2 of 3 A shipped, nothing invoiced: 2 × 2.25.
			o2 := order(c2, "", line(a, "3", "2.5", "10"))
			ship(o2, "2")
			// Order 3: in another currency; order 4: nothing shipped.
			o3 := order(c2, "USD", line(b, "1", "1", "0"))
			ship(o3, "1")
			order(c2, "", line(b, "1", "1", "0"))

			reports := gormdb.NewShipmentReports(db.DB)
			rows := func(q domain.ShippedNotInvoicedQuery) string {
				var out []string
				for _, r := range collectRows(t, reports.ShippedNotInvoiced(ctx, q)) {
					out = append(out, fmt.Sprintf("%s/%s/%d/%s %s-%s=%s %s", r.OrderRef, r.CustomerName, r.OrderLineID, r.ProductRef,
						r.QtyShipped, r.QtyInvoiced, r.QtyToInvoice(), r.Amount().StringFixed(2)))
				}
				return strings.Join(out, "; ")
			}
			want := fmt.Sprintf("%s/Alpha/%d/A 5-1=4 12.00; %s/Bravo/%d/A 2-0=2 4.50", o1.Ref, o1.Lines[2].ID, o2.Ref, o2.Lines[0].ID)
			if got := rows(domain.ShippedNotInvoicedQuery{Currency: "EUR"}); got != want {
				t.Errorf("shipped not invoiced:\n got %s\nwant %s", got, want)
			}
			if got, want := rows(domain.ShippedNotInvoicedQuery{Currency: "EUR", ThirdPartyID: c2}), fmt.Sprintf("%s/Bravo/%d/A 2-0=2 4.50", o2.Ref, o2.Lines[0].ID); got != want {
				t.Errorf("of Bravo: got %s, want %s", got, want)
			}
			if got, want := rows(domain.ShippedNotInvoicedQuery{Currency: "USD"}), fmt.Sprintf("%s/Bravo/%d/B 1-0=1 1.00", o3.Ref, o3.Lines[0].ID); got != want {
				t.Errorf("in USD: got %s, want %s", got, want)
			}
		})
	}
}
