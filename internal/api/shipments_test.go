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
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// shipmentAPI is the real stack of the sales side with shipments on one
// dialect's database, DOLIGO_STOCK_TRIGGER=shipment.
type shipmentAPI struct {
	*commercialAPI
	catalog *usecase.CatalogService
	stock   *usecase.StockService
}

func newShipmentAPI(t *testing.T, dialect string) *shipmentAPI {
	t.Helper()
	db := testdb.Migrated(t, dialect)
	uow := gormdb.NewUnitOfWork(db.DB)
	tps := usecase.NewThirdPartyService(uow, config.Defaults().ThirdPartyMask(), time.Now)
	stock := usecase.NewStockService(uow, usecase.StockOptions{})
	docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{
		Masks: config.Defaults().DocumentMasks(), DefaultCurrency: config.Defaults().DefaultCurrency,
		Stock: usecase.NewDocumentStock(stock, usecase.DocumentStockOptions{Trigger: domain.StockOnShipment}),
	})
	ships := usecase.NewShipmentService(uow, stock, usecase.ShipmentOptions{
		Mask: config.Defaults().ShipmentMask(), Trigger: domain.StockOnShipment,
		Render: pdf.NewRenderer("").RenderShipment, Company: domain.Company{Name: "Doligo Test"},
	})
	e := NewServer(Options{
		Log: zerolog.Nop(), Auth: commercialAuth{},
		Idempotency: Idempotency(usecase.NewIdempotencyService(gormdb.NewUnitOfWork(db.DB)), time.Hour, time.Now),
	}, NewThirdPartyRoutes(tps), NewDocumentRoutes(docs), NewStockRoutes(stock),
		NewShipmentRoutes(ships, NewRenderSlots(RenderLimits{MaxConcurrent: 2, QueueWait: time.Minute})),
		NewShipmentReportRoutes(gormdb.NewShipmentReports(db.DB), "EUR"))
	return &shipmentAPI{commercialAPI: &commercialAPI{e: e, db: db}, catalog: usecase.NewCatalogService(uow, time.Now), stock: stock}
}

// shipRows counts what a shipment writes.
func (a *shipmentAPI) shipRows(t *testing.T) string {
	t.Helper()
	out := a.rows(t)
	for _, table := range []string{"shipments", "shipment_lines", "stock_levels", "stock_movements"} {
		var n int64
		if err := a.db.Gorm.Table(table).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		out += fmt.Sprintf(" %s=%d", table, n)
	}
	var shipped []string
	a.db.Gorm.Table("commercial_document_lines").Order("id").Pluck("qty_shipped", &shipped)
	return out + fmt.Sprint(shipped)
}

func TestShipmentsAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newShipmentAPI(t, d)
			ctx := context.Background()
			cust := id(a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "ACME", "is_customer": true, "address": "1 Main St\nSpringfield", "locale": "fr"}`))
			p := &domain.Product{Ref: "BOLT", Label: "Bolt", Type: domain.ProductTypeProduct, TrackStock: true, Active: true,
				UnitPrice: decimal.NewFromInt(3), VATRate: decimal.NewFromInt(20)}
			if err := a.catalog.CreateProduct(ctx, p); err != nil {
				t.Fatal(err)
			}
			w := &domain.Warehouse{Ref: "MAIN", Label: "Main"}
			if err := a.catalog.CreateWarehouse(ctx, w); err != nil {
				t.Fatal(err)
			}
			if _, err := a.stock.Apply(ctx, domain.Principal{UserID: 1}, domain.StockOperation{Label: "initial", Origin: domain.Origin{Type: domain.OriginManual},
				Lines: []domain.StockLine{{ProductID: p.ID, WarehouseID: w.ID, Qty: decimal.NewFromInt(4)}}}); err != nil {
				t.Fatal(err)
			}
			order := a.json(t, http.StatusCreated, "POST", "/api/v1/orders", fmt.Sprintf(`{"thirdparty_id": %s, "date": "2026-11-20", "lines": [
				{"product_id": %d, "qty": "6"}, {"description": "Packing", "qty": 1, "unit_price": "5", "vat_rate": "20"}]}`, cust, p.ID))
			orderID := id(order)
			lines := order["lines"].([]any)
			l0 := fmt.Sprint(int64(lines[0].(map[string]any)["id"].(float64)))
			l1 := fmt.Sprint(int64(lines[1].(map[string]any)["id"].(float64)))
			if lines[0].(map[string]any)["qty_shipped"] != "0" {
				t.Fatalf("draft order lines %v", lines)
			}
			path := "/api/v1/orders/" + orderID + "/shipments"
			body := func(wh, line, qty string) string {
				return fmt.Sprintf(`{"warehouse_id": %s, "date": "2026-11-25", "lines": [{"order_line_id": %s, "qty": %q}]}`, wh, line, qty)
			}
			wh := fmt.Sprint(w.ID)

			// A draft does not ship; nothing written.
			before := a.shipRows(t)
			wantProblem(t, a.call("POST", path, body(wh, l0, "1")), http.StatusConflict, "illegal-transition")
			if after := a.shipRows(t); after != before {
				t.Fatalf("a refused shipment wrote:\n%s\n%s", before, after)
			}
			a.json(t, http.StatusOK, "POST", "/api/v1/orders/"+orderID+"/validate", "")

			// 422s, 409s, 403 and 404 write nothing.
			before = a.shipRows(t)
			if f := wantProblem(t, a.call("POST", path, body("999999", l0, "1")), http.StatusUnprocessableEntity, "validation"); strings.Join(f, " ") != "warehouse_id" {
				t.Fatalf("unknown warehouse: %v", f)
			}
			if f := wantProblem(t, a.call("POST", path, body(wh, l0, "0")), http.StatusUnprocessableEntity, "validation"); strings.Join(f, " ") != "lines[0].qty" {
				t.Fatalf("zero quantity: %v", f)
			}
			if f := wantProblem(t, a.call("POST", path, `{"lines": []}`), http.StatusUnprocessableEntity, "validation"); strings.Join(f, " ") != "warehouse_id lines" {
				t.Fatalf("no warehouse, no lines: %v", f)
			}
			if f := wantProblem(t, a.call("POST", path, `{"warehouse_id": `+wh+`, "date": "2026-02-30", "lines": [{"order_line_id": `+l0+`, "qty": 1}]}`), http.StatusUnprocessableEntity, "validation"); strings.Join(f, " ") != "date" {
				t.Fatalf("a bad date: %v", f)
			}
			if f := wantProblem(t, a.call("POST", path, `{"warehouse_id": `+wh+`, "date": "2026-11-19", "lines": [{"order_line_id": `+l0+`, "qty": 1}]}`), http.StatusUnprocessableEntity, "validation"); strings.Join(f, " ") != "date" {
				t.Fatalf("a date before the order's: %v", f)
			}
			if f := wantProblem(t, a.call("POST", path, body(wh, "999999", "1")), http.StatusUnprocessableEntity, "validation"); strings.Join(f, " ") != "lines[0].order_line_id" {
				t.Fatalf("foreign line: %v", f)
			}
			if f := wantProblem(t, a.call("POST", path, `{"warehouse_id": `+wh+`, "lines": [], "carrier": "x"}`), http.StatusUnprocessableEntity, "validation"); !strings.Contains(strings.Join(f, " "), "carrier") {
				t.Fatalf("unknown key: %v", f)
			}
			wantProblem(t, a.call("POST", path, body(wh, l0, "6.5")), http.StatusConflict, "over-shipment")
			wantProblem(t, a.call("POST", path, body(wh, l0, "5")), http.StatusConflict, "insufficient-stock")
			wantProblem(t, a.call("POST", "/api/v1/orders/999999/shipments", body(wh, l0, "1")), http.StatusNotFound, "not-found")
			wantProblem(t, a.call("POST", path, body(wh, l0, "1"), "Authorization", "Bearer sales"), http.StatusForbidden, "forbidden")
			if after := a.shipRows(t); after != before {
				t.Fatalf("refused shipments wrote:\n%s\n%s", before, after)
			}

			// The warehouse role ships; the stock leaves.
			rec := a.call("POST", path, fmt.Sprintf(`{"warehouse_id": %s, "date": "2026-11-25", "lines": [{"order_line_id": %s, "qty": 3}, {"order_line_id": %s, "qty": "1"}]}`, wh, l0, l1),
				"Authorization", "Bearer warehouse")
			sh := decodeJSON[map[string]any](t, rec, http.StatusCreated)
			sl := sh["lines"].([]any)
			if sh["ref"] != "SH2611-0001" || sh["order_id"] != float64(mustInt(t, orderID)) || sh["thirdparty_id"] != float64(mustInt(t, cust)) ||
				sh["warehouse_id"] != float64(w.ID) || sh["date"] != "2026-11-25" || len(sl) != 2 ||
				sl[0].(map[string]any)["qty"] != "3" || sl[0].(map[string]any)["product_id"] != float64(p.ID) || sl[1].(map[string]any)["product_id"] != nil ||
				rec.Header().Get("Location") != "/api/v1/shipments/"+id(sh) {
				t.Fatalf("shipment %v %s", sh, rec.Header())
			}
			got := a.json(t, http.StatusOK, "GET", "/api/v1/orders/"+orderID, "")
			if got["status"] != "validated" || got["lines"].([]any)[0].(map[string]any)["qty_shipped"] != "3" || got["lines"].([]any)[1].(map[string]any)["qty_shipped"] != "1" {
				t.Fatalf("order after shipping %v", got)
			}
			if m := a.json(t, http.StatusOK, "GET", "/api/v1/stock/movements?origin_type=shipment&origin_id="+id(sh), ""); m["total"] != float64(1) {
				t.Fatalf("movements of the shipment %v", m)
			}

			// Reading: sales reads, by order and by customer.
			for _, q := range []string{"order_id=" + orderID, "thirdparty_id=" + cust, "sort=-date&limit=5"} {
				if l := a.json(t, http.StatusOK, "GET", "/api/v1/shipments?"+q, "", "Authorization", "Bearer sales"); l["total"] != float64(1) {
					t.Fatalf("list %s: %v", q, l)
				}
			}
			if l := a.json(t, http.StatusOK, "GET", "/api/v1/shipments?thirdparty_id=999999", ""); l["total"] != float64(0) {
				t.Fatalf("list of another customer: %v", l)
			}
			wantProblem(t, a.call("GET", "/api/v1/shipments?order_id=x", ""), http.StatusUnprocessableEntity, "validation")
			if one := a.json(t, http.StatusOK, "GET", "/api/v1/shipments/"+id(sh), "", "Authorization", "Bearer viewer"); one["ref"] != "SH2611-0001" {
				t.Fatalf("get %v", one)
			}
			wantProblem(t, a.call("GET", "/api/v1/shipments/999999", ""), http.StatusNotFound, "not-found")

			// The delivery note, in the customer's language by default.
			for _, lang := range []string{"", "en", "pt-BR"} {
				rec := a.call("GET", "/api/v1/shipments/"+id(sh)+"/pdf?lang="+lang, "", "Authorization", "Bearer sales")
				if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF-")) ||
					!strings.Contains(rec.Header().Get("Content-Disposition"), "SH2611-0001.pdf") {
					t.Fatalf("pdf %q: %d %s", lang, rec.Code, rec.Header())
				}
			}
			wantProblem(t, a.call("GET", "/api/v1/shipments/999999/pdf", ""), http.StatusNotFound, "not-found")
			wantProblem(t, a.call("GET", "/api/v1/shipments/"+id(sh)+"/pdf?lang=x!", ""), http.StatusUnprocessableEntity, "validation")

			// Shipped, not invoiced: the product line (the free-text one
			// names no product).
			report := a.json(t, http.StatusOK, "GET", "/api/v1/reports/shipped-not-invoiced?thirdparty_id="+cust, "")
			if items := report["items"].([]any); len(items) != 1 || items[0].(map[string]any)["order_line_id"] != float64(mustInt(t, l0)) ||
				items[0].(map[string]any)["qty_to_invoice"] != "3" || items[0].(map[string]any)["amount"] != "9.00" ||
				items[0].(map[string]any)["customer"] != "ACME" || items[0].(map[string]any)["product_ref"] != "BOLT" ||
				report["totals"].(map[string]any)["amount"] != "9.00" {
				t.Fatalf("shipped not invoiced %v", report)
			}

			// Invoicing under the shipment trigger moves no stock; the
			// invoiced order still ships what is left.
			inv := a.json(t, http.StatusCreated, "POST", "/api/v1/orders/"+orderID+"/invoice", "")
			if _, ok := inv["lines"].([]any)[0].(map[string]any)["qty_shipped"]; ok {
				t.Fatalf("an invoice line shows qty_shipped: %v", inv["lines"])
			}
			a.json(t, http.StatusOK, "POST", "/api/v1/invoices/"+id(inv)+"/validate", `{"warehouse_id": `+wh+`}`)
			if m := a.json(t, http.StatusOK, "GET", "/api/v1/stock/movements?origin_type=invoice", ""); m["total"] != float64(0) {
				t.Fatalf("the invoice moved stock: %v", m)
			}
			a.json(t, http.StatusCreated, "POST", path, body(wh, l0, "1"))
			wantProblem(t, a.call("POST", path, body(wh, l0, "2")), http.StatusConflict, "insufficient-stock")
			if report := a.json(t, http.StatusOK, "GET", "/api/v1/reports/shipped-not-invoiced", ""); len(report["items"].([]any)) != 0 {
				t.Fatalf("shipped not invoiced after invoicing %v", report)
			}
		})
	}
}

func TestShippedNotInvoicedAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			e := NewServer(Options{Log: zerolog.Nop(), Auth: commercialAuth{}},
				NewShipmentReportRoutes(gormdb.NewShipmentReports(db.DB), "EUR"))
			a := &commercialAPI{e: e, db: db}
			// The figures are TestShippedNotInvoicedReport's (gormdb); here the
			// wire shape, the parameters and the permission.
			got := a.json(t, http.StatusOK, "GET", "/api/v1/reports/shipped-not-invoiced", "", "Authorization", "Bearer accountant")
			if items := got["items"].([]any); len(items) != 0 || got["currency"] != "EUR" ||
				got["totals"].(map[string]any)["amount"] != "0.00" || got["totals"].(map[string]any)["lines"] != float64(0) {
				t.Fatalf("empty report %v", got)
			}
			if got := a.json(t, http.StatusOK, "GET", "/api/v1/reports/shipped-not-invoiced?currency=jpy&thirdparty_id=3", ""); got["currency"] != "JPY" || got["totals"].(map[string]any)["amount"] != "0" {
				t.Fatalf("in JPY %v", got)
			}
			if f := wantProblem(t, a.call("GET", "/api/v1/reports/shipped-not-invoiced?currency=XXY&thirdparty_id=0", ""), http.StatusUnprocessableEntity, "validation"); strings.Join(f, " ") != "thirdparty_id currency" {
				t.Fatalf("bad parameters: %v", f)
			}
			wantProblem(t, a.call("GET", "/api/v1/reports/shipped-not-invoiced", "", "Authorization", "Bearer warehouse"), http.StatusForbidden, "forbidden")
		})
	}
}
