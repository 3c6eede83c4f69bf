package usecase_test

// Bank accounts on every dialect: every payment writes its bank line in its
// own unit of work, deleting it writes a reversal (never over a reconciled
// line), transfers write both lines or none, and balances stay exact under
// concurrency.
//
// To see TestBankBalanceUnderConcurrency fail, delete the clause.Locking of
// bankAccountRepo.Lock (internal/infrastructure/gormdb/bank.go): on
// PostgreSQL and MariaDB concurrent payments then read the same balance, so
// the account's balance is no longer opening + the sum of its lines and the
// balance_after chain breaks. Delete the sort of lockByIDs and transfers both
// ways deadlock (and, past the retries, fail).

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

type bankEnv struct {
	*docEnv
	bank *usecase.BankService
}

func newBankEnv(t *testing.T, d string) *bankEnv {
	t.Helper()
	e := newDocEnv(t, testdb.Migrated(t, d))
	return &bankEnv{docEnv: e, bank: usecase.NewBankService(e.uow, time.Now)}
}

func (e *bankEnv) account(t *testing.T, ref, currency, opening string) *domain.BankAccount {
	t.Helper()
	a := &domain.BankAccount{Ref: ref, Label: "Account " + ref, Currency: currency, OpeningBalance: num(opening), OpeningDate: date("2026-01-01")}
	if err := e.bank.Create(context.Background(), a); err != nil {
		t.Fatalf("create bank account %s: %v", ref, err)
	}
	return a
}

func (e *bankEnv) accountNow(t *testing.T, id int64) *domain.BankAccount {
	t.Helper()
	a, err := e.bank.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// lines returns every line of the account, in id order.
func (e *bankEnv) lines(t *testing.T, accountID int64) []*domain.BankLine {
	t.Helper()
	page, err := e.bank.Lines(context.Background(), domain.BankLineFilter{AccountID: accountID})
	if err != nil {
		t.Fatal(err)
	}
	return page.Items
}

// checkLedger checks the account's balance is opening + the sum of its
// lines and each balance_after is the previous one plus the line's amount.
func (e *bankEnv) checkLedger(t *testing.T, accountID int64) {
	t.Helper()
	a := e.accountNow(t, accountID)
	running := a.OpeningBalance
	for _, l := range e.lines(t, accountID) {
		running = running.Add(l.Amount)
		if !l.BalanceAfter.Equal(running) {
			t.Fatalf("account %s line %d: balance_after %s, running balance %s", a.Ref, l.ID, l.BalanceAfter, running)
		}
	}
	if !a.Balance.Equal(running) {
		t.Fatalf("account %s: balance %s, opening + lines %s", a.Ref, a.Balance, running)
	}
}

func (e *bankEnv) pay(types []domain.DocType, docID int64, amount, on string, account int64) (*domain.Payment, error) {
	return e.docs.AddPayment(context.Background(), e.actor, types, docID, domain.Payment{
		Amount: num(amount), Date: date(on), Method: domain.PayBankTransfer, BankAccountID: account,
	})
}

func amounts(ls []*domain.BankLine) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Amount.String()
	}
	return out
}

func TestBankAccountsAndPaymentLines(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newBankEnv(t, d)
			ctx := context.Background()
			inv := e.validated(t, invoices, e.draft(t, domain.DocInvoice, "2026-12-01", "1", "100")) // 120.00

			// No account at all: the payment is recorded without a line.
			p0, err := e.pay(invoices, inv.ID, "5", "2026-12-02", 0)
			if err != nil || p0.BankAccountID != 0 {
				t.Fatalf("payment without accounts: %+v %v", p0, err)
			}

			a := e.account(t, "BNK", "EUR", "100")
			b := e.account(t, "CASH", "EUR", "0")
			usd := e.account(t, "USD", "USD", "0")
			if !a.IsDefault || b.IsDefault || !a.Balance.Equal(num("100")) {
				t.Fatalf("first account is the default: %+v %+v", a, b)
			}
			if err := e.bank.Create(ctx, &domain.BankAccount{Ref: "BNK", Label: "again", Currency: "EUR", OpeningDate: date("2026-01-01")}); conflictCode(err) != "duplicate-ref" {
				t.Fatalf("duplicate ref: %v", err)
			}
			err = e.bank.Create(ctx, &domain.BankAccount{Ref: "X", Label: "x", Currency: "EUR", OpeningBalance: num("1.001"), OpeningDate: date("2026-01-01"), IBAN: "FR7630006000011234567890188"})
			if f := fieldsOf(err); !slices.Equal(f, []string{"iban", "opening_balance"}) {
				t.Fatalf("bad iban and decimals: %v", err)
			}

			// The default account, then a named one.
			p1, err := e.pay(invoices, inv.ID, "20", "2026-12-02", 0)
			if err != nil || p1.BankAccountID != a.ID {
				t.Fatalf("payment on the default account: %+v %v", p1, err)
			}
			if _, err := e.pay(invoices, inv.ID, "30.50", "2026-12-03", b.ID); err != nil {
				t.Fatal(err)
			}
			// Refused: another currency, an unknown account, a date before the
			// opening — nothing written.
			before := e.count(t, "payments")
			for name, c := range map[string]struct {
				account int64
				on      string
				field   string
			}{
				"currency": {usd.ID, "2026-12-02", "bank_account_id"},
				"unknown":  {999999, "2026-12-02", "bank_account_id"},
				"opening":  {a.ID, "2025-12-31", "date"},
			} {
				if _, err := e.pay(invoices, inv.ID, "1", c.on, c.account); !slices.Equal(fieldsOf(err), []string{c.field}) {
					t.Fatalf("%s: %v", name, err)
				}
			}
			if n := e.count(t, "payments"); n != before {
				t.Fatalf("refused payments wrote %d rows", n-before)
			}
			if got := amounts(e.lines(t, a.ID)); !slices.Equal(got, []string{"20"}) {
				t.Fatalf("lines of %s: %v", a.Ref, got)
			}
			if l := e.lines(t, a.ID)[0]; l.PaymentID != p1.ID || l.Kind != domain.BankLinePayment || l.Label != "Payment of "+inv.Ref || !l.BalanceAfter.Equal(num("120")) {
				t.Fatalf("payment line %+v", l)
			}

			// A refund on a credit note and a supplier payment take money out;
			// a supplier credit note's refund brings it in.
			cn, err := e.docs.Convert(ctx, e.actor, domain.ActCreditNote, inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			cn = e.validated(t, invoices, cn)
			if _, err := e.pay(invoices, cn.ID, "10", "2026-12-04", 0); err != nil {
				t.Fatal(err)
			}
			sup := e.supplier(t, "Parts Ltd")
			si := e.validated(t, supplierInvoices, e.supplierDraft(t, sup, "S-1", "2026-12-01", "1", "50")) // 60.00
			sp, err := e.pay(supplierInvoices, si.ID, "60", "2026-12-05", 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := amounts(e.lines(t, a.ID)); !slices.Equal(got, []string{"20", "-10", "-60"}) {
				t.Fatalf("lines of %s: %v", a.Ref, got)
			}
			e.checkLedger(t, a.ID)

			// Deleting a payment reverses its line; a reconciled line cannot be.
			if err := e.docs.DeletePayment(ctx, supplierInvoices, si.ID, sp.ID); err != nil {
				t.Fatal(err)
			}
			ls := e.lines(t, a.ID)
			if rev := ls[len(ls)-1]; rev.Kind != domain.BankLineReversal || rev.PaymentID != sp.ID || !rev.Amount.Equal(num("60")) || !rev.Date.Equal(date("2026-12-05")) {
				t.Fatalf("reversal %+v", rev)
			}
			e.checkLedger(t, a.ID)
			if err := e.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
				l, err := r.BankLines.OfPayment(ctx, p1.ID)
				if err != nil {
					return err
				}
				locked, err := r.BankLines.LockLines(ctx, []int64{l.ID})
				if err != nil {
					return err
				}
				locked[0].Reconciled, locked[0].StatementLineID = true, 7
				return r.BankLines.SetReconciled(ctx, locked[0])
			}); err != nil {
				t.Fatal(err)
			}
			nLines := len(e.lines(t, a.ID))
			if err := e.docs.DeletePayment(ctx, invoices, inv.ID, p1.ID); conflictCode(err) != "reconciled" {
				t.Fatalf("delete a reconciled payment: %v", err)
			}
			if ps, _ := e.docs.Payments(ctx, invoices, inv.ID); len(ps) != 3 || len(e.lines(t, a.ID)) != nLines {
				t.Fatalf("a refused deletion changed something: %d payments", len(ps))
			}
			var unreconciled []*domain.BankLine
			if err := e.uow.Read(ctx, func(ctx context.Context, r domain.Readers) (err error) {
				unreconciled, err = r.BankLines.Unreconciled(ctx, a.ID, date("2026-12-01"), date("2026-12-05"))
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if got := amounts(unreconciled); !slices.Equal(got, []string{"-10", "-60", "60"}) {
				t.Fatalf("unreconciled lines %v", got)
			}

			// Lines between two dates, both included.
			page, err := e.bank.Lines(ctx, domain.BankLineFilter{AccountID: a.ID, From: date("2026-12-04"), To: date("2026-12-04")})
			if err != nil || len(page.Items) != 1 || page.Total != 1 || !page.Items[0].Amount.Equal(num("-10")) {
				t.Fatalf("lines of 2026-12-04: %+v %v", page, err)
			}
			if _, err := e.bank.Lines(ctx, domain.BankLineFilter{AccountID: 999999}); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("lines of an unknown account: %v", err)
			}
		})
	}
}

func TestBankAccountRules(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newBankEnv(t, d)
			ctx := context.Background()
			a := e.account(t, "A", "EUR", "10")
			b := e.account(t, "B", "EUR", "0")
			c := e.account(t, "C", "USD", "0")
			if _, err := e.bank.Transfer(ctx, e.actor, domain.BankTransfer{FromAccountID: a.ID, ToAccountID: b.ID, Amount: num("4"), Date: date("2026-02-01")}); err != nil {
				t.Fatal(err)
			}
			cur := "USD"
			if _, err := e.bank.Update(ctx, a.ID, domain.BankAccountPatch{Currency: &cur}); conflictCode(err) != "has-lines" {
				t.Fatalf("currency of an account with lines: %v", err)
			}
			opening := num("5")
			got, err := e.bank.Update(ctx, c.ID, domain.BankAccountPatch{OpeningBalance: &opening})
			if err != nil || !got.Balance.Equal(opening) {
				t.Fatalf("opening of an account without lines: %+v %v", got, err)
			}
			yes, no := true, false
			if _, err := e.bank.Update(ctx, a.ID, domain.BankAccountPatch{IsDefault: &no}); !slices.Equal(fieldsOf(err), []string{"is_default"}) {
				t.Fatalf("unset the default: %v", err)
			}
			if got, err := e.bank.Update(ctx, b.ID, domain.BankAccountPatch{IsDefault: &yes}); err != nil || !got.IsDefault {
				t.Fatalf("make B the default: %+v %v", got, err)
			}
			if e.accountNow(t, a.ID).IsDefault {
				t.Fatal("A is still the default")
			}
			if err := e.bank.Delete(ctx, a.ID); conflictCode(err) != "in-use" {
				t.Fatalf("delete an account with lines: %v", err)
			}
			d := e.account(t, "D", "EUR", "0")
			if _, err := e.bank.Update(ctx, d.ID, domain.BankAccountPatch{IsDefault: &yes}); err != nil {
				t.Fatal(err)
			}
			if err := e.bank.Delete(ctx, d.ID); conflictCode(err) != "default-account" {
				t.Fatalf("delete the default among others: %v", err)
			}
			if err := e.bank.Delete(ctx, c.ID); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestBankTransfers(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newBankEnv(t, d)
			ctx := context.Background()
			a := e.account(t, "A", "EUR", "100")
			b := e.account(t, "B", "EUR", "0")
			usd := e.account(t, "U", "USD", "0")
			lines, err := e.bank.Transfer(ctx, e.actor, domain.BankTransfer{FromAccountID: b.ID, ToAccountID: a.ID, Amount: num("30"), Date: date("2026-03-01")})
			if err != nil {
				t.Fatal(err) // B goes below zero: an overdraft is allowed
			}
			out, in := lines[0], lines[1]
			if out.AccountID != b.ID || !out.Amount.Equal(num("-30")) || in.AccountID != a.ID || !in.BalanceAfter.Equal(num("130")) ||
				out.TransferID != in.ID || in.TransferID != out.ID || out.Label != "Transfer B → A" {
				t.Fatalf("transfer lines %+v %+v", out, in)
			}
			for name, c := range map[string]struct {
				t     domain.BankTransfer
				field string
			}{
				"currency": {domain.BankTransfer{FromAccountID: a.ID, ToAccountID: usd.ID, Amount: num("1"), Date: date("2026-03-01")}, "to_account_id"},
				"same":     {domain.BankTransfer{FromAccountID: a.ID, ToAccountID: a.ID, Amount: num("1")}, "to_account_id"},
				"zero":     {domain.BankTransfer{FromAccountID: a.ID, ToAccountID: b.ID, Amount: num("0")}, "amount"},
				"decimals": {domain.BankTransfer{FromAccountID: a.ID, ToAccountID: b.ID, Amount: num("0.001"), Date: date("2026-03-01")}, "amount"},
				"unknown":  {domain.BankTransfer{FromAccountID: 999999, ToAccountID: b.ID, Amount: num("1")}, "from_account_id"},
				"opening":  {domain.BankTransfer{FromAccountID: a.ID, ToAccountID: b.ID, Amount: num("1"), Date: date("2025-01-01")}, "date"},
			} {
				if _, err := e.bank.Transfer(ctx, e.actor, c.t); !slices.Equal(fieldsOf(err), []string{c.field}) {
					t.Fatalf("%s: %v", name, err)
				}
			}
			if n := e.count(t, "bank_lines"); n != 2 {
				t.Fatalf("refused transfers wrote lines: %d", n)
			}
			e.checkLedger(t, a.ID)
			e.checkLedger(t, b.ID)
		})
	}
}

// 50 concurrent payments into one account, on 10 invoices (so that the
// documents' locks do not serialise them), and 20 transfers each way
// between that account and another: every one succeeds, the balances are
// opening + the lines, and the balance_after chains hold.
func TestBankBalanceUnderConcurrency(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newBankEnv(t, d)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			a := e.account(t, "A", "EUR", "1000")
			b := e.account(t, "B", "EUR", "1000")
			var docs []int64
			for range 10 {
				docs = append(docs, e.validated(t, invoices, e.draft(t, domain.DocInvoice, "2026-12-01", "1", "100")).ID) // 120.00 each
			}
			const payments, transfers = 50, 40
			errs := run(payments+transfers, func(i int) error {
				if i < payments {
					_, err := e.docs.AddPayment(ctx, e.actor, invoices, docs[i%len(docs)], domain.Payment{
						Amount: num(fmt.Sprintf("%d.%02d", 1+i%7, i)), Date: date("2026-12-02"), Method: domain.PayCard,
					})
					return err
				}
				from, to := a.ID, b.ID
				if i%2 == 1 {
					from, to = to, from
				}
				_, err := e.bank.Transfer(ctx, e.actor, domain.BankTransfer{FromAccountID: from, ToAccountID: to, Amount: num("3.33"), Date: date("2026-12-02")})
				return err
			})
			for i, err := range errs {
				if err != nil {
					t.Fatalf("operation %d: %v", i, err)
				}
			}
			if n := len(e.lines(t, a.ID)); n != payments+transfers {
				t.Fatalf("%d lines on A, want %d", n, payments+transfers)
			}
			e.checkLedger(t, a.ID)
			e.checkLedger(t, b.ID)
			var paid decimal.Decimal
			for _, id := range docs {
				paid = paid.Add(e.get(t, id).AmountPaid)
			}
			// Transfers both ways cancel out: A holds its opening plus the payments.
			if got := e.accountNow(t, a.ID).Balance; !got.Equal(num("1000").Add(paid)) {
				t.Fatalf("balance of A %s, want 1000 + %s", got, paid)
			}
		})
	}
}

// Accounts created at once, each asking to be the default: each is created
// or refused as a conflict, and one account only is the default afterwards.
func TestBankDefaultAccountUnderConcurrency(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newBankEnv(t, d)
			ctx := context.Background()
			first := e.account(t, "default", "EUR", "0")
			if err := e.bank.Create(ctx, &domain.BankAccount{Ref: "default", Label: "x", Currency: "EUR", OpeningDate: date("2026-01-01")}); conflictCode(err) != "duplicate-ref" {
				t.Fatalf("a taken ref that says default: %v", err)
			}
			errs := run(8, func(i int) error {
				return e.bank.Create(ctx, &domain.BankAccount{Ref: fmt.Sprintf("D%d", i), Label: "x", Currency: "EUR", OpeningDate: date("2026-01-01"), IsDefault: true})
			})
			created := 0
			for _, err := range errs {
				switch {
				case err == nil:
					created++
				case conflictCode(err) != "concurrent-default":
					t.Fatalf("create: %v", err)
				}
			}
			page, err := e.bank.List(ctx, domain.ListQuery{})
			if err != nil {
				t.Fatal(err)
			}
			defaults := 0
			for _, a := range page.Items {
				if a.IsDefault {
					defaults++
				}
			}
			if created == 0 || defaults != 1 || int(page.Total) != created+1 || e.accountNow(t, first.ID).IsDefault {
				t.Fatalf("%d created, %d accounts, %d defaults", created, page.Total, defaults)
			}
		})
	}
}
