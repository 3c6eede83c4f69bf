package usecase_test

// Bank accounts in another currency than the company's: their transfers
// (and payments) book in euros, a leg of such an account converted at the
// rate of its date with its own amount kept as the entry's foreign amount,
// and the difference between two legs of two currencies on 766 / 666. A
// missing rate is 409 naming the currency and the date, nothing booked.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// fxEntries reads the entries of ref, by id, as "journal account
// debit/credit" and, for an entry in a foreign currency, its amount and
// currency.
func (e *acctEnv) fxEntries(t *testing.T, ref string) []string {
	t.Helper()
	return e.entryLines(t, ref, func(x *domain.Entry) string {
		s := fmt.Sprintf("%s %s %s/%s", x.Journal, x.Account, x.Debit.StringFixed(2), x.Credit.StringFixed(2))
		if x.Foreign() {
			s += " " + x.AmountCurrency.StringFixed(2) + " " + x.Currency
		}
		return s
	})
}

// bankAccounts creates bank accounts, each {ref, currency, accounting
// code}, in order (the first is the default one); codes other than 512
// are added to the chart.
func (e *acctEnv) bankAccounts(t *testing.T, bank *usecase.BankService, specs ...[3]string) map[string]*domain.BankAccount {
	t.Helper()
	ctx := context.Background()
	out := map[string]*domain.BankAccount{}
	for _, spec := range specs {
		ref, currency, code := spec[0], spec[1], spec[2]
		if code != "" {
			if err := e.acct.CreateAccount(ctx, &domain.Account{Code: code, Label: "Bank " + ref, Type: domain.AccountAsset}); err != nil {
				t.Fatal(err)
			}
		}
		a := &domain.BankAccount{Ref: ref, Label: ref, Currency: currency, OpeningBalance: num("1000"), OpeningDate: date("2026-01-01"), AccountingCode: code}
		if err := bank.Create(ctx, a); err != nil {
			t.Fatal(err)
		}
		out[ref] = a
	}
	return out
}

func TestAccountingForeignBankAccounts(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newAcctEnv(t, d)
			ctx := context.Background()
			bank := usecase.NewBankService(e.uow, time.Now)
			rates := usecase.NewCurrencyRateService(e.uow, "EUR", time.Now)
			acc := e.bankAccounts(t, bank, [3]string{"MAIN", "EUR", ""}, [3]string{"DOLLARS", "USD", "5122"}, [3]string{"MOREUSD", "USD", "5123"})
			move := func(from, to, amount, toAmount, on string) int64 {
				t.Helper()
				tr := domain.BankTransfer{FromAccountID: acc[from].ID, ToAccountID: acc[to].ID, Amount: num(amount), Date: date(on)}
				if toAmount != "" {
					tr.ToAmount = num(toAmount)
				}
				legs, err := bank.Transfer(ctx, e.actor, tr)
				if err != nil {
					t.Fatalf("transfer %s → %s: %v", from, to, err)
				}
				return min(legs[0].ID, legs[1].ID)
			}
			// The bank refuses two currencies without the amount received,
			// and a received amount other than the amount in one currency.
			_, err := bank.Transfer(ctx, e.actor, domain.BankTransfer{FromAccountID: acc["DOLLARS"].ID, ToAccountID: acc["MAIN"].ID, Amount: num("1"), Date: date("2026-05-02")})
			if f := invalidFields(err); !slices.Equal(f, []string{"to_account_id"}) || !strings.Contains(err.Error(), "needs to_amount") {
				t.Fatalf("two currencies without to_amount: %v", err)
			}
			_, err = bank.Transfer(ctx, e.actor, domain.BankTransfer{FromAccountID: acc["DOLLARS"].ID, ToAccountID: acc["MOREUSD"].ID, Amount: num("1"), ToAmount: num("2"), Date: date("2026-05-02")})
			if f := invalidFields(err); !slices.Equal(f, []string{"to_amount"}) {
				t.Fatalf("one currency, another to_amount: %v", err)
			}

			// No rate of USD on or before 20 May: 409 naming both, nothing
			// booked (not even the transfer in euros of the same month).
			may := move("DOLLARS", "MAIN", "10", "9", "2026-05-20")
			move("MAIN", "MOREUSD", "5", "6", "2026-05-21")
			e.rate(t, rates, "USD", "2026-06-01", "1.1")
			before := e.count(t, "accounting_bookings")
			_, err = e.acct.Transfer(ctx, date("2026-05-01"), date("2026-05-31"))
			if conflictCode(err) != "no-currency-rate" || !strings.Contains(err.Error(), "USD") || !strings.Contains(err.Error(), "2026-05-20") ||
				!strings.Contains(err.Error(), fmt.Sprintf("TRF%d", may)) {
				t.Fatalf("booking without a rate: %v", err)
			}
			if n := e.count(t, "accounting_bookings"); n != before {
				t.Fatalf("a refused transfer booked %d", n-before)
			}
			e.rate(t, rates, "USD", "2026-05-15", "1.2")
			if res := e.transfer(t, "2026-05-01", "2026-05-31"); res.Bookings != 2 {
				t.Fatalf("May booked %+v", res)
			}
			// 10 USD at 1.2 = 8.33 EUR sent, 9 EUR received: 0.67 gained.
			if got, want := e.fxEntries(t, fmt.Sprintf("TRF%d", may)), []string{"bank 512 9.00/0.00", "bank 5122 0.00/8.33 10.00 USD", "bank 766 0.00/0.67"}; !slices.Equal(got, want) {
				t.Fatalf("May: got %q want %q", got, want)
			}

			e.rate(t, rates, "USD", "2026-06-10", "1.25")
			toEuros := move("DOLLARS", "MAIN", "100", "92", "2026-06-03")   // 100 USD at 1.1 = 90.91 EUR, 92 received: a gain
			toDollars := move("MAIN", "DOLLARS", "92", "100", "2026-06-04") // 92 EUR for 100 USD worth 90.91: a loss
			dollars := move("DOLLARS", "MOREUSD", "50", "", "2026-06-12")   // at 1.25 both sides: 40.00, no difference
			// A USD invoice paid onto the dollar account books there, in
			// euros at the payment's rate, with the dollars kept.
			docRate := "1.1"
			inv := e.validated(t, invoices, e.fxDraft(t, domain.DocInvoice, e.tp, "USD", "2026-06-14", "100", &docRate))
			if _, err := e.docs.AddPayment(ctx, e.actor, invoices, inv.ID, domain.Payment{Amount: num("120"), Date: date("2026-06-15"), Method: domain.PayBankTransfer, BankAccountID: acc["DOLLARS"].ID}); err != nil {
				t.Fatal(err)
			}

			if res := e.transfer(t, "2026-06-01", "2026-06-30"); res.Bookings != 6 { // three transfers, the invoice, its payment and exchange difference
				t.Fatalf("June booked %+v", res)
			}
			for id, want := range map[int64][]string{
				toEuros:   {"bank 512 92.00/0.00", "bank 5122 0.00/90.91 100.00 USD", "bank 766 0.00/1.09"},
				toDollars: {"bank 5122 90.91/0.00 100.00 USD", "bank 512 0.00/92.00", "bank 666 1.09/0.00"},
				dollars:   {"bank 5123 40.00/0.00 50.00 USD", "bank 5122 0.00/40.00 50.00 USD"},
			} {
				if got := e.fxEntries(t, fmt.Sprintf("TRF%d", id)); !slices.Equal(got, want) {
					t.Errorf("transfer %d: got %q want %q", id, got, want)
				}
			}
			if got := e.fxEntries(t, inv.Ref); !slices.Contains(got, "bank 5122 96.00/0.00 120.00 USD") || !slices.Contains(got, "bank 411 0.00/96.00 120.00 USD") {
				t.Errorf("payment onto the dollar account: %q", got)
			}
			// Every booking balances to the cent.
			page, err := e.acct.Entries(ctx, domain.EntryFilter{}, domain.ListQuery{Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			bal := map[int64]string{}
			sums := map[int64]domain.Booking{}
			for _, x := range page.Items {
				b := sums[x.BookingID]
				b.Entries = append(b.Entries, *x)
				sums[x.BookingID] = b
			}
			for id, b := range sums {
				if d, c := b.Totals(); !d.Equal(c) {
					bal[id] = d.Sub(c).String()
				}
			}
			if len(bal) > 0 {
				t.Fatalf("bookings off balance: %v", bal)
			}
		})
	}
}

// TestAccountingTransferReadsEachRateOnce: booking five transfers of a
// dollar account made on one day sends no more statements than booking
// one — the rate of the day is read once, not once a transfer.
func TestAccountingTransferReadsEachRateOnce(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newAcctEnv(t, d)
			ctx := context.Background()
			bank := usecase.NewBankService(e.uow, time.Now)
			acc := e.bankAccounts(t, bank, [3]string{"MAIN", "EUR", ""}, [3]string{"DOLLARS", "USD", "5122"})
			e.rate(t, usecase.NewCurrencyRateService(e.uow, "EUR", time.Now), "USD", "2026-03-01", "1.2")
			move := func(on string, n int) {
				t.Helper()
				for range n {
					if _, err := bank.Transfer(ctx, e.actor, domain.BankTransfer{FromAccountID: acc["DOLLARS"].ID, ToAccountID: acc["MAIN"].ID,
						Amount: num("12"), ToAmount: num("10"), Date: date(on)}); err != nil {
						t.Fatal(err)
					}
				}
			}
			move("2026-03-09", 1)
			move("2026-03-10", 1)
			move("2026-03-11", 5)
			e.transfer(t, "2026-03-09", "2026-03-09") // the month's lock row and the journal's sequence made
			stmts := statementCounter(t, e.db.Gorm)
			if res := e.transfer(t, "2026-03-10", "2026-03-10"); res.Bookings != 1 {
				t.Fatalf("booked %+v, want one transfer", res)
			}
			one := stmts.Load()
			if res := e.transfer(t, "2026-03-11", "2026-03-11"); res.Bookings != 5 {
				t.Fatalf("booked %+v, want five transfers", res)
			}
			if five := stmts.Load() - one; five != one {
				t.Fatalf("%d statements to book one transfer, %d to book five of the same day", one, five)
			}
		})
	}
}
