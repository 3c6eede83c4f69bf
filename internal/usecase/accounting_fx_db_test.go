package usecase_test

// Accounting of documents and payments in another currency than the
// company's: booked converted (documents at their rate, payments at their
// own), and the realized exchange difference of each payment in the misc
// journal, so the third-party account is cleared.

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

func TestAccountingForeignCurrency(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newAcctEnv(t, d)
			rates := usecase.NewCurrencyRateService(e.uow, "EUR", time.Now)
			e.rate(t, rates, "USD", "2026-05-01", "1.2")
			sup := e.supplier(t, "Parts Inc")
			docRate := "1.1"
			// 1,000.00 USD + 20 % at 1.1: 909.09 + 181.82 = 1,090.91 EUR,
			// paid 1,200.00 USD at 1.2: 1,000.00 EUR.
			inv := e.validated(t, invoices, e.fxDraft(t, domain.DocInvoice, e.tp, "USD", "2026-05-05", "1000", &docRate))
			si := e.validated(t, supplierInvoices, e.fxDraft(t, domain.DocSupplierInvoice, sup, "USD", "2026-05-06", "1000", &docRate))
			e.pay(t, invoices, inv.ID, "1200", "2026-05-20", domain.PayBankTransfer)
			e.pay(t, supplierInvoices, si.ID, "1200", "2026-05-21", domain.PayBankTransfer)

			res := e.transfer(t, "2026-05-01", "2026-05-31")
			if res.Bookings != 6 {
				t.Fatalf("bookings %+v, want 2 documents, 2 payments, 2 exchange differences", res)
			}
			checks := []struct {
				ref  string
				want []string
			}{
				{inv.Ref, []string{
					fmt.Sprintf("sales 411 1090.91/0.00 %d", e.tp), "sales 706 0.00/909.09 0", "sales 445711 0.00/181.82 0",
					"bank 512 1000.00/0.00 0", fmt.Sprintf("bank 411 0.00/1000.00 %d", e.tp),
					// The customer paid less in euros: a loss clears 411.
					fmt.Sprintf("misc 411 0.00/90.91 %d", e.tp), "misc 666 90.91/0.00 0",
				}},
				{si.Ref, []string{
					fmt.Sprintf("purchases 401 0.00/1090.91 %d", sup), "purchases 606 909.09/0.00 0", "purchases 445661 181.82/0.00 0",
					"bank 512 0.00/1000.00 0", fmt.Sprintf("bank 401 1000.00/0.00 %d", sup),
					// The supplier was paid less in euros: a gain clears 401.
					fmt.Sprintf("misc 401 90.91/0.00 %d", sup), "misc 766 0.00/90.91 0",
				}},
			}
			for _, c := range checks {
				if got := e.entries(t, c.ref); !slices.Equal(got, c.want) {
					t.Errorf("%s entries\n got %q\nwant %q", c.ref, got, c.want)
				}
			}
			if again := e.transfer(t, "2026-05-01", "2026-05-31"); again.Bookings != 0 {
				t.Fatalf("second transfer booked %+v", again)
			}
		})
	}
}
