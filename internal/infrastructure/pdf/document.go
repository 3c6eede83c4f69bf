// Package pdf renders commercial documents (proposals, orders, invoices,
// credit notes) as PDF with maroto v2. Everything it needs — fonts, logo,
// translations — is compiled in, and rendering stops as soon as its context
// is cancelled: a client that goes away costs nothing more.
package pdf

import (
	"time"

	"github.com/shopspring/decimal"
)

// Kind is the type of commercial document; it picks the title and labels.
type Kind string

// The kinds of document.
const (
	Proposal   Kind = "proposal"
	Order      Kind = "order"
	Invoice    Kind = "invoice"
	CreditNote Kind = "credit_note"
	// PurchaseOrder is addressed to a supplier and carries no payment terms.
	PurchaseOrder Kind = "purchase_order"
	// DownPayment is an invoice for part of an order, paid in advance.
	DownPayment Kind = "down_payment"
	// Shipment is the delivery note of a shipment of an order: quantities
	// ordered and delivered, no prices (delivery.go).
	Shipment Kind = "shipment"
)

func (k Kind) valid() bool {
	switch k {
	case Proposal, Order, Invoice, CreditNote, PurchaseOrder, DownPayment, Shipment:
		return true
	}
	return false
}

// partyLabel is the label of the addressee's block: the customer, or the
// supplier of a purchase order.
func (k Kind) partyLabel() string {
	if k == PurchaseOrder {
		return "supplier"
	}
	return "customer"
}

// hasPaymentTerms tells whether the company's payment terms (what its
// customers owe it) are printed: not on what it orders from a supplier.
func (k Kind) hasPaymentTerms() bool { return k != PurchaseOrder && k != Shipment }

// hasPayments tells whether the document has amounts paid and due to print.
func (k Kind) hasPayments() bool { return k == Invoice || k == CreditNote || k == DownPayment }

// Document is what gets printed: a plain view filled by the caller from the
// domain entity and the configuration. The renderer computes nothing that
// the domain owns (totals, rounding); it only writes them.
type Document struct {
	Kind     Kind
	Ref      string    // definitive number, or the draft's provisional one
	Date     time.Time // printed as a calendar date
	DueDate  time.Time // due date (invoice), validity (proposal), delivery (order); zero: not printed
	Currency string    // ISO 4217 code, printed beside every amount total

	Company  Party  // the issuer, from the company settings
	Logo     []byte // PNG; nil prints the embedded default logo
	Issuer   IssuerDetails
	Customer Party

	Lines []Line
	// VAT is the breakdown by rate as the domain computed it
	// (domain.Document.VATBreakdown); when empty no breakdown is printed.
	VAT []VATAmount

	TotalNet, TotalVAT, TotalGross decimal.Decimal
	AmountPaid, AmountDue          decimal.Decimal // printed for invoices and credit notes only

	PaymentTerms string // empty: the language's default text
	// VATMention is the label key (embed/i18n) of the legal mention of a
	// sale without VAT (domain.VATRegime.MentionKey), printed under the
	// totals; "" prints none.
	VATMention string

	// Exchange, on a document in another currency than the company's whose
	// rate is known, prints the rate and the VAT and total in the company
	// currency under the totals; nil: nothing.
	Exchange *Exchange

	// The order a delivery note (Shipment) delivers: printed in the header.
	OrderRef  string
	OrderDate time.Time
	// What the customer matches the document with, each printed when set.
	Note        string  // free text of the document, printed under the totals
	CustomerRef string  // the customer's own reference (its purchase order number)
	Contact     Contact // the person at the customer it is addressed to; zero: none
	Source      Source  // the document it was made from; zero: none
	// Paid marks a settled invoice (PAID) or a credit note refunded in full.
	Paid bool
}

// Exchange is a foreign-currency document's rate (units of its currency
// per one unit of Currency, the company's) and its totals converted.
type Exchange struct {
	Currency             string
	Rate                 decimal.Decimal
	TotalVAT, TotalGross decimal.Decimal
}

// Contact is the person a document is addressed to.
type Contact struct {
	Name     string
	Position string
	Email    string
	Phone    string
}

// Source is the document another was made from: the proposal of an order,
// the order of an invoice, the invoice a credit note corrects.
type Source struct {
	Kind Kind
	Ref  string
}

// Party is a name-and-address block.
type Party struct {
	Name    string
	Address string // one line per "\n"
	TaxID   string
	Email   string
	Phone   string
}

// Line is one row of the document.
type Line struct {
	Description     string // may hold several lines ("\n")
	Qty             decimal.Decimal
	UnitPrice       decimal.Decimal
	DiscountPercent decimal.Decimal
	VATRate         decimal.Decimal // percent: 20 means 20 %
	Net, VAT, Gross decimal.Decimal
	// Wording, when set, is printed in the document's language instead of
	// Description (down payments and their deductions, wording.go).
	Wording *Wording
	// Ordered is the order line's quantity, on a delivery note, where Qty is
	// what this shipment delivers of it.
	Ordered decimal.Decimal
}

// VATAmount is one rate of the VAT breakdown.
type VATAmount struct {
	Rate   decimal.Decimal // percent
	Base   decimal.Decimal // net amount taxed at Rate
	Amount decimal.Decimal
}

// asksPayment tells whether the document is an invoice the customer pays:
// an invoice or a down-payment invoice (due date, bank details, PAID mark).
func (k Kind) asksPayment() bool { return k == Invoice || k == DownPayment }
