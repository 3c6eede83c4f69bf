package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// newFXAPI is the commercial stack with the currency rates, the company
// currency EUR.
func newFXAPI(t *testing.T, dialect string) *commercialAPI {
	t.Helper()
	db := testdb.Migrated(t, dialect)
	uow := gormdb.NewUnitOfWork(db.DB)
	company := config.Defaults().DefaultCurrency
	if company != "EUR" {
		t.Fatal("the test assumes EUR for the company currency")
	}
	docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(), DefaultCurrency: company})
	e := NewServer(Options{Log: zerolog.Nop(), Auth: commercialAuth{}},
		NewThirdPartyRoutes(usecase.NewThirdPartyService(uow, config.Defaults().ThirdPartyMask(), time.Now)),
		NewDocumentRoutes(docs), NewSupplierInvoiceRoutes(docs),
		NewCurrencyRateRoutes(usecase.NewCurrencyRateService(uow, company, time.Now), company))
	return &commercialAPI{e: e, db: db}
}

func (a *commercialAPI) fields(t *testing.T, status int, code, method, path, body string) []string {
	t.Helper()
	f := wantProblem(t, a.call(method, path, body), status, code)
	slices.Sort(f)
	return f
}

func TestCurrencyRatesAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newFXAPI(t, d)
			// Bad input: a 422 naming every field.
			for body, want := range map[string][]string{
				`{"currency": "eur", "date": "2026-11-02", "rate": "1"}`:             {"currency"}, // the company currency
				`{"currency": "XYZ", "rate": "abc"}`:                                 {"currency", "date", "rate"},
				`{"currency": "USD", "date": "2026-11-02", "rate": 0}`:               {"rate"},
				`{"currency": "USD", "date": "2026-11-02", "rate": "-1.5"}`:          {"rate"},
				`{"currency": "USD", "date": "2026-11-02", "rate": "1.00000000001"}`: {"rate"},
			} {
				if got := a.fields(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/currency-rates", body); !slices.Equal(got, want) {
					t.Errorf("%s: fields %v, want %v", body, got, want)
				}
			}
			usd := a.json(t, http.StatusCreated, "POST", "/api/v1/currency-rates", `{"currency": "usd", "date": "2026-11-02", "rate": "1.25"}`)
			if usd["currency"] != "USD" || usd["date"] != "2026-11-02" || usd["rate"] != "1.25" {
				t.Fatalf("created %v", usd)
			}
			wantProblem(t, a.call("POST", "/api/v1/currency-rates", `{"currency": "USD", "date": "2026-11-02", "rate": "1.3"}`), http.StatusConflict, "duplicate")
			late := a.json(t, http.StatusCreated, "POST", "/api/v1/currency-rates", `{"currency": "USD", "date": "2026-11-20", "rate": 1.1}`)
			a.json(t, http.StatusCreated, "POST", "/api/v1/currency-rates", `{"currency": "JPY", "date": "2026-11-01", "rate": "161.5"}`)
			a.json(t, http.StatusCreated, "POST", "/api/v1/currency-rates", `{"currency": "BHD", "date": "2026-11-01", "rate": "0.4123"}`)

			page := a.json(t, http.StatusOK, "GET", "/api/v1/currency-rates?currency=usd&from=2026-11-03&to=2026-12-31", "")
			if items := page["items"].([]any); page["total"] != float64(1) || items[0].(map[string]any)["id"] != late["id"] {
				t.Fatalf("USD from the 3rd: %v", page)
			}
			if page := a.json(t, http.StatusOK, "GET", "/api/v1/currency-rates?sort=-rate", ""); page["items"].([]any)[0].(map[string]any)["currency"] != "JPY" {
				t.Fatalf("by rate, highest first: %v", page)
			}
			if got := a.fields(t, http.StatusUnprocessableEntity, "validation", "GET", "/api/v1/currency-rates?currency=XX&from=11/02/2026", ""); !slices.Equal(got, []string{"currency", "from"}) {
				t.Fatalf("bad filters: %v", got)
			}
			if rec := a.call("GET", "/api/v1/currency-rates?currency=USD", "", "Accept", "text/csv"); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "2026-11-20") {
				t.Fatalf("CSV: %d %s", rec.Code, rec.Body)
			}
			// Reading needs currency_rates:read (the viewer has it), writing
			// currency_rates:write (the viewer has not).
			if rec := a.call("GET", fmt.Sprintf("/api/v1/currency-rates/%v", usd["id"]), "", "Authorization", "Bearer viewer"); rec.Code != http.StatusOK {
				t.Fatalf("viewer reads: %d %s", rec.Code, rec.Body)
			}
			wantProblem(t, a.call("POST", "/api/v1/currency-rates", `{"currency": "GBP", "date": "2026-11-02", "rate": "0.87"}`, "Authorization", "Bearer viewer"), http.StatusForbidden, "forbidden")
			path := fmt.Sprintf("/api/v1/currency-rates/%v", late["id"])
			if rec := a.call("DELETE", path, ""); rec.Code != http.StatusNoContent {
				t.Fatalf("delete: %d %s", rec.Code, rec.Body)
			}
			wantProblem(t, a.call("GET", path, ""), http.StatusNotFound, "not-found")
		})
	}
}

// A USD invoice validated at the rate of its date, a JPY and a BHD one
// rounded to their minor units, a GBP one refused for want of a rate, and
// the exchange difference of a payment.
func TestForeignCurrencyInvoicesAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newFXAPI(t, d)
			for _, r := range []string{
				`{"currency": "USD", "date": "2026-11-02", "rate": "1.25"}`, `{"currency": "USD", "date": "2026-11-20", "rate": "1.1"}`,
				`{"currency": "JPY", "date": "2026-11-01", "rate": "161.5"}`, `{"currency": "BHD", "date": "2026-11-01", "rate": "0.4123"}`,
			} {
				a.json(t, http.StatusCreated, "POST", "/api/v1/currency-rates", r)
			}
			tp := id(a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "Globex", "is_customer": true}`))
			invoice := func(currency, extra, qty, price, vat string) map[string]any {
				return a.json(t, http.StatusCreated, "POST", "/api/v1/invoices", fmt.Sprintf(
					`{"thirdparty_id": %s, "date": "2026-11-10", "currency": %q%s, "lines": [{"description": "x", "qty": %q, "unit_price": %q, "vat_rate": %q}]}`,
					tp, currency, extra, qty, price, vat))
			}
			validate := func(doc map[string]any) map[string]any {
				return a.json(t, http.StatusOK, "POST", "/api/v1/invoices/"+id(doc)+"/validate", "")
			}
			want := func(doc map[string]any, kv ...string) {
				t.Helper()
				for i := 0; i+1 < len(kv); i += 2 {
					if got := fmt.Sprint(doc[kv[i]]); got != kv[i+1] {
						t.Errorf("%v %v: %s = %s, want %s", doc["currency"], doc["ref"], kv[i], got, kv[i+1])
					}
				}
			}

			usd := invoice("USD", "", "3", "33.33", "20")
			want(usd, "total_gross", "119.99", "company_currency", "EUR", "currency_rate", "<nil>", "total_gross_company", "<nil>")
			usd = validate(usd)
			want(usd, "currency_rate", "1.25", "total_net_company", "79.99", "total_vat_company", "16.00", "total_gross_company", "95.99")

			jpy := validate(invoice("JPY", "", "3", "333.5", "10"))
			want(jpy, "total_net", "1001", "total_vat", "100", "total_gross", "1101", "amount_due", "1101",
				"currency_rate", "161.5", "total_net_company", "6.20", "total_vat_company", "0.62", "total_gross_company", "6.82")
			if line := jpy["lines"].([]any)[0].(map[string]any); line["total_net"] != "1001" || line["unit_price"] != "333.5" {
				t.Errorf("JPY line %v", line)
			}
			bhd := validate(invoice("BHD", "", "1", "10.0005", "5"))
			want(bhd, "total_net", "10.001", "total_vat", "0.500", "total_gross", "10.501",
				"currency_rate", "0.4123", "total_gross_company", "25.47")

			eur := invoice("EUR", "", "3", "33.335", "20")
			want(eur, "currency_rate", "1", "total_gross", "120.01", "total_gross_company", "120.01")

			// The rate on the draft: checked, kept, cleared by null.
			if got := a.fields(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/invoices",
				fmt.Sprintf(`{"thirdparty_id": %s, "currency": "EUR", "currency_rate": "1.5"}`, tp)); !slices.Equal(got, []string{"currency_rate"}) {
				t.Errorf("rate on a EUR invoice: %v", got)
			}
			if got := a.fields(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/invoices",
				fmt.Sprintf(`{"thirdparty_id": %s, "currency": "USD", "currency_rate": "abc"}`, tp)); !slices.Equal(got, []string{"currency_rate"}) {
				t.Errorf("rate abc: %v", got)
			}
			gbp := invoice("GBP", `, "currency_rate": "0.8"`, "1", "100", "0")
			want(gbp, "currency_rate", "0.8", "total_gross_company", "125.00")
			gbpPath := "/api/v1/invoices/" + id(gbp)
			gbp = a.json(t, http.StatusOK, "PATCH", gbpPath, `{"currency_rate": null}`)
			want(gbp, "currency_rate", "<nil>", "total_gross_company", "<nil>")
			// No GBP rate known: 409 naming the currency and the date.
			rec := a.call("POST", gbpPath+"/validate", "")
			wantProblem(t, rec, http.StatusConflict, "no-currency-rate")
			if p := decodeProblem(t, rec); !strings.Contains(p.Detail, "GBP") || !strings.Contains(p.Detail, "2026-11-10") {
				t.Errorf("detail %q", p.Detail)
			}
			want(a.json(t, http.StatusOK, "GET", gbpPath, ""), "status", "draft", "ref", "(PROV"+id(gbp)+")")

			// Paid on the 25th at 1.1: 109.08 EUR received for 95.99 booked.
			payPath := "/api/v1/invoices/" + id(usd) + "/payments"
			pay := a.json(t, http.StatusCreated, "POST", payPath, `{"amount": "119.99", "date": "2026-11-25", "method": "bank_transfer"}`)
			want(pay, "amount", "119.99", "currency_rate", "1.1", "exchange_difference", "13.09")
			list := a.json(t, http.StatusOK, "GET", payPath, "")
			want(list["items"].([]any)[0].(map[string]any), "exchange_difference", "13.09")
			// In yen: no decimals (422 on amount), and a payment dated before
			// any yen rate is a 422 naming the date.
			jpyPay := "/api/v1/invoices/" + id(jpy) + "/payments"
			if got := a.fields(t, http.StatusUnprocessableEntity, "validation", "POST", jpyPay, `{"amount": "0.5", "method": "cash"}`); !slices.Equal(got, []string{"amount"}) {
				t.Errorf("half a yen: %v", got)
			}
			rec = a.call("POST", jpyPay, `{"amount": "101", "date": "2026-10-31", "method": "cash"}`)
			if got := wantProblem(t, rec, http.StatusUnprocessableEntity, "validation"); !slices.Equal(got, []string{"date"}) || !strings.Contains(rec.Body.String(), "JPY") {
				t.Errorf("payment before the first yen rate: %v %s", got, rec.Body)
			}
			// A EUR invoice's payments carry rate 1 and no difference.
			eur = validate(eur)
			want(a.json(t, http.StatusCreated, "POST", "/api/v1/invoices/"+id(eur)+"/payments", `{"amount": "120.01", "method": "cash"}`),
				"currency_rate", "1", "exchange_difference", "0.00")
		})
	}
}
