package usecase_test

// Foreign currencies on every dialect: rates entered per day (one per
// currency and day), a document validated at the latest rate on or before its
// date unless its draft gave one, a 409 naming the currency and date with
// nothing written when none is known, and payments carrying the rate of their
// date and the realized exchange difference.

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

var salesInvoices = []domain.DocType{domain.DocInvoice, domain.DocCreditNote}

func (e *docEnv) rate(t *testing.T, rates *usecase.CurrencyRateService, currency, on, rate string) *domain.CurrencyRate {
	t.Helper()
	c := &domain.CurrencyRate{Currency: currency, Date: date(on), Rate: num(rate)}
	if err := rates.Create(context.Background(), e.actor, c); err != nil {
		t.Fatalf("rate %s %s: %v", currency, on, err)
	}
	return c
}

// fxDraft creates a draft of typ in currency dated on, one line of price at 20 %.
func (e *docEnv) fxDraft(t *testing.T, typ domain.DocType, tp int64, currency, on, price string, rate *string) *domain.Document {
	t.Helper()
	in := domain.DraftInput{
		ThirdPartyID: tp, Date: date(on), Currency: currency,
		Lines: []domain.LineInput{{Description: "work", Qty: num("1"), UnitPrice: numPtr(price), VATRate: numPtr("20")}},
	}
	if rate != nil {
		in.CurrencyRate = numPtr(*rate)
	}
	if typ.IsSupplier() {
		in.SupplierRef = "S-" + on + currency
	}
	d, err := e.docs.Create(context.Background(), e.actor, typ, in)
	if err != nil {
		t.Fatalf("create %s in %s: %v", typ, currency, err)
	}
	return d
}

func wantCompany(t *testing.T, d *domain.Document, rate, gross string) {
	t.Helper()
	if d.FX.CompanyCurrency != "EUR" || !d.FX.Rate.Valid || !d.FX.Rate.Decimal.Equal(num(rate)) ||
		!d.FX.TotalGross.Valid || !d.FX.TotalGross.Decimal.Equal(num(gross)) {
		t.Fatalf("%s %s %s: fx %+v, want rate %s, company gross %s", d.DisplayRef(), d.Currency, d.TotalGross, d.FX, rate, gross)
	}
}

func TestForeignCurrencyDocumentsAndPaymentsOnEveryDialect(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newDocEnv(t, testdb.Migrated(t, dialect))
			ctx := context.Background()
			if config.Defaults().DefaultCurrency != "EUR" {
				t.Fatal("the test assumes EUR for the company currency")
			}
			rates := usecase.NewCurrencyRateService(e.uow, "EUR", time.Now)
			e.rate(t, rates, "USD", "2026-11-02", "1.25")
			late := e.rate(t, rates, "USD", "2026-11-20", "1.1")
			e.rate(t, rates, "JPY", "2026-11-01", "161.5")
			// One per currency and day: 409, whatever the rate.
			err := rates.Create(ctx, e.actor, &domain.CurrencyRate{Currency: "USD", Date: date("2026-11-02"), Rate: num("1.3")})
			if conflictCode(err) != "duplicate" {
				t.Fatalf("second USD rate of a day: %v", err)
			}
			// The company currency has none.
			err = rates.Create(ctx, e.actor, &domain.CurrencyRate{Currency: "EUR", Date: date("2026-11-02"), Rate: num("1")})
			if !slices.Equal(invalidFields(err), []string{"currency"}) {
				t.Fatalf("EUR rate: %v", err)
			}
			page, err := rates.List(ctx, domain.CurrencyRateFilter{Currency: "USD", From: ptr(date("2026-11-03")), ListQuery: domain.ListQuery{Limit: 10}})
			if err != nil || page.Total != 1 || page.Items[0].ID != late.ID || !page.Items[0].Rate.Equal(num("1.1")) {
				t.Fatalf("USD rates from the 3rd: %+v %v", page, err)
			}
			if page, err := rates.List(ctx, domain.CurrencyRateFilter{To: ptr(date("2026-11-02")), ListQuery: domain.ListQuery{Limit: 10}}); err != nil || page.Total != 2 {
				t.Fatalf("rates to the 2nd: %+v %v", page, err)
			}

			// Validated on the 10th: the rate of the 2nd (the latest before).
			usd := e.validated(t, salesInvoices, e.fxDraft(t, domain.DocInvoice, e.tp, "USD", "2026-11-10", "99.99", nil))
			wantCompany(t, usd, "1.25", "95.99") // 99.99 + 20.00 VAT = 119.99 USD; 79.99 + 16.00 EUR
			if got := e.get(t, usd.ID); !got.FX.TotalNet.Decimal.Equal(num("79.99")) || !got.FX.TotalVAT.Decimal.Equal(num("16")) {
				t.Fatalf("stored company totals %+v", got.FX)
			}
			// On the 20th itself, that day's rate.
			wantCompany(t, e.validated(t, salesInvoices, e.fxDraft(t, domain.DocInvoice, e.tp, "USD", "2026-11-20", "100", nil)), "1.1", "109.09")
			// A rate given on the draft wins.
			given := "1.2"
			wantCompany(t, e.validated(t, salesInvoices, e.fxDraft(t, domain.DocInvoice, e.tp, "USD", "2026-10-15", "100", &given)), "1.2", "100.00")
			// The company currency: rate 1, company totals equal totals, from the draft on.
			eur := e.fxDraft(t, domain.DocInvoice, e.tp, "EUR", "2026-10-01", "10.005", nil)
			wantCompany(t, eur, "1", "12.01") // 10.01 + 2.00
			// Yen: no decimals in its own totals.
			jpy := e.validated(t, salesInvoices, e.fxDraft(t, domain.DocInvoice, e.tp, "JPY", "2026-11-05", "1000.5", nil))
			if jpy.TotalGross.String() != "1201" { // 1001 + 200.2 → 200
				t.Fatalf("JPY gross %s", jpy.TotalGross)
			}
			wantCompany(t, jpy, "161.5", "7.44") // 6.20 + 1.24

			// No rate of GBP: 409 naming the currency and the date, nothing
			// written, no number taken.
			gbp := e.fxDraft(t, domain.DocInvoice, e.tp, "GBP", "2026-11-10", "10", nil)
			seqs, audits := e.count(t, "numbering_sequences"), e.count(t, "audit_log")
			_, err = e.docs.Validate(ctx, e.actor, salesInvoices, gbp.ID, 0)
			if conflictCode(err) != "no-currency-rate" || !strings.Contains(err.Error(), "GBP") || !strings.Contains(err.Error(), "2026-11-10") {
				t.Fatalf("validate without a GBP rate: %v", err)
			}
			if got := e.get(t, gbp.ID); got.Status != domain.StatusDraft || got.FX.Rate.Valid || e.count(t, "numbering_sequences") != seqs || e.count(t, "audit_log") != audits {
				t.Fatalf("a refused validation wrote: %+v", got)
			}
			// USD before the first USD rate: same.
			if _, err := e.docs.Validate(ctx, e.actor, salesInvoices, e.fxDraft(t, domain.DocInvoice, e.tp, "USD", "2026-11-01", "10", nil).ID, 0); conflictCode(err) != "no-currency-rate" {
				t.Fatalf("validate before the first USD rate: %v", err)
			}

			// Paid on the 25th at 1.1: 119.99 USD are 109.08 EUR against
			// 95.99 booked, a gain of 13.09.
			pay, err := e.docs.AddPayment(ctx, e.actor, salesInvoices, usd.ID, domain.Payment{Amount: num("119.99"), Date: date("2026-11-25"), Method: domain.PayBankTransfer})
			if err != nil {
				t.Fatal(err)
			}
			if !pay.FX.Difference.Decimal.Equal(num("13.09")) || !pay.FX.Rate.Decimal.Equal(num("1.1")) {
				t.Fatalf("payment fx %+v", pay.FX)
			}
			ps, err := e.docs.Payments(ctx, salesInvoices, usd.ID)
			if err != nil || len(ps) != 1 || !ps[0].FX.Difference.Decimal.Equal(num("13.09")) || ps[0].FX.CompanyCurrency != "EUR" || !ps[0].FX.Rate.Decimal.Equal(num("1.1")) {
				t.Fatalf("stored payment %+v %v", ps, err)
			}
			// A payment dated before any USD rate: 422 on date, nothing written.
			early := e.validated(t, salesInvoices, e.fxDraft(t, domain.DocInvoice, e.tp, "USD", "2026-10-15", "50", &given))
			payments := e.count(t, "payments")
			_, err = e.docs.AddPayment(ctx, e.actor, salesInvoices, early.ID, domain.Payment{Amount: num("10"), Date: date("2026-10-20"), Method: domain.PayCash})
			if !slices.Equal(invalidFields(err), []string{"date"}) || !strings.Contains(err.Error(), "USD") || !strings.Contains(err.Error(), "2026-10-20") {
				t.Fatalf("payment without a rate of its date: %v", err)
			}
			if e.count(t, "payments") != payments || e.get(t, early.ID).AmountPaid.Sign() != 0 {
				t.Fatal("a refused payment wrote")
			}
			// The company currency: rate 1, no difference.
			eurInv := e.validated(t, salesInvoices, eur)
			pay, err = e.docs.AddPayment(ctx, e.actor, salesInvoices, eurInv.ID, domain.Payment{Amount: num("12.01"), Date: date("2026-10-02"), Method: domain.PayCash})
			if err != nil || !pay.FX.Difference.Valid || !pay.FX.Difference.Decimal.IsZero() || !pay.FX.Rate.Decimal.Equal(num("1")) {
				t.Fatalf("EUR payment %+v %v", pay, err)
			}

			// Paying a supplier when the dollar strengthened is a loss.
			sup := e.supplier(t, "Parts Inc")
			si := e.validated(t, supplierInvoices, e.fxDraft(t, domain.DocSupplierInvoice, sup, "USD", "2026-11-10", "99.99", nil))
			pay, err = e.docs.AddPayment(ctx, e.actor, supplierInvoices, si.ID, domain.Payment{Amount: num("119.99"), Date: date("2026-11-25"), Method: domain.PayBankTransfer})
			if err != nil || !pay.FX.Difference.Decimal.Equal(num("-13.09")) {
				t.Fatalf("supplier payment %+v %v", pay, err)
			}

			// Deleting a rate leaves what took it as it was.
			if err := rates.Delete(ctx, late.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := rates.Get(ctx, late.ID); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("deleted rate: %v", err)
			}
			if ps, _ := e.docs.Payments(ctx, salesInvoices, usd.ID); !ps[0].FX.Rate.Decimal.Equal(num("1.1")) {
				t.Fatalf("payment after its rate was deleted: %+v", ps[0].FX)
			}
		})
	}
}
