package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/pdf"
	"github.com/doligo/doligo/internal/infrastructure/queue"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// purchaseAPI is the real stack of the buy side on one dialect's database:
// purchase orders, receptions, their PDF (the real renderer, through the
// render slots), sending, the stock ledger and the jobs.
type purchaseAPI struct {
	*commercialAPI
	catalog *usecase.CatalogService
	store   *queue.Store
}

func newPurchaseAPI(t *testing.T, dialect string) *purchaseAPI {
	t.Helper()
	db := testdb.Migrated(t, dialect)
	uow := gormdb.NewUnitOfWork(db.DB)
	tps := usecase.NewThirdPartyService(uow, config.Defaults().ThirdPartyMask(), time.Now)
	stock := usecase.NewStockService(uow, usecase.StockOptions{})
	catalog := usecase.NewCatalogService(uow, time.Now)
	docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(), DefaultCurrency: config.Defaults().DefaultCurrency})
	purchase := usecase.NewPurchaseService(uow, stock, usecase.PurchaseOptions{ReceptionMask: config.Defaults().ReceptionMask()})
	archive := usecase.NewArchiveService(uow, usecase.ArchiveOptions{
		Render: pdf.NewRenderer("").Render, Company: domain.Company{Name: "Doligo SA"},
	})
	store, err := queue.NewStore(db.SQL, db.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	e := NewServer(Options{
		Log: zerolog.Nop(), Auth: commercialAuth{},
		Idempotency: Idempotency(usecase.NewIdempotencyService(gormdb.NewUnitOfWork(db.DB)), time.Hour, time.Now),
	}, NewThirdPartyRoutes(tps), NewPurchaseRoutes(docs, purchase), NewStockRoutes(stock),
		NewDocumentPDFRoutes(archive, NewRenderSlots(RenderLimits{MaxConcurrent: 2, QueueWait: time.Minute})),
		NewArchiveRoutes(archive), NewJobRoutes(store, usecase.NewJobService(uow)))
	return &purchaseAPI{commercialAPI: &commercialAPI{e: e, db: db}, catalog: catalog, store: store}
}

// buyRows counts what a reception or a purchase order writes.
func (a *purchaseAPI) buyRows(t *testing.T) string {
	t.Helper()
	out := a.rows(t)
	for _, table := range []string{"receptions", "reception_lines", "stock_levels", "stock_movements", "jobs"} {
		var n int64
		if err := a.db.Gorm.Table(table).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		out += fmt.Sprintf(" %s=%d", table, n)
	}
	var received []string
	a.db.Gorm.Table("commercial_document_lines").Order("id").Pluck("qty_received", &received)
	return out + fmt.Sprint(received)
}

func TestPurchaseOrdersAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newPurchaseAPI(t, d)
			ctx := context.Background()
			sup := id(a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "Supplies Ltd", "is_supplier": true, "email": "orders@supplies.test", "locale": "fr"}`))
			cust := id(a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "ACME", "is_customer": true}`))
			p := &domain.Product{Ref: "BOLT", Label: "Bolt", Type: domain.ProductTypeProduct, TrackStock: true, Active: true,
				UnitPrice: decimal.NewFromInt(1), VATRate: decimal.NewFromInt(20)}
			if err := a.catalog.CreateProduct(ctx, p); err != nil {
				t.Fatal(err)
			}
			w := &domain.Warehouse{Ref: "MAIN", Label: "Main"}
			if err := a.catalog.CreateWarehouse(ctx, w); err != nil {
				t.Fatal(err)
			}
			body := fmt.Sprintf(`{"supplier_id": %%s, "date": "2026-11-20", "due_date": "2026-12-01", "lines": [
				{"product_id": %d, "qty": "10", "unit_price": "12", "discount_percent": "10"},
				{"description": "Shipping", "qty": 1, "unit_price": "15", "vat_rate": "20"}]}`, p.ID)

			// 422s: a customer, a bad quantity, an unknown key; nothing written.
			before := a.buyRows(t)
			if f := wantProblem(t, a.call("POST", "/api/v1/purchase-orders", fmt.Sprintf(body, cust)), http.StatusUnprocessableEntity, "validation"); strings.Join(f, " ") != "supplier_id" {
				t.Fatalf("a customer as supplier: %v", f)
			}
			if f := wantProblem(t, a.call("POST", "/api/v1/purchase-orders", `{"supplier_id": `+sup+`, "lines": [{"description": "x", "qty": "-1", "unit_price": 1, "vat_rate": 0}]}`), http.StatusUnprocessableEntity, "validation"); strings.Join(f, " ") != "lines[0].qty" {
				t.Fatalf("a negative quantity: %v", f)
			}
			if f := wantProblem(t, a.call("POST", "/api/v1/purchase-orders", `{"thirdparty_id": `+sup+`}`), http.StatusUnprocessableEntity, "validation"); strings.Join(f, " ") != "thirdparty_id" {
				t.Fatalf("the sales field: %v", f)
			}
			if after := a.buyRows(t); after != before {
				t.Fatalf("refused creations wrote:\n%s\n%s", before, after)
			}

			po := a.json(t, http.StatusCreated, "POST", "/api/v1/purchase-orders", fmt.Sprintf(body, sup))
			poID := id(po)
			lines := po["lines"].([]any)
			l0 := fmt.Sprint(int64(lines[0].(map[string]any)["id"].(float64)))
			if po["supplier_id"] != float64(mustInt(t, sup)) || po["status"] != "draft" || po["type"] != "purchase_order" ||
				po["total_net"] != "123.00" || lines[0].(map[string]any)["qty_received"] != "0" {
				t.Fatalf("draft %v", po)
			}
			path := "/api/v1/purchase-orders/" + poID
			if got := a.json(t, http.StatusOK, "PATCH", path, `{"note": "Dock 3"}`); got["note"] != "Dock 3" {
				t.Fatalf("patched %v", got)
			}
			if l := a.json(t, http.StatusOK, "GET", "/api/v1/purchase-orders?status=draft&supplier_id="+sup, ""); l["total"] != float64(1) {
				t.Fatalf("list %v", l)
			}
			wantProblem(t, a.call("GET", "/api/v1/purchase-orders?status=paid", ""), http.StatusUnprocessableEntity, "validation")
			wantProblem(t, a.call("GET", path, "", "Authorization", "Bearer viewer"), http.StatusForbidden, "forbidden")

			recBody := func(wh, qty string) string {
				return fmt.Sprintf(`{"warehouse_id": %s, "date": "2026-11-25", "lines": [{"order_line_id": %s, "qty": %q}]}`, wh, l0, qty)
			}
			wh := fmt.Sprint(w.ID)
			// 409s on a draft, nothing written.
			before = a.buyRows(t)
			wantProblem(t, a.call("POST", path+"/receptions", recBody(wh, "1")), http.StatusConflict, "illegal-transition")
			wantProblem(t, a.call("POST", path+"/send", ""), http.StatusConflict, "illegal-transition")
			if after := a.buyRows(t); after != before {
				t.Fatalf("refusals on a draft wrote:\n%s\n%s", before, after)
			}

			v := a.json(t, http.StatusOK, "POST", path+"/validate", "")
			if v["ref"] != "PO2611-0001" || v["status"] != "validated" {
				t.Fatalf("validated %v", v)
			}
			wantProblem(t, a.call("PATCH", path, `{"note": "x"}`), http.StatusConflict, "illegal-transition")
			wantProblem(t, a.call("DELETE", path, ""), http.StatusConflict, "illegal-transition")
			wantProblem(t, a.call("POST", path+"/validate", ""), http.StatusConflict, "illegal-transition")

			// The PDF, in the supplier's language by default and in each one asked.
			for _, lang := range []string{"", "en", "es", "pt-BR"} {
				rec := a.call("GET", path+"/pdf?lang="+lang, "")
				if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF-")) ||
					!strings.Contains(rec.Header().Get("Content-Disposition"), "PO2611-0001.pdf") {
					t.Fatalf("pdf %q: %d %s", lang, rec.Code, rec.Header())
				}
			}
			wantProblem(t, a.call("GET", "/api/v1/purchase-orders/999999/pdf", ""), http.StatusNotFound, "not-found")

			// Sending: 202 with an email.send job.
			rec := a.call("POST", path+"/send", "", "Authorization", "Bearer buyer")
			sent := decodeJSON[sendResponse](t, rec, http.StatusAccepted)
			if j := decodeJSON[jobResponse](t, a.call("GET", fmt.Sprintf("/api/v1/jobs/%d", sent.JobID), ""), http.StatusOK); j.Kind != domain.JobKindEmailSend {
				t.Fatalf("job %+v", j)
			}
			wantProblem(t, a.call("POST", path+"/send", "", "Authorization", "Bearer warehouse"), http.StatusForbidden, "forbidden")

			// Receptions: 422s and 409s write nothing.
			before = a.buyRows(t)
			if f := wantProblem(t, a.call("POST", path+"/receptions", recBody("999999", "1")), http.StatusUnprocessableEntity, "validation"); strings.Join(f, " ") != "warehouse_id" {
				t.Fatalf("unknown warehouse: %v", f)
			}
			if f := wantProblem(t, a.call("POST", path+"/receptions", recBody(wh, "0")), http.StatusUnprocessableEntity, "validation"); strings.Join(f, " ") != "lines[0].qty" {
				t.Fatalf("zero quantity: %v", f)
			}
			if f := wantProblem(t, a.call("POST", path+"/receptions", `{"warehouse_id": `+wh+`, "lines": []}`), http.StatusUnprocessableEntity, "validation"); strings.Join(f, " ") != "lines" {
				t.Fatalf("no lines: %v", f)
			}
			if f := wantProblem(t, a.call("POST", path+"/receptions", `{"warehouse_id": `+wh+`, "lines": [{"order_line_id": 999999, "qty": 1}]}`), http.StatusUnprocessableEntity, "validation"); strings.Join(f, " ") != "lines[0].order_line_id" {
				t.Fatalf("foreign line: %v", f)
			}
			wantProblem(t, a.call("POST", path+"/receptions", recBody(wh, "10.5")), http.StatusConflict, "over-reception")
			wantProblem(t, a.call("POST", "/api/v1/purchase-orders/999999/receptions", recBody(wh, "1")), http.StatusNotFound, "not-found")
			wantProblem(t, a.call("POST", path+"/receptions", recBody(wh, "1"), "Authorization", "Bearer sales"), http.StatusForbidden, "forbidden")
			if after := a.buyRows(t); after != before {
				t.Fatalf("refused receptions wrote:\n%s\n%s", before, after)
			}

			// A partial reception by the warehouse role.
			rec = a.call("POST", path+"/receptions", recBody(wh, "4"), "Authorization", "Bearer warehouse")
			got := decodeJSON[map[string]any](t, rec, http.StatusCreated)
			gl := got["lines"].([]any)[0].(map[string]any)
			if got["ref"] != "RC2611-0001" || got["purchase_order_id"] != float64(mustInt(t, poID)) || got["warehouse_id"] != float64(w.ID) ||
				got["date"] != "2026-11-25" || gl["qty"] != "4" || gl["unit_cost"] != "10.80" || gl["product_id"] != float64(p.ID) ||
				rec.Header().Get("Location") != "/api/v1/receptions/"+id(got) {
				t.Fatalf("reception %v %s", got, rec.Header())
			}
			order := a.json(t, http.StatusOK, "GET", path, "")
			if order["status"] != "partially_received" || order["lines"].([]any)[0].(map[string]any)["qty_received"] != "4" {
				t.Fatalf("order after a partial reception %v", order)
			}
			wantProblem(t, a.call("POST", path+"/cancel", ""), http.StatusConflict, "illegal-transition")
			if l := a.json(t, http.StatusOK, "GET", "/api/v1/receptions?purchase_order_id="+poID, ""); l["total"] != float64(1) {
				t.Fatalf("receptions %v", l)
			}
			a.json(t, http.StatusOK, "GET", "/api/v1/receptions/"+id(got), "", "Authorization", "Bearer buyer")
			wantProblem(t, a.call("GET", "/api/v1/receptions/999999", ""), http.StatusNotFound, "not-found")
			wantProblem(t, a.call("GET", "/api/v1/receptions?purchase_order_id=x", ""), http.StatusUnprocessableEntity, "validation")
			m := a.json(t, http.StatusOK, "GET", "/api/v1/stock/movements?origin_type=reception&origin_id="+id(got), "")
			if m["total"] != float64(1) {
				t.Fatalf("movements of the reception %v", m)
			}

			// The rest, then nothing more.
			a.json(t, http.StatusCreated, "POST", path+"/receptions", fmt.Sprintf(`{"warehouse_id": %s, "lines": [{"order_line_id": %s, "qty": 6}, {"order_line_id": %d, "qty": 1}]}`,
				wh, l0, int64(lines[1].(map[string]any)["id"].(float64))))
			if order := a.json(t, http.StatusOK, "GET", path, ""); order["status"] != "received" {
				t.Fatalf("order %v", order)
			}
			wantProblem(t, a.call("POST", path+"/receptions", recBody(wh, "1")), http.StatusConflict, "illegal-transition")

			// Cancel a validated order that received nothing; a draft by the buyer.
			other := id(a.json(t, http.StatusCreated, "POST", "/api/v1/purchase-orders", fmt.Sprintf(body, sup), "Authorization", "Bearer buyer"))
			a.json(t, http.StatusOK, "POST", "/api/v1/purchase-orders/"+other+"/validate", "", "Authorization", "Bearer buyer")
			if c := a.json(t, http.StatusOK, "POST", "/api/v1/purchase-orders/"+other+"/cancel", ""); c["status"] != "cancelled" {
				t.Fatalf("cancelled %v", c)
			}
			wantProblem(t, a.call("POST", "/api/v1/purchase-orders/"+other+"/send", ""), http.StatusConflict, "illegal-transition")
			draft := id(a.json(t, http.StatusCreated, "POST", "/api/v1/purchase-orders", fmt.Sprintf(body, sup)))
			if rec := a.call("DELETE", "/api/v1/purchase-orders/"+draft, ""); rec.Code != http.StatusNoContent {
				t.Fatalf("delete draft: %d", rec.Code)
			}
		})
	}
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}
