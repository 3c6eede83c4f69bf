package domain

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// The buy side's invoices: what suppliers bill us, and what they credit back.
// They are documents like the sales ones (same table, lines, totals, payments
// and numbering), addressed to a supplier (ThirdPartyID, supplier_id on the
// wire) and carrying the supplier's own number (SupplierRef).
const (
	DocSupplierInvoice    DocType = "supplier_invoice"
	DocSupplierCreditNote DocType = "supplier_credit_note"
)

// MaxSupplierRefLen bounds a supplier's own document number (supplier_ref).
const MaxSupplierRefLen = 128

// IsSupplier reports whether documents of the type are addressed to a
// supplier: their third party must be one, and is supplier_id on the wire.
func (t DocType) IsSupplier() bool {
	return t == DocSupplierInvoice || t == DocSupplierCreditNote || t == DocPurchaseOrder
}

// PartyField is the wire name of the document's third party, for the fields
// of validation errors.
func (t DocType) PartyField() string {
	if t.IsSupplier() {
		return "supplier_id"
	}
	return "thirdparty_id"
}

// RendersPDF reports whether validating a document of the type renders and
// archives our PDF of it: not for supplier invoices and credit notes, which
// are the supplier's documents.
func (t DocType) RendersPDF() bool {
	return t != DocSupplierInvoice && t != DocSupplierCreditNote
}

// settles reports whether payments apply to the type: it has an amount due
// and is paid when nothing is.
func (t DocType) settles() bool {
	switch t {
	case DocInvoice, DocCreditNote, DocDownPayment, DocSupplierInvoice, DocSupplierCreditNote:
		return true
	}
	return false
}

// checkSupplierRef checks the supplier's number: only supplier invoices and
// credit notes carry one.
func (d *Document) checkSupplierRef(v *ValidationError) {
	if d.SupplierRef != "" && d.Type != DocSupplierInvoice && d.Type != DocSupplierCreditNote {
		v.Add("supplier_ref", "is only for supplier invoices and credit notes")
	}
	checkLen(v, "supplier_ref", d.SupplierRef, MaxSupplierRefLen)
}

// ErrDuplicateSupplierRef reports a supplier number already held by another
// validated document of the same type from the same supplier.
func ErrDuplicateSupplierRef(t DocType, ref string) error {
	return Conflictf("duplicate-supplier-ref", "the supplier's number %q is already on another validated %s of this supplier",
		ref, t)
}

// ErrAlreadyInvoiced refuses to draft a supplier invoice from a purchase
// order whose received quantities are all on its supplier invoices already.
func ErrAlreadyInvoiced(po *Document, last *Document) error {
	return Conflictf("already-invoiced", "everything received on purchase order %s is already invoiced (last: supplier invoice %s, %s): receive more first",
		po.DisplayRef(), last.DisplayRef(), last.Status)
}

// SupplierInvoiceFromOrder drafts the supplier invoice of what a purchase
// order received and its supplier invoices made so far (made: drafts
// included, so two drafts never bill the same goods) do not bill yet: one
// line per order line with something left (qty = received − invoiced,
// price, discount and VAT rate of the order line), dated today, linked to
// the order (leftToInvoice says how invoiced lines are matched to order
// lines). So an order received in two parts is invoiced in two parts. A draft order is 409 illegal-transition, one with nothing
// received 409 nothing-received, one whose receptions are all invoiced 409
// already-invoiced.
func SupplierInvoiceFromOrder(po *Document, made []*Document, today time.Time, createdBy int64) (*Document, error) {
	if po.Type != DocPurchaseOrder {
		return nil, fmt.Errorf("%s is not a purchase order: %w", po.Type, ErrInvalid)
	}
	if po.Status == StatusDraft {
		return nil, Conflictf("illegal-transition", "cannot invoice a purchase order %s: it is %s", po.DisplayRef(), po.Status)
	}
	due := today
	inv := &Document{
		Type: DocSupplierInvoice, Status: StatusDraft, ThirdPartyID: po.ThirdPartyID, Date: today, DueDate: &due,
		Currency: po.Currency, Note: po.Note, SourceID: po.ID, AmountPaid: decimal.Zero, CreatedBy: createdBy,
		Lines: []Line{}, FX: DocumentFX{CompanyCurrency: po.FX.CompanyCurrency},
	}
	left := leftToInvoice(po.Lines, made)
	anyReceived := false
	for i, l := range po.Lines {
		anyReceived = anyReceived || l.QtyReceived.IsPositive()
		if !left[i].IsPositive() {
			continue
		}
		inv.Lines = append(inv.Lines, Line{
			ProductID: l.ProductID, Description: l.Description, Qty: left[i],
			UnitPrice: l.UnitPrice, DiscountPercent: l.DiscountPercent, VATRate: l.VATRate,
		})
	}
	switch {
	case !anyReceived:
		return nil, Conflictf("nothing-received", "purchase order %s has nothing received to invoice", po.DisplayRef())
	case len(inv.Lines) == 0:
		return nil, ErrAlreadyInvoiced(po, made[len(made)-1])
	}
	v := &ValidationError{}
	inv.Recompute(v) // left to invoice ≤ received ≤ ordered: within the order's bounds
	return inv, v.OrNil()
}

// leftToInvoice returns, for each order line, what it received that the
// invoices made do not bill. Invoice lines carry no order line id, so an
// invoiced quantity is matched first to the order's lines of the same
// product at the same price and discount (the lines it was drafted from,
// which bill the same money), in line order, each taking up to what it
// received; what is left of it (a draft whose price was edited) then to any
// line of the product with something left. Quantities billed beyond what
// was received are ignored.
func leftToInvoice(lines []Line, made []*Document) []decimal.Decimal {
	type key struct {
		product         int64
		price, discount string
	}
	keyOf := func(l Line) key {
		return key{l.ProductID, l.UnitPrice.String(), l.DiscountPercent.String()}
	}
	byKey := map[key]decimal.Decimal{}
	for _, m := range made {
		for _, l := range m.Lines {
			byKey[keyOf(l)] = byKey[keyOf(l)].Add(l.Qty)
		}
	}
	left := make([]decimal.Decimal, len(lines))
	for i, l := range lines {
		left[i] = l.QtyReceived
	}
	take := func(i int, from *decimal.Decimal) {
		n := decimal.Max(decimal.Min(left[i], *from), decimal.Zero)
		left[i], *from = left[i].Sub(n), from.Sub(n)
	}
	for i, l := range lines {
		k := keyOf(l)
		v := byKey[k]
		take(i, &v)
		byKey[k] = v
	}
	byProduct := map[int64]decimal.Decimal{}
	for k, v := range byKey {
		byProduct[k.product] = byProduct[k.product].Add(v)
	}
	for i, l := range lines {
		v := byProduct[l.ProductID]
		take(i, &v)
		byProduct[l.ProductID] = v
	}
	return left
}
