package domain

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// DocType is the kind of a commercial document. Invoices and credit notes
// share the /invoices resource but have their own numbering; supplier
// invoices and supplier credit notes (supplier_invoice.go) share
// /supplier-invoices the same way.
type DocType string

const (
	DocProposal   DocType = "proposal"
	DocOrder      DocType = "order"
	DocInvoice    DocType = "invoice"
	DocCreditNote DocType = "credit_note"
	// DocPurchaseOrder is an order to a supplier: the same document shape,
	// its third party a supplier, its lines received into stock.
	DocPurchaseOrder DocType = "purchase_order"
)

// DocTypes lists every document type, in the order of the commercial chain,
// the sales side first.
func DocTypes() []DocType {
	return []DocType{DocProposal, DocOrder, DocInvoice, DocCreditNote, DocDownPayment, DocPurchaseOrder, DocSupplierInvoice, DocSupplierCreditNote}
}

// DocStatus is the lifecycle state of a document.
type DocStatus string

const (
	StatusDraft     DocStatus = "draft"     // editable and deletable; provisional ref
	StatusValidated DocStatus = "validated" // definitive number; frozen
	StatusAccepted  DocStatus = "accepted"  // proposal signed by the customer
	StatusRefused   DocStatus = "refused"   // proposal declined
	StatusOrdered   DocStatus = "ordered"   // proposal turned into an order
	StatusInvoiced  DocStatus = "invoiced"  // order turned into an invoice
	StatusPaid      DocStatus = "paid"      // invoice or credit note settled: amount due is zero

	StatusPartiallyReceived DocStatus = "partially_received" // purchase order: some of its lines received
	StatusReceived          DocStatus = "received"           // purchase order: every line received in full
	StatusCancelled         DocStatus = "cancelled"          // purchase order withdrawn before anything was received
)

// Action is something done to a document; each is allowed from some statuses.
type Action string

const (
	ActEdit       Action = "edit"
	ActDelete     Action = "delete"
	ActValidate   Action = "validate"
	ActAccept     Action = "accept"
	ActRefuse     Action = "refuse"
	ActOrder      Action = "order"
	ActInvoice    Action = "invoice"
	ActCreditNote Action = "credit"
	ActPay        Action = "pay"
	ActUnpay      Action = "delete a payment of"
	ActCancel     Action = "cancel"
	ActReceive    Action = "receive goods of"
	// ActDownPayment draws a down-payment invoice on an order (down_payment.go).
	ActDownPayment Action = "take a down payment on"
	// ActShip sends goods of an order (shipments.go).
	ActShip Action = "ship goods of"
)

var (
	draftOnly = []DocStatus{StatusDraft}
	settling  = []DocStatus{StatusValidated, StatusPaid}
)

// lifecycle is the whole state machine: the statuses each action is allowed
// from, per type. Anything not listed is an illegal transition (409). A
// payment on a paid document is allowed here and refused by the amount check
// (overpayment, 422).
var lifecycle = map[DocType]map[Action][]DocStatus{
	DocProposal: {
		ActEdit: draftOnly, ActDelete: draftOnly, ActValidate: draftOnly,
		ActAccept: {StatusValidated}, ActRefuse: {StatusValidated}, ActOrder: {StatusAccepted},
	},
	// An order ships once validated, before or after it is invoiced: with
	// DOLIGO_STOCK_TRIGGER=shipment its goods leave only with its shipments,
	// so an order invoiced first must still be able to ship.
	DocOrder: {
		ActEdit: draftOnly, ActDelete: draftOnly, ActValidate: draftOnly,
		ActInvoice:     {StatusValidated},
		ActDownPayment: {StatusValidated},
		ActShip:        {StatusValidated, StatusInvoiced},
	},
	DocInvoice: {
		ActEdit: draftOnly, ActDelete: draftOnly, ActValidate: draftOnly,
		ActCreditNote: settling, ActPay: settling, ActUnpay: settling,
	},
	DocCreditNote: {
		ActEdit: draftOnly, ActDelete: draftOnly, ActValidate: draftOnly,
		ActPay: settling, ActUnpay: settling,
	},
	DocDownPayment: {
		ActEdit: draftOnly, ActDelete: draftOnly, ActValidate: draftOnly,
		ActCreditNote: settling, ActPay: settling, ActUnpay: settling,
	},
	// A validated purchase order has received nothing (the first reception
	// makes it partially_received), so it can be cancelled; once goods came
	// in it cannot.
	DocPurchaseOrder: {
		ActEdit: draftOnly, ActDelete: draftOnly, ActValidate: draftOnly,
		ActCancel:  {StatusDraft, StatusValidated},
		ActReceive: {StatusValidated, StatusPartiallyReceived},
	},
	DocSupplierInvoice: {
		ActEdit: draftOnly, ActDelete: draftOnly, ActValidate: draftOnly,
		ActCreditNote: settling, ActPay: settling, ActUnpay: settling,
	},
	DocSupplierCreditNote: {
		ActEdit: draftOnly, ActDelete: draftOnly, ActValidate: draftOnly,
		ActPay: settling, ActUnpay: settling,
	},
}

// Statuses lists the statuses a document of the type can be in.
func (t DocType) Statuses() []DocStatus {
	switch t {
	case DocProposal:
		return []DocStatus{StatusDraft, StatusValidated, StatusAccepted, StatusRefused, StatusOrdered}
	case DocOrder:
		return []DocStatus{StatusDraft, StatusValidated, StatusInvoiced}
	case DocInvoice, DocCreditNote, DocDownPayment, DocSupplierInvoice, DocSupplierCreditNote:
		return []DocStatus{StatusDraft, StatusValidated, StatusPaid}
	case DocPurchaseOrder:
		return []DocStatus{StatusDraft, StatusValidated, StatusPartiallyReceived, StatusReceived, StatusCancelled}
	}
	return nil
}

// Limits of document input. Quantities, prices and rates share the catalog's
// columns and checks (precision.go); amounts are NUMERIC(24,6).
const (
	// DefaultMaxLines is the default of DOLIGO_MAX_DOCUMENT_LINES, the most
	// lines a document may hold; the use case passes the configured value in
	// DraftInput.MaxLines and DraftPatch.MaxLines.
	DefaultMaxLines   = 5000
	MaxDescriptionLen = 4000
	MaxNoteLen        = 10000
	// MaxCustomerRefLen bounds the customer's own reference of a document.
	MaxCustomerRefLen = 128
)

var (
	hundred = decimal.NewFromInt(100)
	// MaxAmount bounds every line and document total (15 integer digits), so
	// that totals fit the amount columns whatever the quantities and prices.
	MaxAmount = decimal.New(1, 15)
)

// Line is a row of a document: a product (ProductID > 0) or free text.
type Line struct {
	ID              int64
	ProductID       int64 // 0 for a free-text line
	Description     string
	Qty             decimal.Decimal
	UnitPrice       decimal.Decimal // net, before discount
	DiscountPercent decimal.Decimal
	VATRate         decimal.Decimal // percent
	TotalNet        decimal.Decimal
	TotalVAT        decimal.Decimal
	TotalGross      decimal.Decimal
	// QtyReceived is what receptions brought in of a purchase order line;
	// zero on every other document.
	QtyReceived decimal.Decimal
	// DownPaymentID, on a final invoice, marks a deduction line: the
	// down-payment invoice it deducts (down_payment.go); 0 on every other line.
	DownPaymentID int64
	// QtyShipped is what shipments sent of a customer order line; zero on
	// every other document.
	QtyShipped decimal.Decimal
}

// compute sets the line's totals by the rounding rule of docs/architecture.md:
// net = qty × unit price × (1 − discount/100), rounded half-up to the
// currency's precision; VAT = rounded net × rate/100, rounded the same way;
// gross = net + VAT. Shift(-2) divides by 100 exactly.
func (l *Line) compute(currency string) {
	net := l.Qty.Mul(l.UnitPrice).Mul(hundred.Sub(l.DiscountPercent)).Shift(-2)
	l.TotalNet = RoundMoney(net, currency)
	l.TotalVAT = RoundMoney(l.TotalNet.Mul(l.VATRate).Shift(-2), currency)
	l.TotalGross = l.TotalNet.Add(l.TotalVAT)
}

// LineInput is a line as a client sends it. For a product line, a nil unit
// price or VAT rate and an empty description are filled from the product
// before the line is built.
type LineInput struct {
	ProductID       int64
	Description     string
	Qty             decimal.Decimal
	UnitPrice       *decimal.Decimal
	DiscountPercent decimal.Decimal
	VATRate         *decimal.Decimal
}

// ProductLineDefaults is what a product line takes from its product when the
// client leaves it out.
type ProductLineDefaults struct {
	Label     string
	UnitPrice decimal.Decimal
	VATRate   decimal.Decimal
}

// FillFromProduct completes the line with the product's label, price and rate
// where the client left them out.
func (in *LineInput) FillFromProduct(p ProductLineDefaults) {
	if in.Description == "" {
		in.Description = p.Label
	}
	if in.UnitPrice == nil {
		in.UnitPrice = &p.UnitPrice
	}
	if in.VATRate == nil {
		in.VATRate = &p.VATRate
	}
}

// buildLines checks inputs and turns them into lines (totals not yet
// computed). Field names are "lines[i].field".
func buildLines(v *ValidationError, in []LineInput, maxLines int) []Line {
	if maxLines <= 0 {
		maxLines = DefaultMaxLines
	}
	if len(in) > maxLines {
		v.Add("lines", "must hold at most %d lines", maxLines)
		return nil
	}
	lines := make([]Line, len(in))
	for i, l := range in {
		f := func(name string) string { return fmt.Sprintf("lines[%d].%s", i, name) }
		if l.ProductID < 0 {
			v.Add(f("product_id"), "must be greater than 0")
		}
		if l.ProductID == 0 && l.Description == "" {
			v.Add(f("description"), "is required on a line without product_id")
		}
		checkLen(v, f("description"), l.Description, MaxDescriptionLen)
		if !l.Qty.IsPositive() {
			v.Add(f("qty"), "must be greater than 0")
		} else {
			CheckQty(v, f("qty"), l.Qty)
		}
		if l.UnitPrice == nil {
			v.Add(f("unit_price"), "is required")
		} else {
			CheckMoney(v, f("unit_price"), *l.UnitPrice)
		}
		CheckRate(v, f("discount_percent"), l.DiscountPercent)
		if l.VATRate == nil {
			v.Add(f("vat_rate"), "is required")
		} else {
			CheckRate(v, f("vat_rate"), *l.VATRate)
		}
		lines[i] = Line{ProductID: l.ProductID, Description: l.Description, Qty: l.Qty, DiscountPercent: l.DiscountPercent}
		if l.UnitPrice != nil {
			lines[i].UnitPrice = *l.UnitPrice
		}
		if l.VATRate != nil {
			lines[i].VATRate = *l.VATRate
		}
	}
	return lines
}

// VATAmount is one row of a document's VAT breakdown.
type VATAmount struct {
	Rate   decimal.Decimal
	Base   decimal.Decimal // sum of the net totals of the lines at that rate
	Amount decimal.Decimal // sum of their VAT
}

// Document is a proposal, order, invoice or credit note with its lines.
type Document struct {
	ID           int64
	Type         DocType
	Ref          string // definitive number; "" while a draft
	Status       DocStatus
	ThirdPartyID int64      // the customer, or the supplier on the buy side
	SupplierRef  string     // buy side: the supplier's own number of the document; "" elsewhere
	CustomerRef  string     // sales side: the customer's own reference (its order number…), printed; "" if none
	ContactID    int64      // a contact of the third party the document is for, printed; 0 if none
	Date         time.Time  // midnight UTC; the number's period comes from it
	DueDate      *time.Time // proposals: end of validity; orders: delivery; invoices: payment
	Currency     string
	Note         string
	SourceID     int64 // the document this one was made from (proposal → order → invoice → credit note); 0 if none
	Lines        []Line
	TotalNet     decimal.Decimal
	TotalVAT     decimal.Decimal
	TotalGross   decimal.Decimal
	// FX is the exchange to the company currency (document_fx.go): the
	// company's currency, the document's rate to it and its totals converted.
	FX          DocumentFX
	AmountPaid  decimal.Decimal // payments (or refunds, on a credit note) recorded so far
	CreatedBy   int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ValidatedAt *time.Time
	// VATRegime is how VAT applies to the sale (vat_regime.go); domestic on
	// the buy side.
	VATRegime VATRegime
}

// DisplayRef is the definitive number, or "(PROV<id>)" for a draft, as in Dolibarr.
func (d *Document) DisplayRef() string {
	if d.Ref == "" {
		return fmt.Sprintf("(PROV%d)", d.ID)
	}
	return d.Ref
}

// AmountDue is what remains to be paid (or refunded): gross total minus payments.
func (d *Document) AmountDue() decimal.Decimal { return d.TotalGross.Sub(d.AmountPaid) }

// Can returns nil when the action is allowed in the document's status, or an
// ErrConflict ("illegal-transition") naming both.
func (d *Document) Can(a Action) error {
	if slices.Contains(lifecycle[d.Type][a], d.Status) {
		return nil
	}
	return Conflictf("illegal-transition", "cannot %s %s %s: it is %s", a, article(d.Type), d.DisplayRef(), d.Status)
}

func article(t DocType) string {
	switch t {
	case DocOrder, DocInvoice:
		return "an " + string(t)
	case DocCreditNote:
		return "a credit note"
	case DocDownPayment:
		return "a down-payment invoice"
	case DocPurchaseOrder:
		return "a purchase order"
	case DocSupplierInvoice:
		return "a supplier invoice"
	case DocSupplierCreditNote:
		return "a supplier credit note"
	}
	return "a " + string(t)
}

// Recompute sets every line total and the document totals from the lines;
// totals beyond MaxAmount are validation errors.
func (d *Document) Recompute(v *ValidationError) {
	d.TotalNet, d.TotalVAT = decimal.Zero, decimal.Zero
	for i := range d.Lines {
		l := &d.Lines[i]
		l.compute(d.Currency)
		if !l.TotalGross.LessThan(MaxAmount) {
			v.Add(fmt.Sprintf("lines[%d]", i), "total must be less than %s", MaxAmount)
		}
		d.TotalNet = d.TotalNet.Add(l.TotalNet)
		d.TotalVAT = d.TotalVAT.Add(l.TotalVAT)
	}
	d.TotalGross = d.TotalNet.Add(d.TotalVAT)
	if !d.TotalGross.LessThan(MaxAmount) {
		v.Add("lines", "document total must be less than %s", MaxAmount)
	}
	d.convertTotals(v)
}

// VATBreakdown sums the lines per VAT rate, lowest rate first. The VAT of a
// rate is the sum of its lines' rounded VAT, so the breakdown always adds up
// to the document's total VAT.
func (d *Document) VATBreakdown() []VATAmount {
	var out []VATAmount
	for _, l := range d.Lines {
		i := slices.IndexFunc(out, func(a VATAmount) bool { return a.Rate.Equal(l.VATRate) })
		if i < 0 {
			out = append(out, VATAmount{Rate: l.VATRate})
			i = len(out) - 1
		}
		out[i].Base = out[i].Base.Add(l.TotalNet)
		out[i].Amount = out[i].Amount.Add(l.TotalVAT)
	}
	slices.SortFunc(out, func(a, b VATAmount) int { return a.Rate.Cmp(b.Rate) })
	return out
}

// DraftInput is the content of a new draft.
type DraftInput struct {
	ThirdPartyID int64
	SupplierRef  string // buy side only
	CustomerRef  string
	ContactID    int64     // 0: none
	Date         time.Time // zero: today
	DueDate      *time.Time
	Currency     string // "": the configured default
	// CurrencyRate, on a document in another currency than the company's,
	// fixes its rate instead of the rate of its date at validation.
	CurrencyRate *decimal.Decimal
	Note         string
	Lines        []LineInput
	// MaxLines is the configured limit of lines (DOLIGO_MAX_DOCUMENT_LINES);
	// 0: DefaultMaxLines.
	MaxLines int
}

// NewDraft builds a draft of the given type, its totals computed. today is
// the date in the business's calendar; currency the configured default.
func NewDraft(t DocType, in DraftInput, today time.Time, currency string, createdBy int64) (*Document, error) {
	d := &Document{
		Type: t, Status: StatusDraft, ThirdPartyID: in.ThirdPartyID, SupplierRef: in.SupplierRef, Date: in.Date, DueDate: in.DueDate,
		CustomerRef: in.CustomerRef, ContactID: in.ContactID,
		Currency: in.Currency, Note: in.Note, AmountPaid: decimal.Zero, CreatedBy: createdBy,
		FX: DocumentFX{CompanyCurrency: currency},
	}
	if in.CurrencyRate != nil {
		d.FX.Rate = decimal.NewNullDecimal(*in.CurrencyRate)
	}
	if d.Date.IsZero() {
		d.Date = today
	}
	if d.Currency == "" {
		d.Currency = currency
	}
	if d.DueDate == nil && t.settles() {
		due := d.Date // due on receipt unless told otherwise
		d.DueDate = &due
	}
	v := &ValidationError{}
	if d.ThirdPartyID <= 0 {
		v.Add(t.PartyField(), "is required")
	}
	d.Lines = buildLines(v, in.Lines, in.MaxLines)
	d.checkHeader(v)
	if len(v.Fields) == 0 {
		d.Recompute(v)
	}
	return d, v.OrNil()
}

func (d *Document) checkHeader(v *ValidationError) {
	CheckCurrency(v, "currency", d.Currency)
	if d.DueDate != nil && d.DueDate.Before(d.Date) {
		v.Add("due_date", "must not be before date")
	}
	checkLen(v, "note", d.Note, MaxNoteLen)
	d.checkRate(v)
	d.checkSupplierRef(v)
	d.checkCustomerRef(v)
}

// DraftPatch is a partial update of a draft; nil fields stay as they are and
// Lines, when set, replaces every line.
type DraftPatch struct {
	ThirdPartyID *int64
	SupplierRef  *string // buy side only
	CustomerRef  *string
	ContactID    *int64 // 0 (or ClearContact) removes the contact
	ClearContact bool
	Date         *time.Time
	DueDate      *time.Time
	ClearDueDate bool
	Currency     *string
	// CurrencyRate sets the rate; nil with ClearCurrencyRate removes it (the
	// rate of the date applies at validation). A change of currency without
	// a rate removes it too: it was the old currency's.
	CurrencyRate      *decimal.Decimal
	ClearCurrencyRate bool
	Note              *string
	Lines             *[]LineInput
	MaxLines          int // as in DraftInput
}

// Edit applies p to a draft and recomputes the totals; ErrConflict when the
// document is no longer a draft, a ValidationError when p is invalid.
func (d *Document) Edit(p DraftPatch) error {
	if err := d.Can(ActEdit); err != nil {
		return err
	}
	v := &ValidationError{}
	d.checkDownPaymentPatch(v, p)
	if p.ThirdPartyID != nil {
		if *p.ThirdPartyID <= 0 {
			v.Add(d.Type.PartyField(), "must be greater than 0")
		}
		d.ThirdPartyID = *p.ThirdPartyID
	}
	if p.SupplierRef != nil {
		d.SupplierRef = *p.SupplierRef
	}
	if p.CustomerRef != nil {
		d.CustomerRef = *p.CustomerRef
	}
	if p.ClearContact {
		d.ContactID = 0
	}
	if p.ContactID != nil {
		d.ContactID = *p.ContactID
	}
	if p.Date != nil {
		// A due date the client does not set keeps its terms: it moves with the date.
		if p.DueDate == nil && !p.ClearDueDate && d.DueDate != nil && d.Type.DueByTerms() {
			due := DueAfter(*p.Date, d.TermsDays())
			d.DueDate = &due
		}
		d.Date = *p.Date
	}
	if p.ClearDueDate {
		d.DueDate = nil
	}
	if p.DueDate != nil {
		d.DueDate = p.DueDate
	}
	if p.Currency != nil && *p.Currency != d.Currency || p.ClearCurrencyRate {
		d.FX.Rate = decimal.NullDecimal{}
	}
	if p.Currency != nil {
		d.Currency = *p.Currency
	}
	if p.CurrencyRate != nil {
		d.FX.Rate = decimal.NewNullDecimal(*p.CurrencyRate)
	}
	if p.Note != nil {
		d.Note = *p.Note
	}
	if p.Lines != nil {
		// Deduction lines are not the client's to write (their prices are
		// negative): they stay, after the new lines.
		d.Lines = append(buildLines(v, *p.Lines, p.MaxLines), d.deductionLines()...)
	}
	d.checkHeader(v)
	if len(v.Fields) == 0 {
		d.Recompute(v)
	}
	return v.OrNil()
}

// Validate freezes a draft under its definitive number. A document without
// lines cannot be validated, nor a supplier invoice without the supplier's
// own number (422 on supplier_ref). An invoice or credit note of zero is
// settled at once: nothing is due.
func (d *Document) Validate(ref string, at time.Time) error {
	if err := d.Can(ActValidate); err != nil {
		return err
	}
	if len(d.Lines) == 0 {
		return Conflictf("empty-document", "cannot validate %s %s: it has no lines", article(d.Type), d.DisplayRef())
	}
	if d.Type == DocSupplierInvoice && d.SupplierRef == "" {
		return Invalid("supplier_ref", "is required to validate a supplier invoice: the supplier's own number of it")
	}
	d.Ref, d.Status, d.ValidatedAt = ref, StatusValidated, &at
	d.settle()
	return nil
}

// CheckValidate reports whether Validate would succeed, so that no number is
// taken for a validation bound to fail.
func (d *Document) CheckValidate() error {
	c := *d
	return c.Validate("-", time.Time{})
}

// settle sets paid or validated from the amount due.
func (d *Document) settle() {
	if !d.Type.settles() {
		return
	}
	if d.AmountDue().Sign() <= 0 {
		d.Status = StatusPaid
	} else {
		d.Status = StatusValidated
	}
}

// Accept records the customer's signature of a proposal.
func (d *Document) Accept() error { return d.move(ActAccept, StatusAccepted) }

// Refuse records that the customer declined a proposal.
func (d *Document) Refuse() error { return d.move(ActRefuse, StatusRefused) }

func (d *Document) move(a Action, to DocStatus) error {
	if err := d.Can(a); err != nil {
		return err
	}
	d.Status = to
	return nil
}

// conversion is one step of the chain: what action makes of a document of
// type from.
type conversion struct {
	a    Action
	from DocType
}

// conversions says, per action and source type, which type a document
// becomes and which status the source takes; a credit note leaves its
// invoice as it is.
var conversions = map[conversion]struct {
	to     DocType
	status DocStatus
}{
	{ActOrder, DocProposal}:             {DocOrder, StatusOrdered},
	{ActInvoice, DocOrder}:              {DocInvoice, StatusInvoiced},
	{ActCreditNote, DocInvoice}:         {DocCreditNote, ""},
	{ActCreditNote, DocDownPayment}:     {DocCreditNote, ""},
	{ActCreditNote, DocSupplierInvoice}: {DocSupplierCreditNote, ""},
}

// Convert makes the next document of the chain from d (proposal → order,
// order → invoice, invoice → credit note, supplier invoice → supplier credit
// note): a draft dated today with the same third party, currency and lines,
// linked to d, and moves d to its new status.
func (d *Document) Convert(a Action, today time.Time, createdBy int64) (*Document, error) {
	conv, ok := conversions[conversion{a, d.Type}]
	if !ok {
		return nil, fmt.Errorf("%s cannot %s: %w", d.Type, a, ErrInvalid)
	}
	if err := d.Can(a); err != nil {
		return nil, err
	}
	n := &Document{
		Type: conv.to, Status: StatusDraft, ThirdPartyID: d.ThirdPartyID, Date: today, Currency: d.Currency,
		Note: d.Note, SourceID: d.ID, AmountPaid: decimal.Zero, CreatedBy: createdBy,
		CustomerRef: d.CustomerRef, ContactID: d.ContactID,
		FX:    DocumentFX{CompanyCurrency: d.FX.CompanyCurrency}, // the rate is the new date's
		Lines: make([]Line, len(d.Lines)),
	}
	if conv.to.settles() {
		due := today
		n.DueDate = &due
	}
	for i, l := range d.Lines {
		l.ID = 0
		l.QtyShipped = decimal.Zero // the order's shipping, not the new document's
		n.Lines[i] = l
	}
	n.Recompute(&ValidationError{}) // same lines, same currency: same totals, within bounds
	if conv.status != "" {
		d.Status = conv.status
	}
	return n, nil
}

// Unconvert puts a source document back in the status it had before Convert
// when the draft made from it (of type made) is deleted, so that the proposal
// can be ordered, or the order invoiced, again. It reports whether d changed.
func (d *Document) Unconvert(made DocType) bool {
	for k, conv := range conversions {
		if k.from == d.Type && conv.to == made && conv.status != "" && d.Status == conv.status {
			d.Status = lifecycle[d.Type][k.a][0]
			return true
		}
	}
	return false
}

// CheckCredit refuses to validate a credit note that would take the credited
// total of its invoice beyond the invoice's gross total. alreadyCredited is
// the sum of the invoice's other validated credit notes.
func (d *Document) CheckCredit(invoice *Document, alreadyCredited decimal.Decimal) error {
	if limit := invoice.TotalGross.Sub(alreadyCredited); d.TotalGross.GreaterThan(limit) {
		return Conflictf("credit-exceeds-invoice", "credit note %s of %s exceeds what remains to credit on invoice %s (%s)",
			d.DisplayRef(), FormatMoney(d.TotalGross, d.Currency), invoice.DisplayRef(), FormatMoney(limit, invoice.Currency))
	}
	return nil
}

// DocumentFilter narrows a list of documents; zero values do not filter.
type DocumentFilter struct {
	Types        []DocType // required: the resource's types
	Status       DocStatus
	ThirdPartyID int64
	SourceID     int64 // documents made from this one (e.g. the credit notes of an invoice)
}

// DocumentReader is the read side of DocumentRepository: what a unit of work's Read hands
// out, which can neither lock nor write.
type DocumentReader interface {
	// Get returns the document with its lines, or a NotFound problem.
	Get(ctx context.Context, id int64) (*Document, error)
	// GetHeader is Get without the lines (Lines is empty): what another
	// document prints of it.
	GetHeader(ctx context.Context, id int64) (*Document, error)
	// List returns one page with every document's lines, in a number of
	// queries that does not depend on the page size.
	List(ctx context.Context, f DocumentFilter, q ListQuery) (Page[*Document], error)
	// CreditedTotal sums the gross totals of the validated (or settled)
	// credit notes (customer or supplier) made from the invoice, excluding
	// the one being validated.
	CreditedTotal(ctx context.Context, invoiceID, excludeID int64) (decimal.Decimal, error)
	// DeductingInvoices returns the ids of the invoices (drafts included)
	// having a deduction line of the down payment, in ascending order.
	DeductingInvoices(ctx context.Context, downPaymentID int64) ([]int64, error)
}

// DocumentRepository stores documents with their lines.
type DocumentRepository interface {
	DocumentReader
	// Create inserts the document and its lines and sets their IDs and times.
	Create(ctx context.Context, d *Document) error
	// Lock is Get holding the document row against concurrent changes until
	// the unit of work ends.
	Lock(ctx context.Context, id int64) (*Document, error)
	// LockWithLines is Lock holding the lines' rows as well, in as few round
	// trips as the database allows: for short documents under a hot lock
	// (receptions), not for long ones, whose every line it may lock.
	LockWithLines(ctx context.Context, id int64) (*Document, error)
	// LockToReceive is LockWithLines for a reception of the lines lineIDs
	// into warehouseID that also reads, in the same round trip and without
	// locking them, what the reception checks besides the order: which
	// products of the lines keep stock, and whether the warehouse exists;
	// and, where the database allows it in that round trip (MySQL), locks
	// the stock of the received lines' products after them (facts.Stock).
	// A reception then reads nothing before its order's lock but what every
	// write reads (the webhook subscriptions).
	LockToReceive(ctx context.Context, id, warehouseID int64, lineIDs []int64) (*Document, ReceivingFacts, error)
	// Update stores the header (status, ref, totals, amounts, dates…).
	Update(ctx context.Context, d *Document) error
	// ReplaceLines stores d.Lines in place of the stored ones and sets their IDs.
	ReplaceLines(ctx context.Context, d *Document) error
	// Delete removes the document and its lines.
	Delete(ctx context.Context, id int64) error
}
