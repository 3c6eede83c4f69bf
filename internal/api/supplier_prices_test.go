package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// newBuyAPI is the real stack of products, stock, third parties, documents,
// supplier prices and replenishment on one dialect's fresh database.
func newBuyAPI(t *testing.T, dialect string) *stockAPI {
	t.Helper()
	db := testdb.Migrated(t, dialect)
	uow := gormdb.NewUnitOfWork(db.DB)
	catalog := usecase.NewCatalogService(uow, time.Now)
	stock := usecase.NewStockService(uow, usecase.StockOptions{})
	docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(), DefaultCurrency: config.Defaults().DefaultCurrency})
	e := api.NewServer(api.Options{Log: zerolog.Nop(), Auth: stockAuth{}},
		api.NewProductRoutes(catalog, stock), api.NewWarehouseRoutes(catalog), api.NewStockRoutes(stock),
		api.NewThirdPartyRoutes(usecase.NewThirdPartyService(uow, config.Defaults().ThirdPartyMask(), time.Now)),
		api.NewSupplierPriceRoutes(usecase.NewSupplierPriceService(uow, time.Now)),
		api.NewReplenishmentRoutes(usecase.NewReplenishmentService(uow, docs)))
	return &stockAPI{e: e, db: db}
}

func TestSupplierPricesAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newBuyAPI(t, d)
			prod := idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/products", `{"ref":"SCREW","label":"Screw","min_stock":"100","desired_stock":250}`))
			sup := idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name":"Screws Ltd","is_supplier":true}`))
			cust := idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name":"Customer","is_customer":true}`))

			got := a.ok(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/products/%d", prod), "")
			if got["min_stock"] != "100" || got["desired_stock"] != "250" {
				t.Fatalf("product thresholds = %v %v", got["min_stock"], got["desired_stock"])
			}
			got = a.ok(t, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/products/%d", prod), `{"desired_stock":null}`)
			if got["min_stock"] != "100" || got["desired_stock"] != nil {
				t.Fatalf("cleared desired_stock = %v %v", got["min_stock"], got["desired_stock"])
			}
			a.problem(t, http.StatusUnprocessableEntity, "validation", "PATCH", fmt.Sprintf("/api/v1/products/%d", prod), `{"min_stock":"-1","desired_stock":"1.0000001"}`, "min_stock", "desired_stock")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "PATCH", fmt.Sprintf("/api/v1/products/%d", prod), `{"desired_stock":"50"}`, "desired_stock")

			body := fmt.Sprintf(`{"product_id":%d,"supplier_id":%d,"supplier_ref":"S-1","unit_price":"0.12","min_qty":"1000","vat_rate":"20","lead_time_days":4}`, prod, sup)
			p := a.ok(t, http.StatusCreated, "POST", "/api/v1/supplier-prices", body)
			if p["unit_price"] != "0.12" || p["min_qty"] != "1000" || p["vat_rate"] != "20" || p["lead_time_days"] != float64(4) {
				t.Fatalf("created = %v", p)
			}
			a.problem(t, http.StatusConflict, "duplicate", "POST", "/api/v1/supplier-prices",
				fmt.Sprintf(`{"product_id":%d,"supplier_id":%d,"unit_price":1,"min_qty":"1000.00"}`, prod, sup))
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/supplier-prices",
				fmt.Sprintf(`{"product_id":%d,"supplier_id":%d,"unit_price":1}`, prod, cust), "supplier_id")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/supplier-prices",
				fmt.Sprintf(`{"product_id":999999,"supplier_id":%d,"unit_price":1}`, sup), "product_id")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/supplier-prices",
				`{"unit_price":"abc","min_qty":"0","vat_rate":"101","lead_time_days":-1}`,
				"product_id", "supplier_id", "unit_price", "min_qty", "vat_rate", "lead_time_days")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/supplier-prices",
				fmt.Sprintf(`{"product_id":%d,"supplier_id":%d,"unit_price":"0.0000001"}`, prod, sup), "unit_price")

			id := idOf(p)
			path := fmt.Sprintf("/api/v1/supplier-prices/%d", id)
			if g := a.ok(t, http.StatusOK, "GET", path, ""); g["supplier_ref"] != "S-1" {
				t.Fatalf("get = %v", g)
			}
			if u := a.ok(t, http.StatusOK, "PATCH", path, `{"unit_price":"0.1","lead_time_days":2}`); u["unit_price"] != "0.10" || u["lead_time_days"] != float64(2) {
				t.Fatalf("patched = %v", u)
			}
			a.problem(t, http.StatusUnprocessableEntity, "validation", "PATCH", path, `{"supplier_id":1}`, "supplier_id")
			second := a.ok(t, http.StatusCreated, "POST", "/api/v1/supplier-prices", fmt.Sprintf(`{"product_id":%d,"supplier_id":%d,"unit_price":"0.2"}`, prod, sup))
			if second["min_qty"] != "1" {
				t.Fatalf("default min_qty = %v", second["min_qty"])
			}
			a.problem(t, http.StatusConflict, "duplicate", "PATCH", fmt.Sprintf("/api/v1/supplier-prices/%d", idOf(second)), `{"min_qty":1000}`)

			list := a.ok(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/supplier-prices?product_id=%d&sort=-unit_price", prod), "")
			if list["total"] != float64(2) || idOf(list["items"].([]any)[0].(map[string]any)) != idOf(second) {
				t.Fatalf("list = %v", list)
			}
			list = a.ok(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/supplier-prices?supplier_id=%d", cust), "")
			if list["total"] != float64(0) {
				t.Fatalf("list of a customer = %v", list)
			}
			a.problem(t, http.StatusUnprocessableEntity, "validation", "GET", "/api/v1/supplier-prices?product_id=x&sort=ref", "", "product_id", "sort")
			if rec := a.send("products:read", "GET", "/api/v1/supplier-prices", ""); rec.Code != http.StatusForbidden {
				t.Fatalf("without supplier_prices:read: %d", rec.Code)
			}

			a.ok(t, http.StatusNoContent, "DELETE", path, "")
			a.problem(t, http.StatusNotFound, "not-found", "GET", path, "")
			a.problem(t, http.StatusNotFound, "not-found", "PATCH", path, `{"unit_price":1}`)
			a.problem(t, http.StatusNotFound, "not-found", "DELETE", path, "")
		})
	}
}

func TestReplenishmentAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newBuyAPI(t, d)
			wh := idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/warehouses", `{"ref":"W1","label":"Main"}`))
			bolt := idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/products", `{"ref":"BOLT","label":"Bolt","min_stock":"10","desired_stock":"30"}`))
			bare := idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/products", `{"ref":"BARE","label":"No price","min_stock":"2"}`))
			sup := idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name":"Bolts Ltd","is_supplier":true}`))
			a.ok(t, http.StatusCreated, "POST", "/api/v1/stock/movements", fmt.Sprintf(`{"product_id":%d,"warehouse_id":%d,"qty":"4.5"}`, bolt, wh))
			price := idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/supplier-prices", fmt.Sprintf(`{"product_id":%d,"supplier_id":%d,"unit_price":"1.25","vat_rate":"20"}`, bolt, sup)))

			got := a.ok(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/replenishment?warehouse_id=%d", wh), "")
			items := got["items"].([]any)
			if len(items) != 2 {
				t.Fatalf("items = %v", items)
			}
			b, n := items[0].(map[string]any), items[1].(map[string]any)
			if idOf(map[string]any{"id": b["product_id"]}) != bolt || b["stock"] != "4.5" || b["incoming"] != "0" || b["suggested_qty"] != "25.5" ||
				b["supplier_id"] != float64(sup) || b["supplier_price_id"] != float64(price) || b["unit_price"] != "1.25" || b["desired_stock"] != "30" {
				t.Errorf("bolt = %v", b)
			}
			if n["product_id"] != float64(bare) || n["supplier_id"] != nil || n["unit_price"] != nil || n["suggested_qty"] != "2" || n["desired_stock"] != nil {
				t.Errorf("bare = %v", n)
			}
			a.problem(t, http.StatusUnprocessableEntity, "validation", "GET", "/api/v1/replenishment?warehouse_id=999999", "", "warehouse_id")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "GET", "/api/v1/replenishment?warehouse_id=-1", "", "warehouse_id")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/replenishment/orders", `{"warehouse_id":999999}`, "warehouse_id")
			if rec := a.send("purchase_orders:read", "POST", "/api/v1/replenishment/orders", `{}`); rec.Code != http.StatusForbidden {
				t.Fatalf("drafting without purchase_orders:write: %d", rec.Code)
			}

			out := a.ok(t, http.StatusCreated, "POST", "/api/v1/replenishment/orders", fmt.Sprintf(`{"warehouse_id":%d}`, wh))
			ids := out["purchase_order_ids"].([]any)
			if len(ids) != 1 {
				t.Fatalf("orders = %v", out)
			}
			var status, qty string
			var tp int64
			row := a.db.SQL.QueryRow(fmt.Sprintf(`SELECT d.status, d.thirdparty_id, l.qty FROM commercial_documents d
				JOIN commercial_document_lines l ON l.document_id = d.id WHERE d.id = %d AND d.doc_type = 'purchase_order'`, int64(ids[0].(float64))))
			var q any
			if err := row.Scan(&status, &tp, &q); err != nil {
				t.Fatal(err)
			}
			qty = fmt.Sprintf("%s", q)
			if status != "draft" || tp != sup || (qty != "25.5" && qty != "25.500000") {
				t.Fatalf("purchase order: %s %d %s", status, tp, qty)
			}
		})
	}
}
