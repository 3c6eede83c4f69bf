package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// The sales-by-product and sales-by-customer routes over HTTP: defaults, the
// streamed JSON with its totals, the parameter checks and the permission.
// The figures of every case are checked on every dialect by the repository's
// tests (gormdb/reports_sales_breakdown_test.go).
func TestSalesBreakdownReportsAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			uow := gormdb.NewUnitOfWork(db.DB)
			catalog := usecase.NewCatalogService(uow, time.Now)
			stock := usecase.NewStockService(uow, usecase.StockOptions{})
			docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(), DefaultCurrency: config.Defaults().DefaultCurrency})
			a := &commercialAPI{db: db, e: NewServer(Options{Log: zerolog.Nop(), Auth: commercialAuth{}},
				NewThirdPartyRoutes(usecase.NewThirdPartyService(uow, config.Defaults().ThirdPartyMask(), time.Now)),
				NewDocumentRoutes(docs), NewProductRoutes(catalog, stock),
				NewSalesBreakdownRoutes(gormdb.NewSalesReports(db.DB), "EUR", func() time.Time { return time.Date(2026, 12, 31, 9, 0, 0, 0, time.UTC) }))}

			tp := id(a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "ACME", "code": "ACME"}`))
			p := id(a.json(t, http.StatusCreated, "POST", "/api/v1/products", `{"ref": "WIDGET", "label": "Widget", "type": "service", "unit_price": "10", "vat_rate": "20"}`))
			inv := id(a.json(t, http.StatusCreated, "POST", "/api/v1/invoices", `{"thirdparty_id": `+tp+`, "date": "2026-11-05",
				"lines": [{"product_id": `+p+`, "qty": "3"}, {"description": "Delivery", "qty": "1", "unit_price": "5", "vat_rate": "0"}]}`))
			a.json(t, http.StatusOK, "POST", "/api/v1/invoices/"+inv+"/validate", "")
			cn := id(a.json(t, http.StatusCreated, "POST", "/api/v1/invoices/"+inv+"/credit-note", ""))
			a.json(t, http.StatusOK, "PATCH", "/api/v1/invoices/"+cn, `{"date": "2026-11-06", "lines": [{"product_id": `+p+`, "qty": "1"}]}`)
			a.json(t, http.StatusOK, "POST", "/api/v1/invoices/"+cn+"/validate", "")

			// Defaults: this year (the clock says 2026-12-31) in the configured currency.
			got := a.json(t, http.StatusOK, "GET", "/api/v1/reports/sales-by-product", "", "Authorization", "Bearer viewer")
			want := `{"currency":"EUR","from":"2026-01-01","items":[` +
				`{"label":"Widget","product_id":` + p + `,"qty":"2","ref":"WIDGET","total_gross":"24.00","total_net":"20.00"},` +
				`{"label":"","product_id":null,"qty":"1","ref":"","total_gross":"5.00","total_net":"5.00"}],` +
				`"to":"2026-12-31","totals":{"total_gross":"29.00","total_net":"25.00"}}`
			if b, _ := json.Marshal(got); string(b) != want {
				t.Errorf("by product:\n%s\nwant\n%s", b, want)
			}
			got = a.json(t, http.StatusOK, "GET", "/api/v1/reports/sales-by-customer?from=2026-11-01&to=2026-11-30", "")
			want = `{"currency":"EUR","from":"2026-11-01","items":[` +
				`{"code":"ACME","credit_notes":1,"invoices":1,"name":"ACME","thirdparty_id":` + tp + `,"total_gross":"29.00","total_net":"25.00"}],` +
				`"to":"2026-11-30","totals":{"credit_notes":1,"invoices":1,"total_gross":"29.00","total_net":"25.00"}}`
			if b, _ := json.Marshal(got); string(b) != want {
				t.Errorf("by customer:\n%s\nwant\n%s", b, want)
			}
			for _, path := range []string{"/reports/sales-by-product", "/reports/sales-by-customer"} {
				rec := a.call("GET", "/api/v1"+path+"?from=2026-11-06&to=2026-11-06&currency=usd", "")
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"items":[]`) || !strings.Contains(rec.Body.String(), `"currency":"USD"`) {
					t.Errorf("%s empty: %d %s", path, rec.Code, rec.Body)
				}
				for _, tc := range []struct {
					query  string
					fields []string
				}{
					{"?from=2026-13-01&to=yesterday", []string{"from", "to"}},
					{"?from=2026-12-01&to=2026-11-30", []string{"to"}},
					{"?from=0999-12-31", []string{"from"}},
					{"?currency=EURO", []string{"currency"}},
				} {
					fields := wantProblem(t, a.call("GET", "/api/v1"+path+tc.query, ""), http.StatusUnprocessableEntity, "validation")
					if strings.Join(fields, ",") != strings.Join(tc.fields, ",") {
						t.Errorf("%s%s: fields %v, want %v", path, tc.query, fields, tc.fields)
					}
				}
				wantProblem(t, a.call("GET", "/api/v1"+path, "", "Authorization", "Bearer warehouse"), http.StatusForbidden, "forbidden")
			}
		})
	}
}
