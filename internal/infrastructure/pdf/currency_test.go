package pdf

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

// currencyDoc is the sample invoice in currency, its amounts rounded to the
// currency's minor unit as the domain rounds them.
func currencyDoc(currency string, lines ...[3]string) Document {
	var ls []Line
	for _, l := range lines {
		q, p, vr := d(l[0]), d(l[1]), d(l[2])
		net := domain.RoundMoney(q.Mul(p), currency)
		vat := domain.RoundMoney(net.Mul(vr).Shift(-2), currency)
		ls = append(ls, Line{Description: "Item " + currency, Qty: q, UnitPrice: p, DiscountPercent: decimal.Zero, VATRate: vr, Net: net, VAT: vat, Gross: net.Add(vat)})
	}
	doc := sampleDoc(Invoice, ls)
	doc.Currency = currency
	doc.AmountPaid = decimal.Zero
	doc.AmountDue = doc.TotalGross
	return doc
}

// Amounts print with their currency's decimals everywhere on the page: none
// in yen, three in Bahraini dinars; a unit price finer than that keeps its
// own. DOLIGO_PDF_SAMPLES=dir writes the PDFs there to look at (pdftoppm -png
// -r 60).
func TestAmountsPrintWithTheirCurrencysDecimals(t *testing.T) {
	for _, tc := range []struct {
		doc  Document
		want []string
		not  []string
	}{
		{currencyDoc("JPY", [3]string{"3", "1250", "10"}, [3]string{"2", "333.5", "10"}),
			[]string{"1,250", "3,750", "667", "375", "4,417", "4,859 JPY", "442", "333.5"},
			[]string{"1,250.00", "3,750.00", "4,859.00", ".00 JPY"}},
		{currencyDoc("BHD", [3]string{"1", "10.0005", "5"}, [3]string{"2", "12.5", "10"}),
			[]string{"10.0005", "10.001", "12.500", "25.000", "0.500", "2.500", "35.001", "38.001 BHD"},
			[]string{"10.00 ", "12.50 ", "38.00 BHD"}},
	} {
		t.Run(tc.doc.Currency, func(t *testing.T) {
			out, err := Render(context.Background(), tc.doc, "en")
			if err != nil {
				t.Fatal(err)
			}
			writeSample(t, "invoice-"+tc.doc.Currency+".pdf", out)
			text := strings.Join(pdfText(t, out), "\n")
			for _, s := range tc.want {
				if !strings.Contains(text, s) {
					t.Errorf("%q is missing from the text:\n%s", s, text)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(text, s) {
					t.Errorf("%q is in the text:\n%s", s, text)
				}
			}
		})
	}
}

func TestPricePlacesInACurrency(t *testing.T) {
	for _, c := range []struct {
		price, currency string
		want            int32
	}{{"1250", "JPY", 0}, {"333.5", "JPY", 1}, {"12.5", "BHD", 3}, {"10.0005", "BHD", 4}, {"12.5", "EUR", 2}, {"0.125", "EUR", 3}} {
		if got := pricePlacesIn(d(c.price), c.currency); got != c.want {
			t.Errorf("pricePlacesIn(%s, %s) = %d, want %d", c.price, c.currency, got, c.want)
		}
	}
}

// A document in another currency prints its rate and its VAT and total in
// the company currency under its totals; one in the company currency (or
// whose rate is not known yet) prints none.
func TestExchangePrintsUnderTheTotals(t *testing.T) {
	doc := &domain.Document{
		Type: domain.DocInvoice, Currency: "USD", TotalNet: d("99.99"), TotalVAT: d("20"), TotalGross: d("119.99"),
		FX: domain.DocumentFX{CompanyCurrency: "EUR"},
	}
	customer := &domain.ThirdParty{Name: "Globex"}
	if v := FromDomain(doc, customer, domain.DocumentLinks{}, Party{}, ""); v.Exchange != nil {
		t.Fatalf("a draft without its rate: %+v", v.Exchange)
	}
	if err := doc.FixRate("EUR", d("1.25")); err != nil {
		t.Fatal(err)
	}
	v := FromDomain(doc, customer, domain.DocumentLinks{}, Party{Name: "Dolibarr-Go"}, "")
	if x := v.Exchange; x == nil || x.Currency != "EUR" || !x.Rate.Equal(d("1.25")) || !x.TotalVAT.Equal(d("16")) || !x.TotalGross.Equal(d("95.99")) {
		t.Fatalf("exchange %+v", v.Exchange)
	}
	sample := currencyDoc("USD", [3]string{"3", "33.33", "20"})
	sample.Exchange = v.Exchange
	out, err := Render(context.Background(), sample, "fr")
	if err != nil {
		t.Fatal(err)
	}
	writeSample(t, "invoice-USD-exchange.pdf", out)
	text := strings.Join(pdfText(t, out), "\n")
	for _, s := range []string{"Taux de change", "1 EUR = 1,25 USD", "Total TVA en EUR", nbsp("16,00\u00a0EUR"), "Total TTC en EUR", nbsp("95,99\u00a0EUR"), nbsp("119,99\u00a0USD")} {
		if !strings.Contains(text, s) {
			t.Errorf("%q is missing from the text:\n%s", s, text)
		}
	}
	eur := &domain.Document{Type: domain.DocInvoice, Currency: "EUR", TotalGross: d("10"), FX: domain.DocumentFX{CompanyCurrency: "EUR"}}
	if err := eur.FixRate("EUR", d("1")); err != nil {
		t.Fatal(err)
	}
	if v := FromDomain(eur, customer, domain.DocumentLinks{}, Party{}, ""); v.Exchange != nil {
		t.Fatalf("company currency: %+v", v.Exchange)
	}
}

// writeSample keeps a rendered PDF in DOLIGO_PDF_SAMPLES when it is set, to
// look at (pdftoppm -png -r 60).
func writeSample(t *testing.T, name string, out []byte) {
	t.Helper()
	if dir := os.Getenv("DOLIGO_PDF_SAMPLES"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
