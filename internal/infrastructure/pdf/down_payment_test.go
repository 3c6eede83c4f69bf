package pdf

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

// downPaymentDocs builds, through the domain, a validated order of two VAT
// rates, a 30 % down payment of it (validated as AC2612-0001) and the
// order's final invoice deducting it.
func downPaymentDocs(t *testing.T) (dp, final *domain.Document) {
	t.Helper()
	day := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	price := func(s string) *decimal.Decimal { v := d(s); return &v }
	o, err := domain.NewDraft(domain.DocOrder, domain.DraftInput{ThirdPartyID: 1, Lines: []domain.LineInput{
		{Description: "Espresso machine", Qty: d("2"), UnitPrice: price("1250"), VATRate: price("20")},
		{Description: "Barista handbook", Qty: d("3"), UnitPrice: price("19.99"), VATRate: price("5.5")},
	}}, day, "EUR", 1)
	if err != nil {
		t.Fatal(err)
	}
	o.ID = 5
	if err := o.Validate("CO2612-0001", day); err != nil {
		t.Fatal(err)
	}
	dp, err = domain.NewDownPayment(o, domain.DownPaymentInput{Percent: price("30")}, nil, day, 1)
	if err != nil {
		t.Fatal(err)
	}
	dp.ID = 6
	if err := dp.Validate("AC2612-0001", day); err != nil {
		t.Fatal(err)
	}
	if final, err = o.Convert(domain.ActInvoice, day, 1); err != nil {
		t.Fatal(err)
	}
	final.ID = 7
	final.DeductDownPayments([]domain.DownPaymentState{{Invoice: dp}})
	return dp, final
}

// The down payment's lines and the final invoice's deductions print in the
// document's language; a deduction names the down payment's number.
func TestRenderDownPaymentAndDeduction(t *testing.T) {
	dp, final := downPaymentDocs(t)
	customer := &domain.ThirdParty{Name: "Açaí & Café São João", Address: "Avenida Paulista, 1578"}
	for _, tc := range []struct {
		lang             string
		dpWant, finWant  []string
		dpNot, finNotAny []string
	}{
		{"en",
			[]string{"DOWN-PAYMENT INVOICE", "Down payment 30% of order CO2612-0001", "900.00", "18.98", "Amount due 918.98 EUR"},
			[]string{"INVOICE", "Deduction of down payment AC2612-0001 1 -17.99 5.5% -17.99 -0.99 -18.98",
				"Deduction of down payment AC2612-0001 1 -750.00 20% -750.00 -150.00 -900.00", "Amount due 2,144.29 EUR"},
			[]string{"Acompte"}, []string{"Déduction"}},
		{"fr",
			[]string{"FACTURE D'ACOMPTE", "Acompte de 30 % sur la commande CO2612-0001", "900,00", "18,98", "Reste à payer 918,98 EUR"},
			[]string{"FACTURE", "Déduction de l'acompte AC2612-0001 1 -750,00 20 % -750,00 -150,00 -900,00", "Total TTC 2 144,29 EUR"},
			[]string{"Down payment"}, []string{"Deduction of"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			r := NewRenderer("")
			for _, doc := range []struct {
				name string
				d    *domain.Document
				want []string
				not  []string
			}{
				{"down-payment", dp, tc.dpWant, tc.dpNot},
				{"final", final, tc.finWant, tc.finNotAny},
			} {
				out, err := r.Render(context.Background(), doc.d, customer, domain.DocumentLinks{}, domain.Company{Name: "Dolibarr-Go"}, tc.lang)
				if err != nil {
					t.Fatal(err)
				}
				checkPDF(t, out)
				// One space between words: a description wraps in its cell.
				text := strings.Join(strings.Fields(nbsp(strings.Join(pdfText(t, out), "\n"))), " ")
				for _, s := range doc.want {
					if !strings.Contains(text, nbsp(s)) {
						t.Errorf("%s: %q is missing from the text:\n%s", doc.name, s, text)
					}
				}
				for _, s := range doc.not {
					if strings.Contains(text, s) {
						t.Errorf("%s: %q (another language) is in the text", doc.name, s)
					}
				}
				if dir := os.Getenv("DOWN_PAYMENT_PNG"); dir != "" {
					f := filepath.Join(dir, doc.name+"-"+tc.lang)
					if err := os.WriteFile(f+".pdf", out, 0o644); err != nil {
						t.Fatal(err)
					}
					if b, err := exec.Command("pdftoppm", "-png", "-r", "60", f+".pdf", f).CombinedOutput(); err != nil {
						t.Fatalf("pdftoppm: %v %s", err, b)
					}
				}
			}
		})
	}
}

// Only our own wording is translated, and only where it belongs.
func TestWordingOf(t *testing.T) {
	dp, final := downPaymentDocs(t)
	if w := wordingOf(dp, dp.Lines[0]); w == nil || w.Key != "line.down_payment_percent" || w.Ref != "CO2612-0001" || !w.Percent.Equal(d("30")) {
		t.Fatalf("down payment line: %+v", w)
	}
	last := final.Lines[len(final.Lines)-1]
	if w := wordingOf(final, last); w == nil || w.Key != "line.deduction" || w.Ref != "AC2612-0001" {
		t.Fatalf("deduction line: %+v", w)
	}
	// The same text on a line that deducts nothing, or a down payment's
	// wording on a plain invoice, prints as typed.
	last.DownPaymentID = 0
	if w := wordingOf(final, last); w != nil {
		t.Fatalf("typed deduction text translated: %+v", w)
	}
	if w := wordingOf(final, dp.Lines[0]); w != nil {
		t.Fatalf("down payment text on an invoice translated: %+v", w)
	}
}
