package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/webhook"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// lastEvent is the data of the newest event of a type.
func (a *commercialAPI) lastEvent(t *testing.T, typ string) map[string]any {
	t.Helper()
	var data string
	if err := a.db.Gorm.Raw(`SELECT data FROM webhook_events WHERE type = ? ORDER BY id DESC LIMIT 1`, typ).Scan(&data).Error; err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(data), &out); err != nil || out == nil {
		t.Fatalf("%s: data %q (%v)", typ, data, err)
	}
	return out
}

// sameAsAPI checks that the event's data has the fields named, not null, and
// that every field it shares with the API's answer for the object has the
// answer's value (times: the same instant).
func sameAsAPI(t *testing.T, typ string, event, answer map[string]any, required ...string) {
	t.Helper()
	for _, k := range required {
		if v, ok := event[k]; !ok || v == nil || v == "" {
			t.Errorf("%s: no %s in %v", typ, k, event)
		}
	}
	for k, v := range event {
		w, ok := answer[k]
		if !ok {
			continue
		}
		if s, isText := v.(string); isText && k != "date" && k != "due_date" {
			if at, err := time.Parse(time.RFC3339Nano, s); err == nil {
				if wt, err := time.Parse(time.RFC3339Nano, fmt.Sprint(w)); err != nil || !at.Equal(wt) {
					t.Errorf("%s: %s %v, the API %v", typ, k, v, w)
				}
				continue
			}
		}
		if fmt.Sprint(v) != fmt.Sprint(w) {
			t.Errorf("%s: %s %v, the API %v", typ, k, v, w)
		}
	}
}

// A receiver sees what GET shows: the third party with its country and VAT
// id, a document in another currency with its rate and company-currency
// totals, a payment with its rate, exchange difference and bank account,
// each with the API's names and formats.
func TestWebhookPayloadsMatchTheAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			a := newFXAPI(t, d)
			uow := gormdb.NewUnitOfWork(a.db.DB)
			hooks := usecase.NewWebhookService(uow, webhook.New(webhook.Options{Timeout: time.Second}), time.Now)
			if err := hooks.Create(ctx, &domain.WebhookSubscription{URL: "https://93.184.215.14/hooks", Events: domain.WebhookEventTypes(), Active: true}); err != nil {
				t.Fatal(err)
			}
			bank := &domain.BankAccount{Ref: "BANK", Label: "Main", Currency: "EUR", OpeningDate: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			if err := usecase.NewBankService(uow, time.Now).Create(ctx, bank); err != nil {
				t.Fatal(err)
			}
			for _, r := range []string{`{"currency": "USD", "date": "2026-11-02", "rate": "1.25"}`, `{"currency": "USD", "date": "2026-11-20", "rate": "1.1"}`} {
				a.json(t, http.StatusCreated, "POST", "/api/v1/currency-rates", r)
			}

			tp := a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties",
				`{"name": "Globex", "is_customer": true, "country": "FR", "vat_id": "FR40303265045"}`)
			sameAsAPI(t, domain.EventThirdPartyCreated, a.lastEvent(t, domain.EventThirdPartyCreated),
				a.json(t, http.StatusOK, "GET", "/api/v1/thirdparties/"+id(tp), ""), "id", "country", "vat_id")

			inv := a.json(t, http.StatusCreated, "POST", "/api/v1/invoices", fmt.Sprintf(`{"thirdparty_id": %s, "date": "2026-11-10", "currency": "USD",
				"lines": [{"description": "x", "qty": "3", "unit_price": "33.33", "vat_rate": "20"}]}`, id(tp)))
			path := "/api/v1/invoices/" + id(inv)
			a.json(t, http.StatusOK, "POST", path+"/validate", "")
			fx := []string{"currency", "company_currency", "currency_rate", "total_net_company", "total_vat_company", "total_gross_company"}
			validated := a.lastEvent(t, domain.EventInvoiceValidated)
			sameAsAPI(t, domain.EventInvoiceValidated, validated, a.json(t, http.StatusOK, "GET", path, ""), append([]string{"id", "ref"}, fx...)...)
			if validated["currency_rate"] != "1.25" || validated["total_gross_company"] != "95.99" {
				t.Errorf("invoice.validated: rate %v, total gross %v EUR, want 1.25 and 95.99", validated["currency_rate"], validated["total_gross_company"])
			}

			a.json(t, http.StatusCreated, "POST", path+"/payments", `{"amount": "119.99", "date": "2026-11-25", "method": "bank_transfer"}`)
			payments := a.json(t, http.StatusOK, "GET", path+"/payments", "")["items"].([]any)
			paid := a.lastEvent(t, domain.EventPaymentCreated)
			sameAsAPI(t, domain.EventPaymentCreated, paid, payments[0].(map[string]any), "id", "currency_rate", "exchange_difference", "bank_account_id")
			if paid["exchange_difference"] != "13.09" || paid["bank_account_id"] != float64(bank.ID) {
				t.Errorf("payment.created: exchange difference %v, bank account %v, want 13.09 and %d", paid["exchange_difference"], paid["bank_account_id"], bank.ID)
			}
			sameAsAPI(t, domain.EventInvoicePaid, a.lastEvent(t, domain.EventInvoicePaid), a.json(t, http.StatusOK, "GET", path, ""),
				append([]string{"id", "status"}, fx...)...)

			// Amounts with the minor unit of the document's currency: yen
			// without decimals, as GET writes them.
			a.json(t, http.StatusCreated, "POST", "/api/v1/currency-rates", `{"currency": "JPY", "date": "2026-11-02", "rate": "160"}`)
			yen := a.json(t, http.StatusCreated, "POST", "/api/v1/invoices", fmt.Sprintf(`{"thirdparty_id": %s, "date": "2026-11-10", "currency": "JPY",
				"lines": [{"description": "x", "qty": "1", "unit_price": "1001", "vat_rate": "10"}]}`, id(tp)))
			a.json(t, http.StatusOK, "POST", "/api/v1/invoices/"+id(yen)+"/validate", "")
			inYen := a.lastEvent(t, domain.EventInvoiceValidated)
			sameAsAPI(t, domain.EventInvoiceValidated, inYen, a.json(t, http.StatusOK, "GET", "/api/v1/invoices/"+id(yen), ""), "total_gross", "amount_due")
			if inYen["total_gross"] != "1101" {
				t.Errorf("invoice.validated in JPY: total gross %v, want 1101", inYen["total_gross"])
			}
		})
	}
}
