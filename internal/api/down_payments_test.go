package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// newDownPaymentAPI is the commercial stack with the down-payment route.
func newDownPaymentAPI(t *testing.T, dialect string) *commercialAPI {
	t.Helper()
	db := testdb.Migrated(t, dialect)
	uow := gormdb.NewUnitOfWork(db.DB)
	tps := usecase.NewThirdPartyService(uow, config.Defaults().ThirdPartyMask(), time.Now)
	docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(), DefaultCurrency: config.Defaults().DefaultCurrency})
	e := NewServer(Options{
		Log: zerolog.Nop(), Auth: commercialAuth{},
		Idempotency: Idempotency(usecase.NewIdempotencyService(gormdb.NewUnitOfWork(db.DB)), time.Hour, time.Now),
	}, NewThirdPartyRoutes(tps), NewDocumentRoutes(docs), NewDownPaymentRoutes(docs))
	return &commercialAPI{e: e, db: db}
}

// An order of 100 at 20 % and 50 at 5.5 %: gross 120.00 + 52.75 = 172.75.
const downPaymentOrder = `{"thirdparty_id": %s, "date": "2026-12-01", "lines": [
	{"description": "Machine", "qty": "1", "unit_price": "100", "vat_rate": "20"},
	{"description": "Manual", "qty": "1", "unit_price": "50", "vat_rate": "5.5"}]}`

func TestDownPaymentAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newDownPaymentAPI(t, d)
			tp := id(a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "ACME", "is_customer": true}`))
			draftOrder := id(a.json(t, http.StatusCreated, "POST", "/api/v1/orders", fmt.Sprintf(downPaymentOrder, tp)))
			order := id(a.json(t, http.StatusCreated, "POST", "/api/v1/orders", fmt.Sprintf(downPaymentOrder, tp)))
			o := a.json(t, http.StatusOK, "POST", "/api/v1/orders/"+order+"/validate", "")
			if o["total_gross"] != "172.75" {
				t.Fatalf("order %v", o)
			}
			invoice := id(a.json(t, http.StatusCreated, "POST", "/api/v1/invoices", fmt.Sprintf(downPaymentOrder, tp)))

			// Refused requests write nothing.
			before := a.rows(t)
			for _, tc := range []struct {
				path, body string
				status     int
				code       string
				fields     []string
			}{
				{"/orders/" + order + "/down-payment", `{}`, 422, "validation", []string{"percent"}},
				{"/orders/" + order + "/down-payment", `{"percent": "10", "amount": "5"}`, 422, "validation", []string{"percent", "amount"}},
				{"/orders/" + order + "/down-payment", `{"percent": "0"}`, 422, "validation", []string{"percent"}},
				{"/orders/" + order + "/down-payment", `{"percent": 100.5}`, 422, "validation", []string{"percent"}},
				{"/orders/" + order + "/down-payment", `{"percent": "abc"}`, 422, "validation", []string{"percent"}},
				{"/orders/" + order + "/down-payment", `{"amount": "-1"}`, 422, "validation", []string{"amount"}},
				{"/orders/" + order + "/down-payment", `{"amount": "1.001"}`, 422, "validation", []string{"amount"}},
				{"/orders/" + order + "/down-payment", `{"amount": "172.76"}`, 422, "validation", []string{"amount"}},
				{"/orders/" + order + "/down-payment", `{"pourcent": 10}`, 422, "validation", []string{"pourcent"}},
				{"/orders/" + order + "/down-payment", `{"percent": `, 400, "malformed-request", nil},
				{"/orders/" + draftOrder + "/down-payment", `{"percent": "10"}`, 409, "illegal-transition", nil},
				{"/orders/" + invoice + "/down-payment", `{"percent": "10"}`, 404, "not-found", nil},
				{"/orders/999999/down-payment", `{"percent": "10"}`, 404, "not-found", nil},
			} {
				fields := wantProblem(t, a.call("POST", "/api/v1"+tc.path, tc.body), tc.status, tc.code)
				if strings.Join(fields, " ") != strings.Join(tc.fields, " ") {
					t.Errorf("%s %s: fields %v, want %v", tc.path, tc.body, fields, tc.fields)
				}
			}
			if after := a.rows(t); after != before {
				t.Fatalf("refused requests wrote: %s → %s", before, after)
			}

			rec := a.call("POST", "/api/v1/orders/"+order+"/down-payment", `{"percent": 30}`)
			dp := decodeJSON[map[string]any](t, rec, http.StatusCreated)
			if rec.Header().Get("Location") != "/api/v1/invoices/"+id(dp) || dp["type"] != "down_payment" || dp["status"] != "draft" ||
				dp["total_gross"] != "51.83" || fmt.Sprint(dp["source_id"]) != order {
				t.Fatalf("down payment %v (Location %s)", dp, rec.Header().Get("Location"))
			}
			lines := dp["lines"].([]any)
			if len(lines) != 2 || !strings.HasPrefix(lines[0].(map[string]any)["description"].(string), "Down payment 30 % of order CO") {
				t.Fatalf("lines %v", lines)
			}
			// Served under /invoices: read, listed by type, validated, paid.
			if got := a.json(t, http.StatusOK, "GET", "/api/v1/invoices?type=down_payment", ""); got["total"] != float64(1) {
				t.Fatalf("list %v", got)
			}
			// Its lines are the order's; its note may change.
			if f := wantProblem(t, a.call("PATCH", "/api/v1/invoices/"+id(dp), `{"lines": [{"description": "x", "qty": 1, "unit_price": 1, "vat_rate": 0}]}`),
				422, "validation"); strings.Join(f, " ") != "lines" {
				t.Fatalf("lines of a down payment: %v", f)
			}
			if got := a.json(t, http.StatusOK, "PATCH", "/api/v1/invoices/"+id(dp), `{"note": "Deposit"}`); got["note"] != "Deposit" || got["total_gross"] != "51.83" {
				t.Fatalf("note %v", got)
			}
			dp = a.json(t, http.StatusOK, "POST", "/api/v1/invoices/"+id(dp)+"/validate", "")
			if !strings.HasPrefix(dp["ref"].(string), "AC") || dp["status"] != "validated" {
				t.Fatalf("validated %v", dp)
			}
			a.json(t, http.StatusCreated, "POST", "/api/v1/invoices/"+id(dp)+"/payments", `{"amount": "51.83", "method": "bank_transfer"}`)
			if got := a.json(t, http.StatusOK, "GET", "/api/v1/invoices/"+id(dp), ""); got["status"] != "paid" || got["amount_due"] != "0.00" {
				t.Fatalf("paid %v", got)
			}

			// The final invoice deducts it.
			final := a.json(t, http.StatusCreated, "POST", "/api/v1/orders/"+order+"/invoice", "")
			if final["type"] != "invoice" || final["total_gross"] != "120.92" { // 172.75 − 51.83
				t.Fatalf("final invoice %v", final)
			}
			flines := final["lines"].([]any)
			if len(flines) != 4 {
				t.Fatalf("final lines %v", flines)
			}
			for _, l := range flines[2:] {
				m := l.(map[string]any)
				if fmt.Sprint(m["down_payment_id"]) != id(dp) || m["description"] != "Deduction of down payment "+dp["ref"].(string) ||
					!strings.HasPrefix(m["total_net"].(string), "-") || m["qty"] != "1" {
					t.Fatalf("deduction line %v", m)
				}
			}
			if _, ok := flines[0].(map[string]any)["down_payment_id"]; ok {
				t.Fatalf("plain line with down_payment_id: %v", flines[0])
			}
			// Invoiced: no more down payments.
			wantProblem(t, a.call("POST", "/api/v1/orders/"+order+"/down-payment", `{"amount": "1"}`), 409, "illegal-transition")
			a.json(t, http.StatusOK, "POST", "/api/v1/invoices/"+id(final)+"/validate", "")

			// Its credit note is drafted, but cannot be validated while the
			// final invoice deducts it.
			cn := a.json(t, http.StatusCreated, "POST", "/api/v1/invoices/"+id(dp)+"/credit-note", "")
			if cn["type"] != "credit_note" || fmt.Sprint(cn["source_id"]) != id(dp) || cn["total_gross"] != "51.83" {
				t.Fatalf("credit note %v", cn)
			}
			wantProblem(t, a.call("POST", "/api/v1/invoices/"+id(cn)+"/validate", ""), 409, "down-payment-deducted")
		})
	}
}

// A down payment's PDF is served under /invoices like an invoice's.
func TestDownPaymentPDF(t *testing.T) {
	a := newSalesAPI(t, testdb.Dialects()[0], usecase.DocumentStockOptions{})
	tp := id(a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "ACME"}`))
	order := id(a.json(t, http.StatusCreated, "POST", "/api/v1/orders", fmt.Sprintf(downPaymentOrder, tp)))
	a.json(t, http.StatusOK, "POST", "/api/v1/orders/"+order+"/validate", "")
	orderID, _ := strconv.ParseInt(order, 10, 64)
	thirty := decimal.RequireFromString("30")
	dp, err := a.docs.DownPayment(context.Background(), domain.Principal{UserID: 1}, orderID, domain.DownPaymentInput{Percent: &thirty})
	if err != nil {
		t.Fatal(err)
	}
	v := a.json(t, http.StatusOK, "POST", fmt.Sprintf("/api/v1/invoices/%d/validate", dp.ID), "")
	rec := a.call("GET", fmt.Sprintf("/api/v1/invoices/%d/pdf?lang=fr", dp.ID), "")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/pdf" ||
		rec.Header().Get("Content-Disposition") != `inline; filename="`+v["ref"].(string)+`.pdf"` {
		t.Fatalf("pdf: %d %v", rec.Code, rec.Header())
	}
	if r := <-a.done; r.err != nil || !bytes.Equal(r.out, rec.Body.Bytes()) {
		t.Fatalf("rendered %v", r.err)
	}
	if l := <-a.langs; l != "fr" {
		t.Fatalf("rendered in %s", l)
	}
}
