package domain

import (
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// DivMoney rounds the exact quotient half away from zero to the currency's
// minor unit: no intermediate rounding can push a value just below a half
// over it.
func TestDivMoneyRoundsExactlyPerCurrency(t *testing.T) {
	for _, c := range []struct{ amount, rate, currency, want string }{
		{"99.99", "1.25", "EUR", "79.99"},     // 79.992
		{"100", "3", "EUR", "33.33"},          // 33.333…
		{"200", "3", "EUR", "66.67"},          // 66.666…
		{"0.01", "2", "EUR", "0.01"},          // 0.005: a half goes up
		{"-0.01", "2", "EUR", "-0.01"},        // and away from zero below zero
		{"0.0099999999", "2", "EUR", "0"},     // 0.00499999995: below a half stays down
		{"1001", "161.5", "EUR", "6.20"},      // 6.198…
		{"10000", "0.0083", "JPY", "1204819"}, // 1 204 819.27…: no decimals in JPY
		{"12.5", "1", "JPY", "13"},            // a half yen goes up
		{"10.001", "0.4123", "EUR", "24.26"},  // BHD to EUR
		{"100", "2.6525", "BHD", "37.700"},    // 37.7002…: three decimals in BHD
		{"1", "3", "BHD", "0.333"},            // 0.3333…
		{"2", "3", "BHD", "0.667"},            // 0.6666…
		{"123456789012.34", "0.0000000001", "EUR", "1234567890123400000000.00"},
	} {
		got := DivMoney(dec(c.amount), dec(c.rate), c.currency)
		if !got.Equal(dec(c.want)) || got.Exponent() < -CurrencyPrecision(c.currency) {
			t.Errorf("DivMoney(%s, %s, %s) = %s, want %s", c.amount, c.rate, c.currency, got, c.want)
		}
	}
}

func TestCurrencyRateCheck(t *testing.T) {
	day := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	fields := func(c CurrencyRate) []string {
		var out []string
		for _, f := range c.Check("EUR").Fields {
			out = append(out, f.Field)
		}
		return out
	}
	for _, c := range []struct {
		rate CurrencyRate
		want []string
	}{
		{CurrencyRate{Currency: "USD", Date: day, Rate: dec("1.0850")}, nil},
		{CurrencyRate{Currency: "JPY", Date: day, Rate: dec("161.1234567891")}, nil},
		{CurrencyRate{Currency: "EUR", Date: day, Rate: dec("1")}, []string{"currency"}},      // the company currency
		{CurrencyRate{Currency: "usd", Date: day, Rate: dec("1")}, []string{"currency"}},      // not a code as written
		{CurrencyRate{Currency: "XYZ", Rate: dec("0")}, []string{"currency", "date", "rate"}}, // unknown code, no date, zero
		{CurrencyRate{Currency: "USD", Date: day, Rate: dec("-1")}, []string{"rate"}},
		{CurrencyRate{Currency: "USD", Date: day, Rate: dec("1.00000000001")}, []string{"rate"}}, // 11 decimals
		{CurrencyRate{Currency: "USD", Date: day, Rate: dec("1000000000000")}, []string{"rate"}}, // 10^12
	} {
		if got := fields(c.rate); !slices.Equal(got, c.want) {
			t.Errorf("%+v: fields %v, want %v", c.rate, got, c.want)
		}
	}
}

// fxDraft is a validated-like document of typ in currency under the EUR
// company, with one line of qty × price at vat %.
func fxDraft(t *testing.T, typ DocType, currency, qty, price, vat string) *Document {
	t.Helper()
	p, r := dec(price), dec(vat)
	d, err := NewDraft(typ, DraftInput{
		ThirdPartyID: 1, Currency: currency,
		Lines: []LineInput{{Description: "x", Qty: dec(qty), UnitPrice: &p, VATRate: &r}},
	}, time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC), "EUR", 1)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func wantFX(t *testing.T, d *Document, rate, net, vat, gross string) {
	t.Helper()
	fx := d.FX
	if !fx.Rate.Valid || !fx.Rate.Decimal.Equal(dec(rate)) || !fx.TotalNet.Decimal.Equal(dec(net)) ||
		!fx.TotalVAT.Decimal.Equal(dec(vat)) || !fx.TotalGross.Decimal.Equal(dec(gross)) {
		t.Fatalf("%s %s: fx %v %v %v %v, want %s %s %s %s", d.Currency, d.TotalGross, fx.Rate, fx.TotalNet, fx.TotalVAT, fx.TotalGross, rate, net, vat, gross)
	}
}

// Own totals round to the document's currency (JPY 0, BHD 3 decimals), the
// company totals to the company's, each of net and VAT, gross their sum.
func TestDocumentConvertsItsTotalsToTheCompanyCurrency(t *testing.T) {
	// Company currency: rate 1 from the draft on, company totals = totals.
	eur := fxDraft(t, DocInvoice, "EUR", "3", "33.335", "20")
	if !eur.TotalNet.Equal(dec("100.01")) { // 100.005 half-up
		t.Fatalf("EUR net %s", eur.TotalNet)
	}
	wantFX(t, eur, "1", "100.01", "20.00", "120.01")

	// A foreign draft without a rate has no company totals until validation.
	usd := fxDraft(t, DocInvoice, "USD", "3", "33.33", "20")
	if usd.FX.Rate.Valid || usd.FX.TotalGross.Valid || !usd.NeedsRate("EUR") {
		t.Fatalf("USD draft fx %+v", usd.FX)
	}
	if err := usd.FixRate("EUR", dec("1.25")); err != nil {
		t.Fatal(err)
	}
	wantFX(t, usd, "1.25", "79.99", "16.00", "95.99") // 99.99 / 1.25 = 79.992; 20.00 / 1.25

	jpy := fxDraft(t, DocInvoice, "JPY", "3", "333.5", "10")
	if !jpy.TotalNet.Equal(dec("1001")) || !jpy.TotalVAT.Equal(dec("100")) || !jpy.TotalGross.Equal(dec("1101")) {
		t.Fatalf("JPY totals %s %s %s", jpy.TotalNet, jpy.TotalVAT, jpy.TotalGross) // 1000.5 → 1001; 100.1 → 100
	}
	if err := jpy.FixRate("EUR", dec("161.5")); err != nil {
		t.Fatal(err)
	}
	wantFX(t, jpy, "161.5", "6.20", "0.62", "6.82")

	bhd := fxDraft(t, DocInvoice, "BHD", "1", "10.0005", "5")
	if FormatMoney(bhd.TotalNet, "BHD") != "10.001" || FormatMoney(bhd.TotalVAT, "BHD") != "0.500" || FormatMoney(bhd.TotalGross, "BHD") != "10.501" {
		t.Fatalf("BHD totals %s %s %s", bhd.TotalNet, bhd.TotalVAT, bhd.TotalGross)
	}
	if err := bhd.FixRate("EUR", dec("0.4123")); err != nil {
		t.Fatal(err)
	}
	wantFX(t, bhd, "0.4123", "24.26", "1.21", "25.47")

	// A rate given on the draft wins over the rate of the date.
	given := dec("1.2")
	gbp := fxDraft(t, DocInvoice, "GBP", "1", "100", "0")
	if err := gbp.Edit(DraftPatch{CurrencyRate: &given}); err != nil {
		t.Fatal(err)
	}
	wantFX(t, gbp, "1.2", "83.33", "0.00", "83.33")
	if gbp.NeedsRate("EUR") {
		t.Fatal("a draft with its rate needs none")
	}
	if err := gbp.FixRate("EUR", dec("9")); err != nil {
		t.Fatal(err)
	}
	wantFX(t, gbp, "1.2", "83.33", "0.00", "83.33")

	// Another currency drops the old one's rate; null removes it.
	usdCode := "USD"
	if err := gbp.Edit(DraftPatch{Currency: &usdCode}); err != nil || gbp.FX.Rate.Valid || gbp.FX.TotalNet.Valid {
		t.Fatalf("currency change kept the rate: %v %+v", err, gbp.FX)
	}
	if err := gbp.Edit(DraftPatch{CurrencyRate: &given}); err != nil || !gbp.FX.Rate.Valid {
		t.Fatalf("rate: %v", err)
	}
	if err := gbp.Edit(DraftPatch{ClearCurrencyRate: true}); err != nil || gbp.FX.Rate.Valid {
		t.Fatalf("cleared rate: %v %+v", err, gbp.FX)
	}
}

func TestDocumentRateIsChecked(t *testing.T) {
	for _, c := range []struct {
		currency, rate string
	}{
		{"EUR", "1.5"}, // the company currency is always at 1
		{"USD", "0"},
		{"USD", "-2"},
		{"USD", "1.00000000001"},
		{"USD", "0.0000000001"}, // converts the total beyond MaxAmount
	} {
		r := dec(c.rate)
		p, v := dec("100000"), dec("0")
		_, err := NewDraft(DocInvoice, DraftInput{
			ThirdPartyID: 1, Currency: c.currency, CurrencyRate: &r,
			Lines: []LineInput{{Description: "x", Qty: dec("1"), UnitPrice: &p, VATRate: &v}},
		}, time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC), "EUR", 1)
		var ve *ValidationError
		if !asValidation(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Field != "currency_rate" {
			t.Errorf("%s at %s: %v, want a 422 on currency_rate", c.currency, c.rate, err)
		}
	}
	unit := dec("1")
	if _, err := NewDraft(DocInvoice, DraftInput{ThirdPartyID: 1, Currency: "EUR", CurrencyRate: &unit}, time.Now(), "EUR", 1); err != nil {
		t.Errorf("rate 1 in the company currency: %v", err)
	}
}

func asValidation(err error, ve **ValidationError) bool {
	v, ok := err.(*ValidationError)
	*ve = v
	return ok
}

// The exchange difference is the payment converted at the payment's rate
// minus at the document's (each rounded), positive a gain: in that order when
// the money comes in, the other way round when it goes out.
func TestExchangeDifferenceOfAPayment(t *testing.T) {
	for _, c := range []struct {
		typ                       DocType
		currency, docRate, amount string
		payRate, want             string
	}{
		// 119.99 USD booked at 1.25 (95.99 EUR), received at 1.10 (109.08 EUR): a gain.
		{DocInvoice, "USD", "1.25", "119.99", "1.1", "13.09"},
		// The dollar weakens: received at 1.40 (85.71 EUR), a loss.
		{DocInvoice, "USD", "1.25", "119.99", "1.4", "-10.28"},
		{DocDownPayment, "USD", "1.25", "119.99", "1.1", "13.09"},
		// Paying a supplier 119.99 USD costs 109.08 EUR instead of 95.99: a loss.
		{DocSupplierInvoice, "USD", "1.25", "119.99", "1.1", "-13.09"},
		// Refunding a customer costs less when the dollar weakens: a gain.
		{DocCreditNote, "USD", "1.25", "119.99", "1.4", "10.28"},
		// A supplier refunding us brings money in.
		{DocSupplierCreditNote, "USD", "1.25", "119.99", "1.1", "13.09"},
		// Yen: 1101 JPY at 161.5 (6.82) then 150 (7.34).
		{DocInvoice, "JPY", "161.5", "1101", "150", "0.52"},
		// Same rate: no difference.
		{DocInvoice, "BHD", "0.4123", "10.501", "0.4123", "0.00"},
	} {
		d := &Document{Type: c.typ, Currency: c.currency, FX: DocumentFX{CompanyCurrency: "EUR", Rate: decimal.NewNullDecimal(dec(c.docRate))}}
		p := &Payment{Amount: dec(c.amount)}
		d.SetExchange(p, dec(c.payRate))
		if !p.FX.Difference.Valid || !p.FX.Difference.Decimal.Equal(dec(c.want)) || !p.FX.Rate.Decimal.Equal(dec(c.payRate)) || p.FX.CompanyCurrency != "EUR" {
			t.Errorf("%s %s %s at %s then %s: %+v, want %s", c.typ, c.amount, c.currency, c.docRate, c.payRate, p.FX, c.want)
		}
	}
	// In the company currency both rates are 1, whatever is passed.
	d := &Document{Type: DocInvoice, Currency: "EUR", FX: DocumentFX{CompanyCurrency: "EUR", Rate: decimal.NewNullDecimal(dec("1"))}}
	p := &Payment{Amount: dec("10.01")}
	d.SetExchange(p, dec("3"))
	if !p.FX.Difference.Decimal.IsZero() || !p.FX.Rate.Decimal.Equal(dec("1")) {
		t.Errorf("company currency: %+v", p.FX)
	}
}
