package domain

import (
	"context"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// PaymentMethod is how a payment was made.
type PaymentMethod string

const (
	PayCash         PaymentMethod = "cash"
	PayCard         PaymentMethod = "card"
	PayBankTransfer PaymentMethod = "bank_transfer"
	PayCheck        PaymentMethod = "check"
	PayOther        PaymentMethod = "other"
)

// PaymentMethods lists the accepted methods.
func PaymentMethods() []PaymentMethod {
	return []PaymentMethod{PayCash, PayCard, PayBankTransfer, PayCheck, PayOther}
}

// MaxReferenceLen bounds a payment's reference (cheque number, transfer id…).
const MaxReferenceLen = 255

// Payment is money received for an invoice, or refunded for a credit note.
type Payment struct {
	ID         int64
	DocumentID int64
	Amount     decimal.Decimal
	Date       time.Time
	Method     PaymentMethod
	Reference  string
	// BankAccountID is the bank account the payment landed on (0: none,
	// when no account exists). Recording a payment without one takes the
	// default account.
	BankAccountID int64
	Currency      string    // the document's, not stored with the payment
	FX            PaymentFX // the exchange of a foreign-currency document's payment (payment_fx.go)
	CreatedBy     int64
	CreatedAt     time.Time
}

// Check validates the payment's own fields for a document in currency.
// Never nil.
func (p *Payment) Check(currency string) *ValidationError {
	v := &ValidationError{}
	prec := CurrencyPrecision(currency)
	switch {
	case p.Amount.Sign() <= 0:
		v.Add("amount", "must be greater than 0")
	case !p.Amount.Equal(p.Amount.Truncate(prec)):
		v.Add("amount", "must have at most %d decimals in %s", prec, currency)
	case !p.Amount.LessThan(MaxAmount):
		v.Add("amount", "must be less than %s", MaxAmount)
	}
	if !slices.Contains(PaymentMethods(), p.Method) {
		v.Add("method", "must be one of cash, card, bank_transfer, check, other")
	}
	checkLen(v, "reference", p.Reference, MaxReferenceLen)
	return v
}

// AddPayment records p against the document: a draft cannot be paid (409),
// more than the amount due is an overpayment (422), and reaching zero due
// settles the document.
func (d *Document) AddPayment(p *Payment) error {
	if err := p.Check(d.Currency).OrNil(); err != nil {
		return err
	}
	if err := d.Can(ActPay); err != nil {
		return err
	}
	if due := d.AmountDue(); p.Amount.GreaterThan(due) {
		return NewProblem(ErrInvalid, "overpayment", "payment of %s exceeds the amount due on %s (%s)",
			FormatMoney(p.Amount, d.Currency), d.DisplayRef(), FormatMoney(due, d.Currency))
	}
	p.DocumentID, p.Currency = d.ID, d.Currency
	d.AmountPaid = d.AmountPaid.Add(p.Amount)
	d.settle()
	return nil
}

// RemovePayment takes a deleted payment off the document, reopening it if it
// was settled.
func (d *Document) RemovePayment(p *Payment) error {
	if err := d.Can(ActUnpay); err != nil {
		return err
	}
	d.AmountPaid = d.AmountPaid.Sub(p.Amount)
	d.settle()
	return nil
}

// PaymentReader is the read side of PaymentRepository: what a unit of work's Read hands
// out, which can neither lock nor write.
type PaymentReader interface {
	Get(ctx context.Context, documentID, id int64) (*Payment, error)
	List(ctx context.Context, documentID int64) ([]*Payment, error)
}

// PaymentRepository stores payments. Every method is scoped to one document:
// a payment id of another document is not found.
type PaymentRepository interface {
	PaymentReader
	Add(ctx context.Context, p *Payment) error
	Delete(ctx context.Context, documentID, id int64) error
}
