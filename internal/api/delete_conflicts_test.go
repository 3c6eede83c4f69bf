package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// newDeleteAPI is every area that has a DELETE route but users (see the
// table of TestDeleteReferencedRows), on one dialect's database.
func newDeleteAPI(t *testing.T, dialect string) *stockAPI {
	t.Helper()
	db := testdb.Migrated(t, dialect)
	uow := gormdb.NewUnitOfWork(db.DB)
	catalog := usecase.NewCatalogService(uow, time.Now)
	stock := usecase.NewStockService(uow, usecase.StockOptions{})
	mrp := usecase.NewMRPService(uow, stock, time.Now)
	tps := usecase.NewThirdPartyService(uow, config.Defaults().ThirdPartyMask(), time.Now)
	docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(), DefaultCurrency: config.Defaults().DefaultCurrency})
	e := api.NewServer(api.Options{Log: zerolog.Nop(), Auth: stockAuth{}},
		api.NewProductRoutes(catalog, stock), api.NewWarehouseRoutes(catalog), api.NewStockRoutes(stock),
		api.NewBOMRoutes(mrp), api.NewManufacturingRoutes(mrp),
		api.NewThirdPartyRoutes(tps), api.NewDocumentRoutes(docs))
	return &stockAPI{e: e, db: db}
}

// A DELETE of a row that a restricting foreign key still points at answers
// 409 in-use and deletes nothing (nor the rows that would have cascaded with
// it), on every dialect: every repository deletes through one helper that
// maps the violation. The rows nothing can point at delete cleanly.
func TestDeleteReferencedRows(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newDeleteAPI(t, d)
			uow := gormdb.NewUnitOfWork(a.db.DB)
			n := 0
			post := func(path, body string, args ...any) int64 {
				t.Helper()
				return idOf(a.ok(t, http.StatusCreated, "POST", path, fmt.Sprintf(body, args...)))
			}
			ref := func(prefix string) string { n++; return fmt.Sprintf("%s-%d", prefix, n) }
			product := func() int64 { return post("/api/v1/products", `{"ref": %q, "label": "P"}`, ref("P")) }
			warehouse := func() int64 { return post("/api/v1/warehouses", `{"ref": %q, "label": "W"}`, ref("W")) }
			thirdParty := func() int64 { return post("/api/v1/thirdparties", `{"name": %q}`, ref("TP")) }
			bom := func(of int64) int64 {
				return post("/api/v1/boms", `{"ref": %q, "product_id": %d, "qty": 1, "lines": [{"product_id": %d, "qty": 2}]}`, ref("B"), of, product())
			}
			order := func(bomID, wh int64) int64 {
				return post("/api/v1/manufacturing-orders", `{"bom_id": %d, "qty": 1, "warehouse_id": %d}`, bomID, wh)
			}
			invoice := func(tp int64, productID int64) int64 {
				line := `{"description": "Work", "qty": 1, "unit_price": "10", "vat_rate": "20"}`
				if productID != 0 {
					line = fmt.Sprintf(`{"product_id": %d, "qty": 1}`, productID)
				}
				return post("/api/v1/invoices", `{"thirdparty_id": %d, "date": "2026-11-28", "lines": [%s]}`, tp, line)
			}

			for _, c := range []struct {
				name string
				// arrange makes the row (and, when the schema lets a row
				// restrict its deletion, one that does) and returns the
				// path to DELETE and a GET path whose answer shows the row
				// and what would cascade with it.
				arrange      func(t *testing.T) (del, show string)
				status       int
				conflictCode string
			}{
				{"product named by a BOM", func(t *testing.T) (string, string) { // boms.product_id
					p := product()
					bom(p)
					path := fmt.Sprintf("/api/v1/products/%d", p)
					return path, path
				}, http.StatusConflict, "in-use"},
				{"product on an invoice line", func(t *testing.T) (string, string) { // commercial_document_lines.product_id
					p := product()
					invoice(thirdParty(), p)
					path := fmt.Sprintf("/api/v1/products/%d", p)
					return path, path
				}, http.StatusConflict, "in-use"},
				// (A product or warehouse in the stock ledger is refused before
				// the delete, as has-movements: TestCatalogAndStockAPI.)
				{"warehouse of a manufacturing order", func(t *testing.T) (string, string) { // manufacturing_orders.warehouse_id
					w := warehouse()
					order(bom(product()), w)
					path := fmt.Sprintf("/api/v1/warehouses/%d", w)
					return path, path
				}, http.StatusConflict, "in-use"},
				{"BOM of a manufacturing order", func(t *testing.T) (string, string) { // manufacturing_orders.bom_id
					b := bom(product())
					order(b, warehouse())
					path := fmt.Sprintf("/api/v1/boms/%d", b)
					return path, path // its lines would cascade: the answer lists them
				}, http.StatusConflict, "in-use"},
				{"third party of an invoice", func(t *testing.T) (string, string) { // commercial_documents.thirdparty_id
					tp := thirdParty()
					post(fmt.Sprintf("/api/v1/thirdparties/%d/contacts", tp), `{"first_name": "Ann", "last_name": "Lee"}`)
					invoice(tp, 0)
					return fmt.Sprintf("/api/v1/thirdparties/%d", tp), fmt.Sprintf("/api/v1/thirdparties/%d/contacts", tp) // contacts cascade
				}, http.StatusConflict, "in-use"},
				{"draft invoice with an archived file", func(t *testing.T) (string, string) { // documents.owner_id
					// No route archives a draft's PDF (only validated documents
					// are rendered or sent), so the file is written through
					// the repository: the foreign key guards whatever does.
					inv := invoice(thirdParty(), 0)
					err := uow.Do(context.Background(), func(ctx context.Context, r domain.Repositories) error {
						_, err := r.Archive.Add(ctx, &domain.ArchivedFile{
							OwnerType: domain.DocInvoice, OwnerID: inv, Lang: "en", Filename: "draft.pdf",
							ContentType: domain.ContentTypePDF, Size: 4, SHA256: "00", Content: []byte("%PDF"), CreatedAt: time.Now(),
						})
						return err
					})
					if err != nil {
						t.Fatal(err)
					}
					path := fmt.Sprintf("/api/v1/invoices/%d", inv)
					return path, path // its lines are deleted first: the answer lists them
				}, http.StatusConflict, "in-use"},
				// No foreign key points at a contact or a payment: they
				// always delete.
				{"contact", func(t *testing.T) (string, string) {
					tp := thirdParty()
					path := fmt.Sprintf("/api/v1/thirdparties/%d/contacts/%d", tp,
						post(fmt.Sprintf("/api/v1/thirdparties/%d/contacts", tp), `{"first_name": "Bob", "last_name": "Ray"}`))
					return path, path
				}, http.StatusNoContent, ""},
				{"payment", func(t *testing.T) (string, string) {
					inv := invoice(thirdParty(), 0)
					a.ok(t, http.StatusOK, "POST", fmt.Sprintf("/api/v1/invoices/%d/validate", inv), "")
					pay := post(fmt.Sprintf("/api/v1/invoices/%d/payments", inv), `{"amount": "1", "method": "cash"}`)
					return fmt.Sprintf("/api/v1/invoices/%d/payments/%d", inv, pay), fmt.Sprintf("/api/v1/invoices/%d/payments", inv)
				}, http.StatusNoContent, ""},
				// Users: only user_roles points at users, ON DELETE CASCADE, so
				// nothing can refuse a user's delete (TestUsersCRUD deletes one).
			} {
				t.Run(c.name, func(t *testing.T) {
					del, show := c.arrange(t)
					before := a.send("all", "GET", show, "")
					if before.Code != http.StatusOK {
						t.Fatalf("GET %s: %d %s", show, before.Code, before.Body)
					}
					if c.status == http.StatusConflict {
						a.problem(t, http.StatusConflict, c.conflictCode, "DELETE", del, "")
						if after := a.send("all", "GET", show, ""); after.Code != http.StatusOK || after.Body.String() != before.Body.String() {
							t.Fatalf("a refused delete changed %s:\n%s\n→ %d %s", show, before.Body, after.Code, after.Body)
						}
						return
					}
					if rec := a.send("all", "DELETE", del, ""); rec.Code != c.status {
						t.Fatalf("DELETE %s: %d, want %d: %s", del, rec.Code, c.status, rec.Body)
					}
					if after := a.send("all", "GET", show, ""); after.Code == http.StatusOK && after.Body.String() == before.Body.String() {
						t.Fatalf("DELETE %s deleted nothing: %s", del, after.Body)
					}
				})
			}
		})
	}
}
