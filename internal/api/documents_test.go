package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// commercialAuth is the test double of the authenticator: "admin" holds
// every permission, "viewer" the viewer role's.
type commercialAuth struct{}

func (commercialAuth) Authenticate(_ context.Context, token string) (domain.Principal, error) {
	for _, r := range domain.BuiltinRoles() {
		if r.Name == token {
			return domain.Principal{UserID: int64(len(token)), Login: token, Permissions: r.Permissions}, nil
		}
	}
	return domain.Principal{}, errors.New("bad token")
}

// commercialAPI is the real stack on one dialect's database: handlers, use
// cases, repositories and the Idempotency-Key middleware.
type commercialAPI struct {
	e  *echo.Echo
	db *testdb.DB
}

func newCommercialAPI(t *testing.T, dialect string) *commercialAPI {
	t.Helper()
	db := testdb.Migrated(t, dialect)
	uow := gormdb.NewUnitOfWork(db.DB)
	tps := usecase.NewThirdPartyService(uow, config.Defaults().ThirdPartyMask(), time.Now)
	docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(), DefaultCurrency: config.Defaults().DefaultCurrency})
	e := NewServer(Options{
		Log: zerolog.Nop(), Auth: commercialAuth{},
		Idempotency: Idempotency(usecase.NewIdempotencyService(gormdb.NewUnitOfWork(db.DB)), time.Hour, time.Now),
	}, NewThirdPartyRoutes(tps), NewDocumentRoutes(docs), NewSupplierInvoiceRoutes(docs))
	return &commercialAPI{e: e, db: db}
}

// call sends a request as the admin (or as hdr says) and returns the recorder.
func (a *commercialAPI) call(method, path, body string, hdr ...string) *httptest.ResponseRecorder {
	h := map[string]string{"Authorization": "Bearer admin"}
	for i := 0; i+1 < len(hdr); i += 2 {
		h[hdr[i]] = hdr[i+1]
	}
	return do(a.e, method, path, body, h)
}

// json calls and decodes a JSON answer of the given status.
func (a *commercialAPI) json(t *testing.T, status int, method, path, body string, hdr ...string) map[string]any {
	t.Helper()
	return decodeJSON[map[string]any](t, a.call(method, path, body, hdr...), status)
}

// rows counts what the commercial tables hold, to prove a refused request
// wrote nothing.
func (a *commercialAPI) rows(t *testing.T) string {
	t.Helper()
	var out []string
	for _, table := range []string{"thirdparties", "contacts", "commercial_documents", "commercial_document_lines", "payments", "numbering_sequences"} {
		var n int64
		if err := a.db.Gorm.Table(table).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s=%d", table, n))
	}
	var seq []int64
	a.db.Gorm.Table("numbering_sequences").Order("doc_type, period").Pluck("last_value", &seq)
	return strings.Join(out, " ") + fmt.Sprint(seq)
}

func id(m map[string]any) string { return fmt.Sprint(int64(m["id"].(float64))) }

const invoiceBody = `{"thirdparty_id": %s, "date": "2026-11-28", "lines": [
	{"description": "Consulting", "qty": "1.235", "unit_price": "10", "vat_rate": "20"},
	{"description": "Travel", "qty": 2, "unit_price": 0.005, "discount_percent": "0", "vat_rate": 0},
	{"description": "Gift", "qty": "1", "unit_price": "99.99", "discount_percent": 100, "vat_rate": "5.5"}]}`

func TestCommercialAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newCommercialAPI(t, d)
			tp := a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties",
				`{"name": "ACME", "is_customer": true, "email": "billing@acme.test", "tax_id": "FR123", "locale": "pt-BR"}`)
			if !strings.HasPrefix(tp["code"].(string), "CU") || tp["locale"] != "pt-BR" || tp["is_supplier"] != false {
				t.Fatalf("third party %v", tp)
			}
			t.Run("third parties and contacts", func(t *testing.T) { thirdPartiesAPI(t, a, id(tp)) })
			t.Run("documents", func(t *testing.T) { documentsAPI(t, a, id(tp)) })
			t.Run("illegal transitions", func(t *testing.T) { illegalTransitions(t, a, id(tp)) })
			t.Run("bad input writes nothing", func(t *testing.T) { badInput(t, a, id(tp)) })
			t.Run("payments", func(t *testing.T) { paymentsAPI(t, a, id(tp)) })
			t.Run("idempotency", func(t *testing.T) { idempotentPosts(t, a, id(tp)) })
		})
	}
}

func thirdPartiesAPI(t *testing.T, a *commercialAPI, tp string) {
	got := a.json(t, http.StatusOK, "PATCH", "/api/v1/thirdparties/"+tp, `{"phone": "+33 1 23", "is_prospect": true}`)
	if got["phone"] != "+33 1 23" || got["is_prospect"] != true || got["name"] != "ACME" {
		t.Fatalf("patched %v", got)
	}
	list := a.json(t, http.StatusOK, "GET", "/api/v1/thirdparties?is_customer=true&q=acme&sort=-name", "")
	if list["total"].(float64) != 1 {
		t.Fatalf("list %v", list)
	}
	c := a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties/"+tp+"/contacts", `{"first_name": "Ann", "last_name": "Lee", "position": "CFO"}`)
	path := "/api/v1/thirdparties/" + tp + "/contacts/" + id(c)
	if got := a.json(t, http.StatusOK, "PATCH", path, `{"email": "ann@acme.test"}`); got["email"] != "ann@acme.test" || got["position"] != "CFO" {
		t.Fatalf("contact %v", got)
	}
	if l := a.json(t, http.StatusOK, "GET", "/api/v1/thirdparties/"+tp+"/contacts", ""); l["total"].(float64) != 1 {
		t.Fatalf("contacts %v", l)
	}
	if rec := a.call("DELETE", path, ""); rec.Code != http.StatusNoContent {
		t.Fatalf("delete contact: %d", rec.Code)
	}
	wantProblem(t, a.call("GET", path, ""), http.StatusNotFound, "not-found")
	wantProblem(t, a.call("GET", "/api/v1/thirdparties/999999/contacts", ""), http.StatusNotFound, "not-found")
	other := a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "Supplier", "code": "SUP-1", "is_supplier": true}`)
	if other["code"] != "SUP-1" {
		t.Fatalf("given code replaced: %v", other)
	}
	wantProblem(t, a.call("POST", "/api/v1/thirdparties", `{"name": "Dup", "code": "SUP-1"}`), http.StatusConflict, "duplicate-code")
	if rec := a.call("DELETE", "/api/v1/thirdparties/"+id(other), ""); rec.Code != http.StatusNoContent {
		t.Fatalf("delete third party: %d %s", rec.Code, rec.Body)
	}
}

func documentsAPI(t *testing.T, a *commercialAPI, tp string) {
	rec := a.call("POST", "/api/v1/invoices", fmt.Sprintf(invoiceBody, tp))
	inv := decodeJSON[documentResponse](t, rec, http.StatusCreated)
	if rec.Header().Get("Location") != fmt.Sprintf("/api/v1/invoices/%d", inv.ID) {
		t.Fatalf("location %q", rec.Header().Get("Location"))
	}
	// 1.235 × 10 = 12.35 (VAT 2.47); 2 × 0.005 = 0.01; 100 % discount = 0.
	if inv.Ref != fmt.Sprintf("(PROV%d)", inv.ID) || inv.Status != "draft" || inv.Type != "invoice" || inv.Currency != "EUR" ||
		inv.TotalNet != "12.36" || inv.TotalVAT != "2.47" || inv.TotalGross != "14.83" || inv.AmountDue != "14.83" || inv.AmountPaid != "0.00" ||
		inv.Date != "2026-11-28" || inv.DueDate == nil || *inv.DueDate != "2026-11-28" || len(inv.Lines) != 3 {
		t.Fatalf("invoice %+v", inv)
	}
	l := inv.Lines[1]
	if l.Qty != "2" || l.UnitPrice != "0.005" || l.TotalNet != "0.01" || l.TotalGross != "0.01" || l.ProductID != nil || inv.Lines[2].TotalNet != "0.00" {
		t.Fatalf("line %+v", l)
	}
	if len(inv.VATBreakdown) != 3 || inv.VATBreakdown[2] != (vatResponse{VATRate: "20", TotalNet: "12.35", TotalVAT: "2.47"}) {
		t.Fatalf("breakdown %+v", inv.VATBreakdown)
	}
	path := fmt.Sprintf("/api/v1/invoices/%d", inv.ID)
	edited := decodeJSON[documentResponse](t, a.call("PATCH", path,
		`{"currency": "jpy", "due_date": "2026-12-31", "lines": [{"description": "Yen", "qty": 1, "unit_price": "1234.5", "vat_rate": 10}]}`), http.StatusOK)
	if edited.Currency != "JPY" || edited.TotalNet != "1235" || edited.TotalVAT != "124" || edited.Lines[0].UnitPrice != "1234.5" ||
		*edited.DueDate != "2026-12-31" || len(edited.Lines) != 1 {
		t.Fatalf("edited %+v", edited)
	}
	if got := decodeJSON[documentResponse](t, a.call("GET", path, ""), http.StatusOK); got.TotalGross != "1359" || got.Lines[0].ID != edited.Lines[0].ID {
		t.Fatalf("read back %+v", got)
	}

	// The chain: proposal → accept → order → invoice → credit note.
	prop := a.json(t, http.StatusCreated, "POST", "/api/v1/proposals", fmt.Sprintf(invoiceBody, tp))
	pid := id(prop)
	v := a.json(t, http.StatusOK, "POST", "/api/v1/proposals/"+pid+"/validate", "")
	if v["ref"] != "PR2611-0001" || v["status"] != "validated" || v["validated_at"] == nil {
		t.Fatalf("validated proposal %v", v)
	}
	a.json(t, http.StatusOK, "POST", "/api/v1/proposals/"+pid+"/accept", "")
	rec = a.call("POST", "/api/v1/proposals/"+pid+"/order", "")
	order := decodeJSON[map[string]any](t, rec, http.StatusCreated)
	if rec.Header().Get("Location") != "/api/v1/orders/"+id(order) || order["source_id"].(float64) != prop["id"].(float64) || order["total_gross"] != "14.83" {
		t.Fatalf("order %v at %s", order, rec.Header().Get("Location"))
	}
	a.json(t, http.StatusOK, "POST", "/api/v1/orders/"+id(order)+"/validate", `{"warehouse_id": 1}`)
	inv2 := a.json(t, http.StatusCreated, "POST", "/api/v1/orders/"+id(order)+"/invoice", "")
	a.json(t, http.StatusOK, "POST", "/api/v1/invoices/"+id(inv2)+"/validate", "")
	cn := a.json(t, http.StatusCreated, "POST", "/api/v1/invoices/"+id(inv2)+"/credit-note", "")
	if cn["type"] != "credit_note" || cn["status"] != "draft" {
		t.Fatalf("credit note %v", cn)
	}
	if got := a.json(t, http.StatusOK, "POST", "/api/v1/invoices/"+id(cn)+"/validate", ""); !strings.HasPrefix(got["ref"].(string), "AV") {
		t.Fatalf("credit note number %v", got["ref"])
	}
	if got := a.json(t, http.StatusOK, "GET", "/api/v1/proposals/"+pid, ""); got["status"] != "ordered" {
		t.Fatalf("proposal after ordering: %v", got["status"])
	}
	if l := a.json(t, http.StatusOK, "GET", "/api/v1/invoices?type=credit_note&thirdparty_id="+tp, ""); l["total"].(float64) != 1 {
		t.Fatalf("credit notes %v", l)
	}
	if l := a.json(t, http.StatusOK, "GET", "/api/v1/orders?status=invoiced&limit=1&sort=-date", ""); l["total"].(float64) != 1 || len(l["items"].([]any)) != 1 {
		t.Fatalf("orders %v", l)
	}
	// A document is found only under its own resource; a viewer reads, never writes.
	wantProblem(t, a.call("GET", "/api/v1/orders/"+id(inv2), ""), http.StatusNotFound, "not-found")
	a.json(t, http.StatusOK, "GET", "/api/v1/invoices/"+id(inv2), "", "Authorization", "Bearer viewer")
	wantProblem(t, a.call("POST", "/api/v1/invoices/"+id(inv2)+"/credit-note", "", "Authorization", "Bearer viewer"), http.StatusForbidden, "forbidden")
	// A draft can be deleted.
	if rec := a.call("DELETE", path, ""); rec.Code != http.StatusNoContent {
		t.Fatalf("delete draft: %d %s", rec.Code, rec.Body)
	}
	wantProblem(t, a.call("GET", path, ""), http.StatusNotFound, "not-found")
}

// validInvoice creates and validates an invoice, returning its id.
func (a *commercialAPI) validInvoice(t *testing.T, tp string) string {
	t.Helper()
	inv := id(a.json(t, http.StatusCreated, "POST", "/api/v1/invoices", fmt.Sprintf(invoiceBody, tp)))
	a.json(t, http.StatusOK, "POST", "/api/v1/invoices/"+inv+"/validate", "")
	return inv
}

// Every transition the lifecycle does not allow is a 409, and changes nothing.
func illegalTransitions(t *testing.T, a *commercialAPI, tp string) {
	body := fmt.Sprintf(invoiceBody, tp)
	draftProp := id(a.json(t, http.StatusCreated, "POST", "/api/v1/proposals", body))
	validProp := id(a.json(t, http.StatusCreated, "POST", "/api/v1/proposals", body))
	a.json(t, http.StatusOK, "POST", "/api/v1/proposals/"+validProp+"/validate", "")
	refusedProp := id(a.json(t, http.StatusCreated, "POST", "/api/v1/proposals", body))
	a.json(t, http.StatusOK, "POST", "/api/v1/proposals/"+refusedProp+"/validate", "")
	a.json(t, http.StatusOK, "POST", "/api/v1/proposals/"+refusedProp+"/refuse", "")
	draftOrder := id(a.json(t, http.StatusCreated, "POST", "/api/v1/orders", body))
	draftInv := id(a.json(t, http.StatusCreated, "POST", "/api/v1/invoices", body))
	emptyInv := id(a.json(t, http.StatusCreated, "POST", "/api/v1/invoices", `{"thirdparty_id": `+tp+`}`))
	validInv := a.validInvoice(t, tp)

	cases := []struct{ method, path, body, code string }{
		{"POST", "/proposals/" + draftProp + "/accept", "", "illegal-transition"},
		{"POST", "/proposals/" + draftProp + "/refuse", "", "illegal-transition"},
		{"POST", "/proposals/" + draftProp + "/order", "", "illegal-transition"},
		{"POST", "/proposals/" + validProp + "/validate", "", "illegal-transition"},
		{"POST", "/proposals/" + validProp + "/order", "", "illegal-transition"},
		{"PATCH", "/proposals/" + validProp, `{"note": "late"}`, "illegal-transition"},
		{"DELETE", "/proposals/" + validProp, "", "illegal-transition"},
		{"POST", "/proposals/" + refusedProp + "/accept", "", "illegal-transition"},
		{"POST", "/proposals/" + refusedProp + "/refuse", "", "illegal-transition"},
		{"POST", "/orders/" + draftOrder + "/invoice", "", "illegal-transition"},
		{"POST", "/invoices/" + draftInv + "/credit-note", "", "illegal-transition"},
		{"POST", "/invoices/" + draftInv + "/payments", `{"amount": "1", "method": "cash"}`, "illegal-transition"},
		{"POST", "/invoices/" + emptyInv + "/validate", "", "empty-document"},
		{"POST", "/invoices/" + validInv + "/validate", "", "illegal-transition"},
		{"PATCH", "/invoices/" + validInv, `{"lines": []}`, "illegal-transition"},
		{"DELETE", "/invoices/" + validInv, "", "illegal-transition"},
	}
	before := a.rows(t)
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			wantProblem(t, a.call(tc.method, "/api/v1"+tc.path, tc.body), http.StatusConflict, tc.code)
		})
	}
	if after := a.rows(t); after != before {
		t.Fatalf("refused transitions wrote: %s → %s", before, after)
	}
	for path, status := range map[string]string{"/proposals/" + validProp: "validated", "/proposals/" + refusedProp: "refused", "/invoices/" + draftInv: "draft"} {
		if got := a.json(t, http.StatusOK, "GET", "/api/v1"+path, ""); got["status"] != status {
			t.Fatalf("%s is %v after refused transitions", path, got["status"])
		}
	}
}

// Bad input is a 4xx problem naming what is wrong, and nothing is written.
func badInput(t *testing.T, a *commercialAPI, tp string) {
	draft := id(a.json(t, http.StatusCreated, "POST", "/api/v1/invoices", fmt.Sprintf(invoiceBody, tp)))
	valid := a.validInvoice(t, tp)
	cases := []struct {
		method, path, body string
		status             int
		code               string
		fields             []string
	}{
		{"POST", "/invoices", `{"thirdparty_id": `, 400, "malformed-request", nil},
		{"POST", "/invoices", `{"thirdparty_id": "one"}`, 400, "malformed-request", nil},
		{"POST", "/invoices", `{"lines": [{"qty": "abc", "unit_price": "1", "vat_rate": "0"}]}`, 422, "validation",
			[]string{"lines[0].qty"}},
		{"POST", "/invoices", `{"lines": [{"qty": "1", "unit_price": "-1", "vat_rate": "101", "discount_percent": "5"}], "currency": "EURO", "date": "2026-13-01"}`, 422, "validation",
			[]string{"date"}},
		{"POST", "/invoices", `{"date": "2026-11-28", "due_date": "2026-11-01", "currency": "EURO", "lines": [{"qty": "0", "unit_price": "-1", "vat_rate": "101"}]}`, 422, "validation",
			[]string{"thirdparty_id", "lines[0].description", "lines[0].qty", "lines[0].unit_price", "lines[0].vat_rate", "currency", "due_date"}},
		{"POST", "/invoices", `{"thirdparty_id": 999999, "lines": []}`, 422, "validation", []string{"thirdparty_id"}},
		{"POST", "/orders", `{"thirdparty_id": ` + tp + `, "lines": [{"product_id": 424242, "qty": 1}]}`, 422, "validation", []string{"lines[0].product_id"}},
		{"PATCH", "/invoices/" + draft, `{"lines": [{"description": "x", "qty": "1.0000001", "unit_price": "1", "vat_rate": "0"}]}`, 422, "validation", []string{"lines[0].qty"}},
		{"PATCH", "/invoices/" + draft, `{"thirdparty_id": 999999}`, 422, "validation", []string{"thirdparty_id"}},
		{"POST", "/invoices/" + valid + "/payments", `{"amount": "1", "method": "bitcoin"}`, 422, "validation", []string{"method"}},
		{"POST", "/invoices/" + valid + "/payments", `{"method": "cash", "date": "yesterday"}`, 422, "validation", []string{"amount", "date"}},
		{"POST", "/invoices/" + valid + "/payments", `{"amount": "0.001", "method": "cash"}`, 422, "validation", []string{"amount"}},
		{"POST", "/invoices/" + valid + "/payments", `{"amount": "1000", "method": "cash"}`, 422, "overpayment", nil},
		{"POST", "/invoices/" + valid + "/validate", `{"warehouse_id": -1}`, 422, "validation", []string{"warehouse_id"}},
		{"POST", "/thirdparties", `{"email": "not-an-address", "locale": "english"}`, 422, "validation", []string{"name", "email", "locale"}},
		{"POST", "/thirdparties/" + tp + "/contacts", `{"email": "x"}`, 422, "validation", []string{"last_name", "email"}},
		{"GET", "/invoices?status=bogus&thirdparty_id=x&type=order", "", 422, "validation", []string{"thirdparty_id", "status", "type"}},
		{"GET", "/invoices?sort=secret", "", 422, "validation", []string{"sort"}},
		{"GET", "/invoices/999999", "", 404, "not-found", nil},
		{"GET", "/invoices/abc", "", 404, "not-found", nil},
		{"POST", "/invoices/999999/validate", "", 404, "not-found", nil},
		{"DELETE", "/invoices/" + valid + "/payments/999999", "", 404, "not-found", nil},
		{"POST", "/orders/" + valid + "/invoice", "", 404, "not-found", nil},
	}
	before := a.rows(t)
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path+" "+tc.body, func(t *testing.T) {
			fields := wantProblem(t, a.call(tc.method, "/api/v1"+tc.path, tc.body), tc.status, tc.code)
			for _, f := range tc.fields {
				if !strings.Contains(strings.Join(fields, " ")+" ", f+" ") {
					t.Errorf("no error for %s in %v", f, fields)
				}
			}
		})
	}
	if after := a.rows(t); after != before {
		t.Fatalf("refused requests wrote: %s → %s", before, after)
	}
}

func paymentsAPI(t *testing.T, a *commercialAPI, tp string) {
	inv := a.validInvoice(t, tp) // 14.83 due
	path := "/api/v1/invoices/" + inv
	due := func() (string, string) {
		got := a.json(t, http.StatusOK, "GET", path, "")
		return got["status"].(string), got["amount_due"].(string)
	}
	p1 := a.json(t, http.StatusCreated, "POST", path+"/payments", `{"amount": "4.83", "method": "card", "date": "2026-12-01", "reference": "TX-1"}`)
	if p1["amount"] != "4.83" || p1["date"] != "2026-12-01" || p1["method"] != "card" || p1["invoice_id"].(float64) == 0 {
		t.Fatalf("payment %v", p1)
	}
	a.json(t, http.StatusCreated, "POST", path+"/payments", `{"amount": 5, "method": "check"}`)
	if s, d := due(); s != "validated" || d != "5.00" {
		t.Fatalf("after two payments: %s %s", s, d)
	}
	wantProblem(t, a.call("POST", path+"/payments", `{"amount": "5.01", "method": "cash"}`), http.StatusUnprocessableEntity, "overpayment")
	a.json(t, http.StatusCreated, "POST", path+"/payments", `{"amount": "5.00", "method": "bank_transfer"}`)
	if s, d := due(); s != "paid" || d != "0.00" {
		t.Fatalf("after the exact payment: %s %s", s, d)
	}
	wantProblem(t, a.call("POST", path+"/payments", `{"amount": "0.01", "method": "cash"}`), http.StatusUnprocessableEntity, "overpayment")
	list := a.json(t, http.StatusOK, "GET", path+"/payments", "")
	if n := len(list["items"].([]any)); n != 3 {
		t.Fatalf("%d payments listed", n)
	}
	if rec := a.call("DELETE", path+"/payments/"+id(p1), ""); rec.Code != http.StatusNoContent {
		t.Fatalf("delete payment: %d %s", rec.Code, rec.Body)
	}
	if s, d := due(); s != "validated" || d != "4.83" {
		t.Fatalf("after deleting a payment: %s %s", s, d)
	}
	wantProblem(t, a.call("POST", path+"/payments", `{"amount": "1", "method": "cash"}`, "Authorization", "Bearer viewer"), http.StatusForbidden, "forbidden")
}

// Every create and action POST replays its first answer for a retry with the
// same Idempotency-Key, without doing it twice.
func idempotentPosts(t *testing.T, a *commercialAPI, tp string) {
	body := fmt.Sprintf(invoiceBody, tp)
	first := a.call("POST", "/api/v1/invoices", body, HeaderIdempotencyKey, "create-1")
	before := a.rows(t)
	retry := a.call("POST", "/api/v1/invoices", body, HeaderIdempotencyKey, "create-1")
	if first.Code != http.StatusCreated || retry.Code != first.Code || retry.Body.String() != first.Body.String() ||
		retry.Header().Get(HeaderIdempotentReplayed) != "true" || a.rows(t) != before {
		t.Fatalf("retried create: %d %s → %d %s", first.Code, first.Body, retry.Code, retry.Body)
	}
	var inv documentResponse
	if err := json.Unmarshal(first.Body.Bytes(), &inv); err != nil {
		t.Fatal(err)
	}
	validate := fmt.Sprintf("/api/v1/invoices/%d/validate", inv.ID)
	v1 := a.call("POST", validate, "", HeaderIdempotencyKey, "validate-1")
	v2 := a.call("POST", validate, "", HeaderIdempotencyKey, "validate-1")
	if v1.Code != http.StatusOK || v2.Code != http.StatusOK || v2.Body.String() != v1.Body.String() {
		t.Fatalf("retried validation: %d → %d %s", v1.Code, v2.Code, v2.Body)
	}
	pay := fmt.Sprintf("/api/v1/invoices/%d/payments", inv.ID)
	a.call("POST", pay, `{"amount": "1", "method": "cash"}`, HeaderIdempotencyKey, "pay-1")
	a.call("POST", pay, `{"amount": "1", "method": "cash"}`, HeaderIdempotencyKey, "pay-1")
	if got := a.json(t, http.StatusOK, "GET", pay, ""); len(got["items"].([]any)) != 1 {
		t.Fatalf("a retried payment was recorded twice: %v", got)
	}
	wantProblem(t, a.call("POST", pay, `{"amount": "2", "method": "cash"}`, HeaderIdempotencyKey, "pay-1"), http.StatusUnprocessableEntity, "idempotency-key-reused")
}

// Every route of the commercial areas is described in the OpenAPI document,
// with its method, and every schema it refers to exists.
func TestCommercialOpenAPI(t *testing.T) {
	doc, err := OpenAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Paths      map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(doc, &spec); err != nil {
		t.Fatal(err)
	}
	e := NewServer(Options{}, NewThirdPartyRoutes(nil), NewDocumentRoutes(nil))
	params := strings.NewReplacer(":id", "{id}", ":contact_id", "{contact_id}", ":payment_id", "{payment_id}")
	n := 0
	for _, r := range e.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") || r.Path == "/api/v1/openapi.json" {
			continue
		}
		n++
		p := params.Replace(r.Path)
		if _, ok := spec.Paths[p][strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s %s is not in the OpenAPI document", r.Method, p)
		}
	}
	if n != 36 {
		t.Errorf("%d routes checked, want 36", n)
	}
	for _, ref := range regexpRefs.FindAllStringSubmatch(string(doc), -1) {
		if _, ok := spec.Components.Schemas[ref[1]]; !ok {
			t.Errorf("schema %s is referred to but not defined", ref[1])
		}
	}
}

var regexpRefs = regexp.MustCompile(`"#/components/schemas/([A-Za-z]+)"`)
