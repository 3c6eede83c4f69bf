package domain

import "github.com/shopspring/decimal"

// PaymentFX is the exchange of a payment of a document in another currency
// than the company's (docs/architecture.md, "Rounding and exchange
// differences"). Both are null on a payment of a document validated before
// exchange rates existed (it has no rate to compare with).
type PaymentFX struct {
	// Rate is the rate of the payment's date (1 in the company currency).
	Rate decimal.NullDecimal
	// Difference is the realized exchange gain (positive) or loss
	// (negative) of the company, in the company currency.
	Difference decimal.NullDecimal
	// CompanyCurrency is the currency of Difference; not stored (the
	// document's), set when the payment is read with its document.
	CompanyCurrency string
}

// bringsMoneyIn reports whether paying a document of the type brings money to
// the company: a customer paying an invoice, a supplier refunding a credit
// note. Refunding a customer or paying a supplier takes money out.
func (t DocType) bringsMoneyIn() bool {
	return t == DocInvoice || t == DocDownPayment || t == DocSupplierCreditNote
}

// HasRate reports whether the document's rate is known: the rate was fixed at
// its validation (or it is in the company currency).
func (d *Document) HasRate() bool { return d.FX.CompanyCurrency != "" && d.FX.Rate.Valid }

// SetExchange records on p, a payment of d (validated, its rate known), the
// rate of the payment's date and the realized exchange difference, in the
// company currency: the payment's amount converted at the payment's rate
// minus the same amount converted at the document's (each rounded to the
// company currency's minor unit) when the money comes in; the opposite when
// it goes out. Either way positive is a gain for the company. In the
// company currency both rates are 1 and the difference is 0.
func (d *Document) SetExchange(p *Payment, rate decimal.Decimal) {
	if !d.Foreign() {
		rate = one
	}
	booked := d.ToCompany(p.Amount)
	settled := DivMoney(p.Amount, rate, d.FX.CompanyCurrency)
	diff := settled.Sub(booked)
	if !d.Type.bringsMoneyIn() {
		diff = diff.Neg()
	}
	p.FX = PaymentFX{Rate: decimal.NewNullDecimal(rate), Difference: decimal.NewNullDecimal(diff), CompanyCurrency: d.FX.CompanyCurrency}
}
