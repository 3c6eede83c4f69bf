package usecase_test

// Transfers between bank accounts book once each in the bank journal: the
// receiving account's code debited, the sending one's credited.

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

func TestAccountingBankTransfers(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newAcctEnv(t, d)
			ctx := context.Background()
			bank := usecase.NewBankService(e.uow, time.Now)
			if err := e.acct.CreateAccount(ctx, &domain.Account{Code: "5121", Label: "Savings", Type: domain.AccountAsset}); err != nil {
				t.Fatal(err)
			}
			accounts := map[string]*domain.BankAccount{}
			for ref, code := range map[string]string{"MAIN": "", "SAVE": "5121", "SIDE": ""} {
				a := &domain.BankAccount{Ref: ref, Label: ref, Currency: "EUR", OpeningBalance: num("1000"), OpeningDate: date("2026-01-01"), AccountingCode: code}
				if err := bank.Create(ctx, a); err != nil {
					t.Fatal(err)
				}
				accounts[ref] = a
			}
			move := func(from, to, amount, on string) int64 {
				legs, err := bank.Transfer(ctx, e.actor, domain.BankTransfer{FromAccountID: accounts[from].ID, ToAccountID: accounts[to].ID, Amount: num(amount), Date: date(on)})
				if err != nil {
					t.Fatal(err)
				}
				return min(legs[0].ID, legs[1].ID)
			}
			toSavings := move("MAIN", "SAVE", "300", "2026-06-03")
			fromSavings := move("SAVE", "MAIN", "50.50", "2026-06-04")
			between512 := move("MAIN", "SIDE", "20", "2026-06-05")
			move("MAIN", "SAVE", "1", "2026-07-01") // outside the period

			if res := e.transfer(t, "2026-06-01", "2026-06-30"); res.Bookings != 3 || res.Entries != 6 {
				t.Fatalf("transfer %+v, want 3 bookings of 2 entries", res)
			}
			for id, want := range map[int64][]string{
				toSavings:   {"bank 5121 300.00/0.00 0", "bank 512 0.00/300.00 0"},
				fromSavings: {"bank 512 50.50/0.00 0", "bank 5121 0.00/50.50 0"},
				between512:  {"bank 512 20.00/0.00 0", "bank 512 0.00/20.00 0"},
			} {
				if got := e.entries(t, fmt.Sprintf("TRF%d", id)); !slices.Equal(got, want) {
					t.Errorf("transfer %d: got %q want %q", id, got, want)
				}
			}
			if again := e.transfer(t, "2026-06-01", "2026-06-30"); again.Bookings != 0 {
				t.Fatalf("second transfer booked %+v", again)
			}
			// June closed, a transfer dated in it is refused with nothing
			// written; July's still goes.
			if _, err := e.acct.ClosePeriod(ctx, e.actor, domain.Period("2026-06")); err != nil {
				t.Fatal(err)
			}
			before, err := bank.Get(ctx, accounts["MAIN"].ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := bank.Transfer(ctx, e.actor, domain.BankTransfer{FromAccountID: accounts["MAIN"].ID, ToAccountID: accounts["SAVE"].ID,
				Amount: num("5"), Date: date("2026-06-30")}); conflictCode(err) != "period-closed" {
				t.Fatalf("a transfer in a closed month: %v", err)
			}
			if a, err := bank.Get(ctx, accounts["MAIN"].ID); err != nil || !a.Balance.Equal(before.Balance) {
				t.Fatalf("MAIN after the refused transfer: %+v %v, want its balance unchanged", a, err)
			}
			move("MAIN", "SAVE", "2", "2026-07-02")
		})
	}
}
