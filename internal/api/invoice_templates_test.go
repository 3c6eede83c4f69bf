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

// newTemplateAPI is the real stack of products, third parties and invoice
// templates on one dialect's fresh database.
func newTemplateAPI(t *testing.T, dialect string) *stockAPI {
	t.Helper()
	db := testdb.Migrated(t, dialect)
	uow := gormdb.NewUnitOfWork(db.DB)
	catalog := usecase.NewCatalogService(uow, time.Now)
	stock := usecase.NewStockService(uow, usecase.StockOptions{})
	docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(), DefaultCurrency: config.Defaults().DefaultCurrency})
	archive := usecase.NewArchiveService(uow, usecase.ArchiveOptions{})
	e := api.NewServer(api.Options{Log: zerolog.Nop(), Auth: stockAuth{}},
		api.NewProductRoutes(catalog, stock),
		api.NewThirdPartyRoutes(usecase.NewThirdPartyService(uow, config.Defaults().ThirdPartyMask(), time.Now)),
		api.NewInvoiceTemplateRoutes(usecase.NewInvoiceTemplateService(uow, docs, archive, time.Now)))
	return &stockAPI{e: e, db: db}
}

func TestInvoiceTemplatesAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newTemplateAPI(t, d)
			cust := idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name":"ACME","is_customer":true}`))
			other := idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name":"Other","is_customer":true}`))
			prod := idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/products", `{"ref":"SUPPORT","label":"Support","type":"service","unit_price":"50","vat_rate":"20"}`))

			body := fmt.Sprintf(`{"thirdparty_id":%d,"frequency":"monthly","next_date":"2027-01-31","end_date":"2027-12-31",
				"note":"Hosting\nand support","lines":[{"description":"Hosting","qty":"1","unit_price":"9.9","vat_rate":"20"},
				{"product_id":%d,"qty":2}]}`, cust, prod)
			rec := a.send("all", "POST", "/api/v1/invoice-templates", body)
			if rec.Code != http.StatusCreated || rec.Header().Get("Location") == "" {
				t.Fatalf("create: %d %s (Location %q)", rec.Code, rec.Body, rec.Header().Get("Location"))
			}
			tpl := a.ok(t, http.StatusOK, "GET", rec.Header().Get("Location"), "")
			lines := tpl["lines"].([]any)
			l0, l1 := lines[0].(map[string]any), lines[1].(map[string]any)
			if tpl["frequency"] != "monthly" || tpl["interval"] != float64(1) || tpl["next_date"] != "2027-01-31" ||
				tpl["end_date"] != "2027-12-31" || tpl["max_count"] != nil || tpl["generated_count"] != float64(0) ||
				tpl["active"] != true || tpl["auto_validate"] != false || tpl["finished"] != false || tpl["currency"] != "EUR" ||
				l0["unit_price"] != "9.90" || l1["unit_price"] != nil || l1["vat_rate"] != nil || l1["product_id"] != float64(prod) {
				t.Fatalf("template = %v", tpl)
			}
			path := fmt.Sprintf("/api/v1/invoice-templates/%d", idOf(tpl))

			got := a.ok(t, http.StatusOK, "PATCH", path, `{"end_date":null,"max_count":12,"interval":3,"active":false}`)
			if got["end_date"] != nil || got["max_count"] != float64(12) || got["interval"] != float64(3) || got["active"] != false ||
				got["next_date"] != "2027-01-31" {
				t.Fatalf("patched = %v", got)
			}
			got = a.ok(t, http.StatusOK, "PATCH", path, `{"max_count":null,"auto_validate":true,"auto_send":true}`)
			if got["max_count"] != nil || got["auto_send"] != true {
				t.Fatalf("patched = %v", got)
			}
			a.problem(t, http.StatusUnprocessableEntity, "validation", "PATCH", path, `{"auto_validate":false}`, "auto_send")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "PATCH", path, `{"next_date":null,"max_count":"x","frequency":"daily"}`, "next_date", "max_count")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "PATCH", path, `{"frequency":"daily","interval":0}`, "frequency", "interval")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "PATCH", path, `{"end_date":"2027-01-30"}`, "end_date")

			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/invoice-templates",
				`{"frequency":"hourly","interval":0,"max_count":0,"lines":[]}`,
				"thirdparty_id", "frequency", "interval", "next_date", "max_count", "lines")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/invoice-templates",
				fmt.Sprintf(`{"thirdparty_id":999999,"frequency":"weekly","next_date":"2027-01-01","lines":[{"product_id":999999,"qty":1}]}`),
				"thirdparty_id", "lines[0].product_id")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/invoice-templates",
				fmt.Sprintf(`{"thirdparty_id":%d,"frequency":"weekly","next_date":"2027-02-30","lines":[{"description":"x","qty":"abc"}]}`, cust),
				"next_date", "lines[0].qty")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/invoice-templates",
				fmt.Sprintf(`{"thirdparty_id":%d,"frequency":"weekly","next_date":"2027-01-01","auto_send":true,"lines":[{"description":"x","qty":1,"unit_price":1,"vat_rate":0}]}`, cust),
				"auto_send")

			// auto_validate and auto_send need the permissions to do so by hand.
			weekly := fmt.Sprintf(`{"thirdparty_id":%d,"frequency":"weekly","next_date":"2027-01-01","auto_validate":true,"lines":[{"description":"x","qty":1,"unit_price":1,"vat_rate":0}]}`, other)
			if rec := a.send("invoices:write", "POST", "/api/v1/invoice-templates", weekly); rec.Code != http.StatusForbidden {
				t.Fatalf("auto_validate without invoices:validate: %d %s", rec.Code, rec.Body)
			}
			if rec := a.send("invoices:write,invoices:validate", "POST", "/api/v1/invoice-templates", weekly); rec.Code != http.StatusCreated {
				t.Fatalf("auto_validate with invoices:validate: %d %s", rec.Code, rec.Body)
			}
			if rec := a.send("invoices:read", "POST", "/api/v1/invoice-templates", weekly); rec.Code != http.StatusForbidden {
				t.Fatalf("create with invoices:read only: %d", rec.Code)
			}
			if rec := a.send("invoices:read", "GET", "/api/v1/invoice-templates", ""); rec.Code != http.StatusOK {
				t.Fatalf("list with invoices:read: %d", rec.Code)
			}

			list := a.ok(t, http.StatusOK, "GET", "/api/v1/invoice-templates?sort=-next_date", "")
			items := list["items"].([]any)
			if list["total"] != float64(2) || idOf(items[0].(map[string]any)) != idOf(tpl) {
				t.Fatalf("list = %v", list)
			}
			list = a.ok(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/invoice-templates?thirdparty_id=%d&active=true", other), "")
			if list["total"] != float64(1) {
				t.Fatalf("filtered list = %v", list)
			}
			a.problem(t, http.StatusUnprocessableEntity, "validation", "GET", "/api/v1/invoice-templates?active=maybe&sort=ref", "", "active", "sort")

			// A third party with templates cannot be deleted under them.
			a.problem(t, http.StatusConflict, "in-use", "DELETE", fmt.Sprintf("/api/v1/thirdparties/%d", cust), "")
			a.ok(t, http.StatusNoContent, "DELETE", path, "")
			a.problem(t, http.StatusNotFound, "not-found", "GET", path, "")
			a.problem(t, http.StatusNotFound, "not-found", "PATCH", path, `{"note":"x"}`)
			a.problem(t, http.StatusNotFound, "not-found", "DELETE", path, "")
		})
	}
}
