package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/webhook"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// newAuditAPI is the real stack of the areas the audit test writes through,
// and the audit routes.
func newAuditAPI(t *testing.T, dialect string) *stockAPI {
	t.Helper()
	db := testdb.Migrated(t, dialect)
	uow := gormdb.NewUnitOfWork(db.DB)
	cfg := config.Defaults()
	catalog := usecase.NewCatalogService(uow, time.Now)
	stock := usecase.NewStockService(uow, usecase.StockOptions{})
	docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{
		Masks: cfg.DocumentMasks(), DefaultCurrency: cfg.DefaultCurrency, Company: cfg.CompanyDefaults(),
	})
	e := api.NewServer(api.Options{Log: zerolog.Nop(), Auth: stockAuth{}, BodyLimit: "1M"},
		api.NewProductRoutes(catalog, stock), api.NewWarehouseRoutes(catalog), api.NewStockRoutes(stock),
		api.NewThirdPartyRoutes(usecase.NewThirdPartyService(uow, cfg.ThirdPartyMask(), time.Now)),
		api.NewDocumentRoutes(docs), api.NewSupplierInvoiceRoutes(docs),
		api.NewSupplierPriceRoutes(usecase.NewSupplierPriceService(uow, time.Now)),
		api.NewRoleRoutes(usecase.NewRoleService(uow)),
		api.NewCompanyRoutes(usecase.NewCompanyService(uow, cfg.CompanyDefaults(), time.Now), testLogoLimit),
		api.NewWebhookRoutes(usecase.NewWebhookService(uow,
			webhook.New(webhook.Options{Timeout: 5 * time.Second, MaxBody: domain.MaxWebhookResponseBody}), time.Now)),
		api.NewBankRoutes(usecase.NewBankService(uow, time.Now)),
		api.NewAuditRoutes(usecase.NewAuditService(uow)))
	return &stockAPI{e: e, db: db}
}

type auditRow struct {
	ID         int64                      `json:"id"`
	At         time.Time                  `json:"at"`
	UserID     *int64                     `json:"user_id"`
	RequestID  string                     `json:"request_id"`
	Action     string                     `json:"action"`
	ObjectType string                     `json:"object_type"`
	ObjectID   int64                      `json:"object_id"`
	Changes    map[string]json.RawMessage `json:"changes"`
}

type auditPage struct {
	Items []auditRow `json:"items"`
	Total int64      `json:"total"`
}

func (a *stockAPI) audit(t *testing.T, query string) auditPage {
	t.Helper()
	rec := a.send("all", "GET", "/api/v1/audit"+query, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /audit%s: %d %s", query, rec.Code, rec.Body)
	}
	var p auditPage
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

type verdict struct {
	OK            bool   `json:"ok"`
	Checked       int64  `json:"checked"`
	FirstBrokenID *int64 `json:"first_broken_id"`
	Reason        string `json:"reason"`
}

func (a *stockAPI) verify(t *testing.T) verdict {
	t.Helper()
	rec := a.send("all", "GET", "/api/v1/audit/verify", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /audit/verify: %d %s", rec.Code, rec.Body)
	}
	var v verdict
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// Every write route of a representative walk adds audit rows, in its own
// transaction, naming the action, the object, the user and the request; a
// refused write adds none.
func TestAuditTrailRecordsEveryWrite(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newAuditAPI(t, d)
			ids := map[string]string{}
			steps := []struct {
				method, path, body string
				status             int
				save               string   // remember the answer's id under this name
				actions            []string // the rows it adds, oldest first
			}{
				{"POST", "/api/v1/products", `{"ref":"AUD-1","label":"Audited","unit_price":"10","vat_rate":"20"}`, 201, "product", []string{"product.create"}},
				{"PATCH", "/api/v1/products/{product}", `{"label":"Audited twice"}`, 200, "", []string{"product.update"}},
				{"POST", "/api/v1/warehouses", `{"ref":"WH-AUD","label":"Audit"}`, 201, "warehouse", []string{"warehouse.create"}},
				{"PATCH", "/api/v1/warehouses/{warehouse}", `{"label":"Audit 2"}`, 200, "", []string{"warehouse.update"}},
				{"POST", "/api/v1/stock/movements", `{"product_id":{product},"warehouse_id":{warehouse},"qty":"5","label":"in"}`, 201, "", []string{"stock.move"}},
				{"POST", "/api/v1/thirdparties", `{"name":"ACME","is_customer":true,"is_supplier":true}`, 201, "tp", []string{"thirdparty.create"}},
				{"PATCH", "/api/v1/thirdparties/{tp}", `{"email":"billing@acme.test"}`, 200, "", []string{"thirdparty.update"}},
				{"POST", "/api/v1/thirdparties/{tp}/contacts", `{"last_name":"Jo"}`, 201, "contact", []string{"contact.create"}},
				{"DELETE", "/api/v1/thirdparties/{tp}/contacts/{contact}", ``, 204, "", []string{"contact.delete"}},
				{"POST", "/api/v1/supplier-prices", `{"product_id":{product},"supplier_id":{tp},"unit_price":"4","min_qty":"1","vat_rate":"20"}`, 201, "price", []string{"supplier_price.create"}},
				{"POST", "/api/v1/invoices", `{"thirdparty_id":{tp},"date":"2026-11-28","lines":[{"description":"Consulting","qty":"2","unit_price":"50","vat_rate":"20"}]}`, 201, "invoice", []string{"invoice.create"}},
				{"PATCH", "/api/v1/invoices/{invoice}", `{"note":"thanks"}`, 200, "", []string{"invoice.update"}},
				{"POST", "/api/v1/invoices/{invoice}/validate", ``, 200, "", []string{"invoice.validate"}},
				{"POST", "/api/v1/invoices/{invoice}/payments", `{"amount":"20","method":"cash","date":"2026-11-29"}`, 201, "payment", []string{"payment.create"}},
				{"DELETE", "/api/v1/invoices/{invoice}/payments/{payment}", ``, 204, "", []string{"payment.delete"}},
				{"POST", "/api/v1/invoices/{invoice}/payments", `{"amount":"120","method":"bank_transfer","date":"2026-11-30"}`, 201, "", []string{"payment.create"}},
				{"POST", "/api/v1/invoices/{invoice}/credit-note", ``, 201, "cn", []string{"credit_note.create"}},
				{"POST", "/api/v1/invoices/{cn}/validate", ``, 200, "", []string{"credit_note.validate"}},
				{"POST", "/api/v1/supplier-invoices", `{"supplier_id":{tp},"supplier_ref":"Réf-été 1","date":"2026-11-28","lines":[{"description":"Steel","qty":"3","unit_price":"40","vat_rate":"20"}]}`, 201, "si", []string{"supplier_invoice.create"}},
				{"POST", "/api/v1/supplier-invoices/{si}/validate", ``, 200, "", []string{"supplier_invoice.validate"}},
				// From the first bank account on, a payment writes a bank line.
				{"POST", "/api/v1/bank-accounts", `{"ref":"BNK","label":"Bank","currency":"EUR","opening_date":"2026-01-01"}`, 201, "bank", []string{"bank_account.create"}},
				{"PATCH", "/api/v1/bank-accounts/{bank}", `{"label":"Main bank"}`, 200, "", []string{"bank_account.update"}},
				{"POST", "/api/v1/supplier-invoices/{si}/payments", `{"amount":"10","method":"check","date":"2026-11-30"}`, 201, "", []string{"payment.create", "bank_line.create"}},
				{"POST", "/api/v1/bank-accounts", `{"ref":"CASH","label":"Cash","currency":"EUR","opening_date":"2026-01-01"}`, 201, "cash", []string{"bank_account.create"}},
				{"POST", "/api/v1/bank-accounts/transfers", `{"from_account_id":{bank},"to_account_id":{cash},"amount":"5","date":"2026-12-01"}`, 201, "", []string{"bank_line.create", "bank_line.create"}},
				{"POST", "/api/v1/bank-accounts", `{"ref":"OLD","label":"Closed","currency":"EUR","opening_date":"2026-01-01"}`, 201, "old", []string{"bank_account.create"}},
				{"DELETE", "/api/v1/bank-accounts/{old}", ``, 204, "", []string{"bank_account.delete"}},
				{"POST", "/api/v1/roles", `{"name":"auditor","permissions":["audit:read"]}`, 201, "role", []string{"role.create"}},
				{"DELETE", "/api/v1/roles/{role}", ``, 204, "", []string{"role.delete"}},
				{"PUT", "/api/v1/company", `{"name":"Doligo SAS","country":"FR"}`, 200, "", []string{"company.update"}},
				{"DELETE", "/api/v1/supplier-prices/{price}", ``, 204, "", []string{"supplier_price.delete"}},
				{"POST", "/api/v1/webhooks", `{"url":"https://93.184.215.14/hooks/audit","events":["invoice.paid"]}`, 201, "hook", []string{"webhook.create"}},
				{"PATCH", "/api/v1/webhooks/{hook}", `{"active":false}`, 200, "", []string{"webhook.update"}},
				{"DELETE", "/api/v1/webhooks/{hook}", ``, 204, "", []string{"webhook.delete"}},
				// Refused: nothing written, no audit row.
				{"POST", "/api/v1/stock/movements", `{"product_id":{product},"warehouse_id":{warehouse},"qty":"-50","label":"out"}`, 409, "", nil},
			}
			var total int64
			for _, s := range steps {
				path, body := s.path, s.body
				for k, v := range ids {
					path = strings.ReplaceAll(path, "{"+k+"}", v)
					body = strings.ReplaceAll(body, "{"+k+"}", v)
				}
				rec := a.send("all", s.method, path, body)
				if rec.Code != s.status {
					t.Fatalf("%s %s: %d, want %d: %s", s.method, path, rec.Code, s.status, rec.Body)
				}
				if s.save != "" {
					var out map[string]any
					if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
						t.Fatal(err)
					}
					ids[s.save] = fmt.Sprint(int64(out["id"].(float64)))
				}
				page := a.audit(t, fmt.Sprintf("?limit=%d", max(len(s.actions), 1)))
				if page.Total != total+int64(len(s.actions)) {
					t.Fatalf("%s %s: %d audit rows, want %d", s.method, path, page.Total, total+int64(len(s.actions)))
				}
				total = page.Total
				for i, want := range s.actions {
					got := page.Items[len(s.actions)-1-i] // newest first
					if got.Action != want || got.UserID == nil || *got.UserID != 42 || got.RequestID == "" || got.ObjectID == 0 {
						t.Fatalf("%s %s: audit row %+v, want action %s by user 42 with a request id", s.method, path, got, want)
					}
				}
			}

			// What changed, before and after; creations have no before.
			upd := a.audit(t, "?action=product.update&object_type=product&object_id="+ids["product"]).Items
			if len(upd) != 1 || string(upd[0].Changes["label"]) != `{"before":"Audited","after":"Audited twice"}` {
				t.Fatalf("product.update rows %+v", upd)
			}
			if _, ok := upd[0].Changes["updated_at"]; ok || len(upd[0].Changes) != 1 {
				t.Fatalf("product.update changes %v: only the label changed", upd[0].Changes)
			}
			val := a.audit(t, "?action=invoice.validate").Items
			if len(val) != 1 || string(val[0].Changes["status"]) != `{"before":"draft","after":"validated"}` {
				t.Fatalf("invoice.validate rows %+v", val)
			}
			created := a.audit(t, "?action=thirdparty.create").Items
			if len(created) != 1 || string(created[0].Changes["name"]) != `{"before":null,"after":"ACME"}` {
				t.Fatalf("thirdparty.create rows %+v", created)
			}

			// Filters: user, time window, object; bad ones are 422s naming them.
			if p := a.audit(t, "?user_id=42"); p.Total != total {
				t.Fatalf("user 42 has %d rows, want %d", p.Total, total)
			}
			if p := a.audit(t, "?user_id=7"); p.Total != 0 {
				t.Fatalf("user 7 has %d rows", p.Total)
			}
			today := time.Now().UTC().Format(time.DateOnly)
			if p := a.audit(t, "?from="+today+"&to="+today); p.Total != total {
				t.Fatalf("today has %d rows, want %d", p.Total, total)
			}
			if p := a.audit(t, "?to="+url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))); p.Total != 0 {
				t.Fatalf("an hour ago had %d rows", p.Total)
			}
			if p := a.audit(t, "?object_type=invoice&object_id="+ids["invoice"]); p.Total != 3 {
				t.Fatalf("the invoice has %d rows, want create, update, validate: %+v", p.Total, p.Items)
			}
			if p := a.audit(t, "?sort=at&limit=1"); p.Items[0].Action != "product.create" {
				t.Fatalf("oldest first starts with %+v", p.Items[0])
			}
			a.problem(t, http.StatusUnprocessableEntity, "validation", "GET",
				"/api/v1/audit?object_id=x&user_id=0&from=yesterday&object_type=Invoice-x&sort=user", "object_id", "user_id", "from", "object_type", "sort")
			if rec := a.send("products:read", "GET", "/api/v1/audit", ""); rec.Code != http.StatusForbidden {
				t.Fatalf("audit without audit:read: %d", rec.Code)
			}

			// The chain: the invoice, its payments (one deleted, on record),
			// the credit note, the supplier invoice and its payment.
			v := a.verify(t)
			if !v.OK || v.Checked != 7 || v.FirstBrokenID != nil {
				t.Fatalf("verify %+v, want ok over 7 links", v)
			}
			if rec := a.send("products:read", "GET", "/api/v1/audit/verify", ""); rec.Code != http.StatusForbidden {
				t.Fatalf("verify without audit:read: %d", rec.Code)
			}
		})
	}
}

// A fiscal record changed behind the API's back — a document's total, a
// line, a payment's amount, a link of the chain itself, a link removed — is
// reported by /audit/verify as the first broken link, on every dialect.
func TestAuditVerifyFindsTampering(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			for _, tc := range []struct {
				name   string
				tamper string // {inv}: the first invoice's id, {pay}: its payment's id
				broken int64  // seq of the first broken link
			}{
				{"document total", `UPDATE commercial_documents SET total_gross = '999.99' WHERE id = {inv}`, 1},
				{"document line", `UPDATE commercial_document_lines SET total_net = '1.00' WHERE document_id = {inv}`, 1},
				{"document ref", `UPDATE commercial_documents SET ref = 'FA-FAKE' WHERE id = {inv}`, 1},
				{"payment amount", `UPDATE payments SET amount = '1.00' WHERE id = {pay}`, 2},
				{"payment removed", `DELETE FROM payments WHERE id = {pay}`, 2},
				{"chain content", `UPDATE fiscal_chain SET content = REPLACE(content, 'total_gross=120', 'total_gross=12') WHERE seq = 1`, 1},
				{"chain link removed", `DELETE FROM fiscal_chain WHERE seq = 2`, 2},
				{"last link removed", `DELETE FROM fiscal_chain WHERE seq = 3`, 3},
			} {
				t.Run(tc.name, func(t *testing.T) {
					a := newAuditAPI(t, d)
					tp := a.ok(t, 201, "POST", "/api/v1/thirdparties", `{"name":"ACME","is_customer":true}`)
					body := fmt.Sprintf(`{"thirdparty_id":%d,"date":"2026-11-28","lines":[{"description":"Consulting","qty":"2","unit_price":"50","vat_rate":"20"}]}`, idOf(tp))
					inv := idOf(a.ok(t, 201, "POST", "/api/v1/invoices", body))
					a.ok(t, 200, "POST", fmt.Sprintf("/api/v1/invoices/%d/validate", inv), "")
					pay := idOf(a.ok(t, 201, "POST", fmt.Sprintf("/api/v1/invoices/%d/payments", inv), `{"amount":"20","method":"cash","date":"2026-11-29"}`))
					inv2 := idOf(a.ok(t, 201, "POST", "/api/v1/invoices", body))
					a.ok(t, 200, "POST", fmt.Sprintf("/api/v1/invoices/%d/validate", inv2), "")
					if v := a.verify(t); !v.OK || v.Checked != 3 {
						t.Fatalf("before tampering: %+v", v)
					}
					if err := a.db.Gorm.Exec(strings.NewReplacer("{inv}", fmt.Sprint(inv), "{pay}", fmt.Sprint(pay)).Replace(tc.tamper)).Error; err != nil {
						t.Fatal(err)
					}
					v := a.verify(t)
					if v.OK || v.FirstBrokenID == nil || *v.FirstBrokenID != tc.broken || v.Reason == "" {
						t.Fatalf("after tampering: %+v, want link %d broken", v, tc.broken)
					}
				})
			}
		})
	}
}
