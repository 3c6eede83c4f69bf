package domain

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Limits of a bank account's own fields, shared with the columns.
const (
	MaxBICLen            = 11
	MaxAccountingCodeLen = 32
)

// BankAccount is an account of the company at a bank (or a cash box): the
// money every payment lands on. Its Balance is OpeningBalance plus the sum of
// its lines, kept on the row and changed only under the row's lock, with the
// line that changes it (Post).
//
// The company has one default account, the one a payment without
// bank_account_id lands on: the first account created becomes it, and
// another becomes it when made the default (IsDefault set). While accounts
// exist one of them is the default: the default cannot be deleted while
// others remain.
type BankAccount struct {
	ID             int64
	Ref            string // unique
	Label          string
	IBAN           string // compact, upper case; "" for a cash box
	BIC            string
	Currency       string
	OpeningBalance decimal.Decimal // may be negative (an overdraft)
	OpeningDate    time.Time       // no line is dated before it
	AccountingCode string
	IsDefault      bool
	Balance        decimal.Decimal
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Normalize trims the text fields and writes the IBAN and BIC compact and in
// upper case, as the company settings have them.
func (a *BankAccount) Normalize() {
	for _, p := range []*string{&a.Ref, &a.Label, &a.AccountingCode} {
		*p = strings.TrimSpace(*p)
	}
	for _, p := range []*string{&a.IBAN, &a.BIC} {
		*p = strings.ToUpper(strings.Join(strings.Fields(*p), ""))
	}
	a.Currency = strings.ToUpper(strings.TrimSpace(a.Currency))
}

// Check validates the account's fields. Never nil.
func (a *BankAccount) Check() *ValidationError {
	v := &ValidationError{}
	checkCatalogRef(v, a.Ref)
	checkCatalogLabel(v, "label", a.Label, true)
	if a.IBAN != "" && !ValidIBAN(a.IBAN) {
		v.Add("iban", "must be an IBAN (country, check digits and account, mod-97 checked)")
	}
	if a.BIC != "" && !bicPattern.MatchString(a.BIC) {
		v.Add("bic", "must be a BIC of 8 or 11 letters and digits, such as BNPAFRPPXXX")
	}
	CheckCurrency(v, "currency", a.Currency)
	if ValidCurrency(a.Currency) {
		checkBankAmount(v, "opening_balance", a.OpeningBalance, a.Currency, true)
	}
	if a.OpeningDate.IsZero() {
		v.Add("opening_date", "is required")
	}
	checkLen(v, "accounting_code", a.AccountingCode, MaxAccountingCodeLen)
	return v
}

// checkBankAmount adds a field error unless d has at most the currency's
// decimals and fits a money column; zero is refused unless zeroOK. Signed.
func checkBankAmount(v *ValidationError, field string, d decimal.Decimal, currency string, zeroOK bool) bool {
	prec := CurrencyPrecision(currency)
	switch {
	case d.IsZero() && !zeroOK:
		v.Add(field, "must not be 0")
	case !d.Equal(d.Truncate(prec)):
		v.Add(field, "must have at most %d decimals in %s", prec, currency)
	case !d.Abs().LessThan(MaxAmount):
		v.Add(field, "must be less than %s in magnitude", MaxAmount)
	default:
		return true
	}
	return false
}

// BankAccountPatch is a partial update; nil fields stay as they are.
// Currency, OpeningBalance and OpeningDate change only while the account has
// no line. IsDefault can only be set (true): an account stops being the
// default when another becomes it.
type BankAccountPatch struct {
	Ref, Label, IBAN, BIC, Currency, AccountingCode *string
	OpeningBalance                                  *decimal.Decimal
	OpeningDate                                     *time.Time
	IsDefault                                       *bool
}

// Apply changes a as the patch says and validates the result; hasLines tells
// whether the account has lines, which freezes its currency and opening.
func (a *BankAccount) Apply(p BankAccountPatch, hasLines bool) error {
	if p.IsDefault != nil && !*p.IsDefault && a.IsDefault {
		return Invalid("is_default", "cannot be unset: make another account the default instead")
	}
	frozen := p.Currency != nil && !strings.EqualFold(strings.TrimSpace(*p.Currency), a.Currency) ||
		p.OpeningBalance != nil && !p.OpeningBalance.Equal(a.OpeningBalance) ||
		p.OpeningDate != nil && !p.OpeningDate.Equal(a.OpeningDate)
	if frozen && hasLines {
		return Conflictf("has-lines", "bank account %s has lines: its currency, opening balance and opening date can no longer change", a.Ref)
	}
	for _, f := range []struct{ dst, src *string }{
		{&a.Ref, p.Ref}, {&a.Label, p.Label}, {&a.IBAN, p.IBAN}, {&a.BIC, p.BIC},
		{&a.Currency, p.Currency}, {&a.AccountingCode, p.AccountingCode},
	} {
		patchField(f.dst, f.src)
	}
	patchField(&a.OpeningBalance, p.OpeningBalance)
	patchField(&a.OpeningDate, p.OpeningDate)
	if !hasLines {
		a.Balance = a.OpeningBalance
	}
	a.Normalize()
	return a.Check().OrNil()
}

// BankLineKind is what a bank line records.
type BankLineKind string

const (
	BankLinePayment  BankLineKind = "payment"  // a payment of an invoice or supplier invoice (or a refund)
	BankLineReversal BankLineKind = "reversal" // cancels the line of a deleted payment
	BankLineTransfer BankLineKind = "transfer" // one leg of a transfer between two accounts
)

// BankLine is one movement of money on a bank account. Lines are never
// changed nor deleted (except their reconciliation): a deleted payment
// leaves its line and a reversal line of the opposite amount.
//
// BalanceAfter is the account's balance right after the line was written:
// a running balance in the order of writing (the line ids), whatever the
// dates, so a back-dated line does not rewrite the lines written before it.
type BankLine struct {
	ID              int64
	AccountID       int64
	Date            time.Time
	Amount          decimal.Decimal // signed: money in is positive
	Label           string
	BalanceAfter    decimal.Decimal
	Kind            BankLineKind
	PaymentID       int64 // the payment it records (kept once the payment is deleted); 0 for none
	TransferID      int64 // the other leg of a transfer; 0 for none
	Reconciled      bool
	StatementLineID int64 // the statement line it is matched to; 0 for none
	CreatedBy       int64
	CreatedAt       time.Time
	Currency        string // the account's, not stored with the line
}

// Post writes line onto the account: checks its amount and date, moves the
// balance and sets the line's account and BalanceAfter. The account row must
// be locked.
func (a *BankAccount) Post(line *BankLine) error {
	v := &ValidationError{}
	checkBankAmount(v, "amount", line.Amount, a.Currency, false)
	if line.Date.Before(a.OpeningDate) {
		v.Add("date", "must not be before the opening date of bank account %s (%s)", a.Ref, a.OpeningDate.Format(time.DateOnly))
	}
	balance := a.Balance.Add(line.Amount)
	if !balance.Abs().LessThan(MaxAmount) {
		v.Add("amount", "would take the balance of bank account %s beyond %s", a.Ref, MaxAmount)
	}
	if err := v.OrNil(); err != nil {
		return err
	}
	a.Balance = balance
	line.AccountID, line.BalanceAfter, line.Currency = a.ID, balance, a.Currency
	line.Label = strings.TrimSpace(line.Label)
	if line.Label == "" {
		line.Label = string(line.Kind)
	}
	return nil
}

// PaymentBankAmount is the signed amount a payment of d moves on the bank:
// money received on an invoice or down payment and refunded to us on a
// supplier credit note is positive; money refunded on a credit note and paid
// on a supplier invoice is negative.
func PaymentBankAmount(d *Document, p *Payment) decimal.Decimal {
	switch d.Type {
	case DocCreditNote, DocSupplierInvoice:
		return p.Amount.Neg()
	}
	return p.Amount
}

// PaymentBankLine is the bank line of payment p of d, for account a. An
// account in the document's currency takes the amount as paid; an account in
// the company currency takes a foreign-currency payment converted at the
// payment's rate (as the bank converts it when crediting the account), so the
// line is what the statement will show. Any other pair is a 422 naming
// bank_account_id.
func PaymentBankLine(a *BankAccount, d *Document, p *Payment) (*BankLine, error) {
	amount, label := PaymentBankAmount(d, p), ""
	switch {
	case a.Currency == d.Currency:
	case a.Currency == d.FX.CompanyCurrency && p.FX.Rate.Valid:
		label = fmt.Sprintf(" (%s %s at %s)", p.Amount.StringFixed(CurrencyPrecision(d.Currency)), d.Currency, p.FX.Rate.Decimal)
		amount = DivMoney(amount, p.FX.Rate.Decimal, a.Currency)
	default:
		return nil, Invalid("bank_account_id", "bank account %s is in %s, %s is in %s", a.Ref, a.Currency, d.DisplayRef(), d.Currency)
	}
	verb := "Payment of"
	switch d.Type {
	case DocCreditNote, DocSupplierCreditNote:
		verb = "Refund of"
	}
	return &BankLine{
		Date: p.Date, Amount: amount, Label: verb + " " + d.DisplayRef() + label,
		Kind: BankLinePayment, PaymentID: p.ID, CreatedBy: p.CreatedBy, CreatedAt: p.CreatedAt,
	}, nil
}

// Reversal is the line that cancels l, dated on: the opposite amount. A
// reconciled line is on a bank statement: it cannot be taken back (409).
func (l *BankLine) Reversal(on time.Time, by int64, at time.Time) (*BankLine, error) {
	if l.Reconciled {
		return nil, Conflictf("reconciled", "bank line %d is reconciled with a bank statement: unmatch it first", l.ID)
	}
	return &BankLine{
		Date: on, Amount: l.Amount.Neg(), Label: fmt.Sprintf("Reversal of line %d: %s", l.ID, l.Label),
		Kind: BankLineReversal, PaymentID: l.PaymentID, CreatedBy: by, CreatedAt: at,
	}, nil
}

// BankTransfer moves Amount from one account to another. Between accounts
// of two currencies ToAmount is what the receiving account gets, in its
// currency, as the bank converted it (required then); between accounts of
// one currency it is zero (or Amount).
type BankTransfer struct {
	FromAccountID, ToAccountID int64
	Amount                     decimal.Decimal
	ToAmount                   decimal.Decimal
	Date                       time.Time
	Label                      string
}

// Check validates what the transfer holds by itself. Never nil.
func (t *BankTransfer) Check() *ValidationError {
	v := &ValidationError{}
	if t.FromAccountID <= 0 {
		v.Add("from_account_id", "is required")
	}
	if t.ToAccountID <= 0 {
		v.Add("to_account_id", "is required")
	} else if t.ToAccountID == t.FromAccountID {
		v.Add("to_account_id", "must differ from from_account_id")
	}
	if !t.Amount.IsPositive() {
		v.Add("amount", "must be greater than 0")
	}
	if t.ToAmount.IsNegative() {
		v.Add("to_amount", "must be greater than 0")
	}
	checkLen(v, "label", t.Label, MaxLabelLen)
	return v
}

// Lines posts the transfer on its two locked accounts and returns its two
// lines: from's (negative, Amount) and to's (positive: Amount, or ToAmount
// between two currencies). Between two currencies ToAmount is required (422
// naming to_account_id); in one currency it is Amount or nothing (422 naming
// to_amount).
func (t *BankTransfer) Lines(from, to *BankAccount, by int64, at time.Time) (*BankLine, *BankLine, error) {
	received := t.Amount
	switch {
	case from.Currency == to.Currency && !t.ToAmount.IsZero() && !t.ToAmount.Equal(t.Amount):
		return nil, nil, Invalid("to_amount", "must be left out or equal amount: both accounts are in %s", from.Currency)
	case from.Currency != to.Currency && t.ToAmount.IsZero():
		return nil, nil, Invalid("to_account_id", "bank account %s is in %s, %s in %s: a transfer between two currencies needs to_amount, the amount in %s that %s receives",
			to.Ref, to.Currency, from.Ref, from.Currency, to.Currency, to.Ref)
	case from.Currency != to.Currency:
		if v := (&ValidationError{}); !checkBankAmount(v, "to_amount", t.ToAmount, to.Currency, false) {
			return nil, nil, v
		}
		received = t.ToAmount
	}
	label := t.Label
	if label == "" {
		label = fmt.Sprintf("Transfer %s → %s", from.Ref, to.Ref)
	}
	out := &BankLine{Date: t.Date, Amount: t.Amount.Neg(), Label: label, Kind: BankLineTransfer, CreatedBy: by, CreatedAt: at}
	in := &BankLine{Date: t.Date, Amount: received, Label: label, Kind: BankLineTransfer, CreatedBy: by, CreatedAt: at}
	if err := from.Post(out); err != nil {
		return nil, nil, err
	}
	if err := to.Post(in); err != nil {
		return nil, nil, err
	}
	return out, in, nil
}

// ErrDuplicateBankRef reports a ref another bank account has.
func ErrDuplicateBankRef(ref string) error {
	return Conflictf("duplicate-ref", "bank account ref %q is already taken", ref)
}

// InCurrency gives every line of the page the account's currency, as they
// are read (a streamed page too).
func (a *BankAccount) InCurrency(p Page[*BankLine]) Page[*BankLine] {
	for _, l := range p.Items {
		l.Currency = a.Currency
	}
	if rows := p.Rows; rows != nil {
		p.Rows = func(yield func(*BankLine, error) bool) {
			for l, err := range rows {
				if l != nil {
					l.Currency = a.Currency
				}
				if !yield(l, err) {
					return
				}
			}
		}
	}
	return p
}

// BankAccountSortFields are the fields a bank-account list may be sorted by.
var BankAccountSortFields = []string{"id", "ref", "label", "currency", "created_at", "updated_at"}

// BankLineSortFields are the fields a bank-line list may be sorted by; the
// default, id, is the order of the running balance.
var BankLineSortFields = []string{"id", "date", "amount"}

// BankLineFilter selects the lines of one account, dated From to To
// included (zero: unbounded).
type BankLineFilter struct {
	ListQuery
	AccountID int64
	From, To  time.Time
}

// BankAccountReader is the read side of BankAccountRepository.
type BankAccountReader interface {
	// Get returns NotFound when no account has the id.
	Get(ctx context.Context, id int64) (*BankAccount, error)
	List(ctx context.Context, q ListQuery) (Page[*BankAccount], error)
	// Default returns the default account, NotFound when there is no
	// account at all.
	Default(ctx context.Context) (*BankAccount, error)
	// Count is the number of accounts.
	Count(ctx context.Context) (int64, error)
}

// BankAccountRepository stores bank accounts. In a unit of work, the account
// rows are locked after the documents, stock levels and numbering rows, and
// among themselves by id (LockMany): transfers both ways cannot deadlock.
type BankAccountRepository interface {
	BankAccountReader
	// Create inserts a and sets its ID, not the default (MakeDefault); a
	// taken ref is ErrDuplicateBankRef.
	Create(ctx context.Context, a *BankAccount) error
	// Lock is Get that also locks the row until the unit of work ends.
	Lock(ctx context.Context, id int64) (*BankAccount, error)
	// LockMany locks the rows in id order; NotFound names the first id
	// missing.
	LockMany(ctx context.Context, ids []int64) ([]*BankAccount, error)
	// Save writes the changeable fields (not IsDefault); a taken ref is
	// ErrDuplicateBankRef.
	Save(ctx context.Context, a *BankAccount) error
	// SaveBalance writes the balance of a locked account.
	SaveBalance(ctx context.Context, a *BankAccount) error
	// MakeDefault makes the account the default, and no other; another
	// account made the default at the same moment is a conflict.
	MakeDefault(ctx context.Context, id int64) error
	Delete(ctx context.Context, id int64) error
}

// BankLineReader is the read side of BankLineRepository.
type BankLineReader interface {
	List(ctx context.Context, f BankLineFilter) (Page[*BankLine], error)
	// OfPayment returns the payment line (kind payment) of a payment,
	// NotFound when it has none.
	OfPayment(ctx context.Context, paymentID int64) (*BankLine, error)
	// Unreconciled returns the unreconciled lines of an account dated from
	// to to included, by date then id.
	Unreconciled(ctx context.Context, accountID int64, from, to time.Time) ([]*BankLine, error)
	// Exists reports whether the account has any line.
	Exists(ctx context.Context, accountID int64) (bool, error)
}

// BankLineRepository stores bank lines: they are added, never changed but
// for their reconciliation.
type BankLineRepository interface {
	BankLineReader
	// Add inserts the lines and sets their IDs.
	Add(ctx context.Context, lines ...*BankLine) error
	// LinkTransfer sets the TransferID of the two added legs of a transfer
	// to each other's id.
	LinkTransfer(ctx context.Context, out, in *BankLine) error
	// LockLines locks the lines in id order and returns them; NotFound when
	// one is missing. The account rows are locked before their lines.
	LockLines(ctx context.Context, ids []int64) ([]*BankLine, error)
	// SetReconciled writes Reconciled and StatementLineID of a locked line.
	SetReconciled(ctx context.Context, l *BankLine) error
}

// BankBalancesQuery is the bank-balances report's: every account's balance
// at the end of Date.
type BankBalancesQuery struct {
	Date time.Time // midnight UTC
}

// BankBalance is one account's row of the bank-balances report: its opening
// balance (when opened by the date) plus its lines dated up to the date.
type BankBalance struct {
	AccountID int64
	Ref       string
	Label     string
	Currency  string
	Balance   decimal.Decimal
}

// CashFlowQuery is the cash-flow report's: money in and out of the lines
// dated From to To included, by month and currency; of one account when
// AccountID is set, else of every account without the transfers between
// them (which move no money in or out of the company).
type CashFlowQuery struct {
	From, To  time.Time // midnight UTC
	AccountID int64
}

// CashFlowPeriod is one row of the cash-flow report.
type CashFlowPeriod struct {
	Period   string // "2026-11"
	Currency string
	MoneyIn  decimal.Decimal // positive lines
	MoneyOut decimal.Decimal // negative lines, as a positive amount
}

// Net is money in less money out.
func (p CashFlowPeriod) Net() decimal.Decimal { return p.MoneyIn.Sub(p.MoneyOut) }

// Add adds o's amounts to p.
func (p *CashFlowPeriod) Add(o CashFlowPeriod) {
	p.MoneyIn = p.MoneyIn.Add(o.MoneyIn)
	p.MoneyOut = p.MoneyOut.Add(o.MoneyOut)
}
