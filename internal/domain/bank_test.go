package domain

import (
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

var bankDay = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func bankAccount() *BankAccount {
	return &BankAccount{ID: 1, Ref: "BNK", Label: "Bank", Currency: "EUR", OpeningBalance: decimal.RequireFromString("100"), OpeningDate: bankDay, Balance: decimal.RequireFromString("100")}
}

func TestBankAccountCheck(t *testing.T) {
	a := &BankAccount{Ref: " r ", Label: " L ", IBAN: "fr76 3000 6000 0112 3456 7890 189", BIC: "bnpa frpp", Currency: "eur", OpeningDate: bankDay}
	a.Normalize()
	if err := a.Check().OrNil(); err != nil || a.IBAN != "FR7630006000011234567890189" || a.BIC != "BNPAFRPP" || a.Ref != "r" || a.Currency != "EUR" {
		t.Fatalf("normalized %+v: %v", a, err)
	}
	for name, c := range map[string]struct {
		change func(*BankAccount)
		fields []string
	}{
		"empty":        {func(a *BankAccount) { *a = BankAccount{} }, []string{"ref", "label", "currency", "opening_date"}},
		"iban":         {func(a *BankAccount) { a.IBAN = "FR7630006000011234567890188" }, []string{"iban"}},
		"bic":          {func(a *BankAccount) { a.BIC = "BNP" }, []string{"bic"}},
		"jpy decimals": {func(a *BankAccount) { a.Currency, a.OpeningBalance = "JPY", decimal.RequireFromString("1.5") }, []string{"opening_balance"}},
		"huge":         {func(a *BankAccount) { a.OpeningBalance = decimal.New(-1, 15) }, []string{"opening_balance"}},
		"code":         {func(a *BankAccount) { a.AccountingCode = "123456789012345678901234567890123" }, []string{"accounting_code"}},
	} {
		b := *a
		c.change(&b)
		if got := fieldsOf(b.Check().OrNil()); !slices.Equal(got, c.fields) {
			t.Errorf("%s: fields %v, want %v", name, got, c.fields)
		}
	}
	overdraft := *a
	overdraft.OpeningBalance = decimal.RequireFromString("-250.5")
	if err := overdraft.Check().OrNil(); err != nil {
		t.Fatalf("a negative opening balance is an overdraft: %v", err)
	}
}

func TestBankAccountApply(t *testing.T) {
	usd, five, no := "USD", decimal.RequireFromString("5"), false
	a := bankAccount()
	if err := a.Apply(BankAccountPatch{Currency: &usd}, true); problemCode(err) != "has-lines" {
		t.Fatalf("currency with lines: %v", err)
	}
	same := "eur"
	label := "Other"
	if err := a.Apply(BankAccountPatch{Currency: &same, Label: &label}, true); err != nil || a.Label != "Other" {
		t.Fatalf("the same currency and a label with lines: %v", err)
	}
	if err := a.Apply(BankAccountPatch{OpeningBalance: &five}, false); err != nil || !a.Balance.Equal(five) {
		t.Fatalf("opening without lines: %+v %v", a, err)
	}
	a.IsDefault = true
	if got := fieldsOf(a.Apply(BankAccountPatch{IsDefault: &no}, false)); !slices.Equal(got, []string{"is_default"}) {
		t.Fatalf("unset the default: %v", got)
	}
}

func TestBankAccountPost(t *testing.T) {
	a := bankAccount()
	l := &BankLine{Date: bankDay, Amount: decimal.RequireFromString("-120.25"), Kind: BankLinePayment}
	if err := a.Post(l); err != nil || !a.Balance.Equal(decimal.RequireFromString("-20.25")) || !l.BalanceAfter.Equal(a.Balance) || l.AccountID != 1 || l.Label != "payment" || l.Currency != "EUR" {
		t.Fatalf("post: %+v %+v %v", a, l, err)
	}
	for name, c := range map[string]struct {
		line  BankLine
		field string
	}{
		"zero":     {BankLine{Date: bankDay}, "amount"},
		"decimals": {BankLine{Date: bankDay, Amount: decimal.RequireFromString("0.001")}, "amount"},
		"early":    {BankLine{Date: bankDay.AddDate(0, 0, -1), Amount: decimal.RequireFromString("1")}, "date"},
		"beyond":   {BankLine{Date: bankDay, Amount: decimal.New(-999999999999999, 0)}, "amount"}, // fits alone, not on −20.25
	} {
		before := a.Balance
		if got := fieldsOf(a.Post(&c.line)); !slices.Contains(got, c.field) || !a.Balance.Equal(before) {
			t.Errorf("%s: %v, balance %s", name, got, a.Balance)
		}
	}
}

func TestPaymentBankLines(t *testing.T) {
	a := bankAccount()
	p := &Payment{ID: 9, Amount: decimal.RequireFromString("12.50"), Date: bankDay}
	for typ, want := range map[DocType]string{
		DocInvoice: "12.5", DocDownPayment: "12.5", DocCreditNote: "-12.5",
		DocSupplierInvoice: "-12.5", DocSupplierCreditNote: "12.5",
	} {
		l, err := PaymentBankLine(a, &Document{Type: typ, Ref: "X1", Currency: "EUR"}, p)
		if err != nil || l.Amount.String() != want || l.PaymentID != 9 || l.Kind != BankLinePayment {
			t.Errorf("%s: %+v %v", typ, l, err)
		}
	}
	if _, err := PaymentBankLine(a, &Document{Type: DocInvoice, Currency: "USD"}, p); !slices.Equal(fieldsOf(err), []string{"bank_account_id"}) {
		t.Fatalf("another currency: %v", err)
	}
	// A dollar payment credited to the company's euro account: converted at
	// the payment's rate, rounded to the cent; to a third currency: refused.
	usd := &Document{Type: DocSupplierInvoice, Ref: "SI1", Currency: "USD", FX: DocumentFX{CompanyCurrency: "EUR"}}
	paid := &Payment{ID: 10, Amount: decimal.RequireFromString("119.99"), Date: bankDay,
		FX: PaymentFX{Rate: decimal.NewNullDecimal(decimal.RequireFromString("1.1"))}}
	if l, err := PaymentBankLine(a, usd, paid); err != nil || l.Amount.String() != "-109.08" || l.Label != "Payment of SI1 (119.99 USD at 1.1)" {
		t.Fatalf("a USD payment on a EUR account: %+v %v", l, err)
	}
	if _, err := PaymentBankLine(a, &Document{Type: DocInvoice, Currency: "USD", FX: DocumentFX{CompanyCurrency: "GBP"}}, paid); !slices.Equal(fieldsOf(err), []string{"bank_account_id"}) {
		t.Fatalf("an account in neither currency: %v", err)
	}
	l := &BankLine{ID: 3, Amount: decimal.RequireFromString("-4"), Label: "x", PaymentID: 9}
	rev, err := l.Reversal(bankDay, 1, bankDay)
	if err != nil || !rev.Amount.Equal(decimal.RequireFromString("4")) || rev.Kind != BankLineReversal || rev.PaymentID != 9 {
		t.Fatalf("reversal %+v %v", rev, err)
	}
	l.Reconciled = true
	if _, err := l.Reversal(bankDay, 1, bankDay); problemCode(err) != "reconciled" {
		t.Fatalf("reversal of a reconciled line: %v", err)
	}
}

func TestBankTransferLines(t *testing.T) {
	from, to := bankAccount(), bankAccount()
	to.ID, to.Ref = 2, "CASH"
	tr := &BankTransfer{FromAccountID: 1, ToAccountID: 2, Amount: decimal.RequireFromString("30"), Date: bankDay}
	if err := tr.Check().OrNil(); err != nil {
		t.Fatal(err)
	}
	out, in, err := tr.Lines(from, to, 1, bankDay)
	if err != nil || out.Amount.String() != "-30" || in.Amount.String() != "30" || from.Balance.String() != "70" || to.Balance.String() != "130" || in.Label != "Transfer BNK → CASH" {
		t.Fatalf("lines %+v %+v %v", out, in, err)
	}
	to.Currency = "USD"
	if _, _, err := tr.Lines(from, to, 1, bankDay); !slices.Equal(fieldsOf(err), []string{"to_account_id"}) {
		t.Fatalf("another currency: %v", err)
	}
	bad := BankTransfer{FromAccountID: 1, ToAccountID: 1}
	if got := fieldsOf(bad.Check().OrNil()); !slices.Equal(got, []string{"to_account_id", "amount"}) {
		t.Fatalf("same account, no amount: %v", got)
	}
}

func TestBankLinesInCurrency(t *testing.T) {
	a := &BankAccount{Currency: "JPY"}
	page := a.InCurrency(Page[*BankLine]{Items: []*BankLine{{ID: 1}}})
	streamed := a.InCurrency(Page[*BankLine]{Rows: Page[*BankLine]{Items: []*BankLine{{ID: 2}, {ID: 3}}}.All()})
	n := 0
	for _, p := range []Page[*BankLine]{page, streamed} {
		for l, err := range p.All() {
			if err != nil || l.Currency != "JPY" {
				t.Fatalf("line %+v %v", l, err)
			}
			n++
		}
	}
	if n != 3 {
		t.Fatalf("%d lines", n)
	}
}
