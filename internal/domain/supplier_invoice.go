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

// ErrAlreadyInvoiced refuses to draft a second supplier invoice from a
// purchase order.
func ErrAlreadyInvoiced(po *Document, inv *Document) error {
	return Conflictf("already-invoiced", "purchase order %s already has supplier invoice %s (%s): delete the draft or invoice later receptions by hand",
		po.DisplayRef(), inv.DisplayRef(), inv.Status)
}

// SupplierInvoiceFromOrder drafts the supplier invoice of a purchase order's
// received quantities: one line per order line received (qty = received,
// price, discount and VAT rate of the order line), dated today, linked to
// the order. A draft order is 409 illegal-transition, one with nothing
// received 409 nothing-received. That the order is invoiced once is for the
// caller to check (ErrAlreadyInvoiced).
func SupplierInvoiceFromOrder(po *Document, today time.Time, createdBy int64) (*Document, error) {
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
		Lines: []Line{},
	}
	for _, l := range po.Lines {
		if !l.QtyReceived.IsPositive() {
			continue
		}
		inv.Lines = append(inv.Lines, Line{
			ProductID: l.ProductID, Description: l.Description, Qty: l.QtyReceived,
			UnitPrice: l.UnitPrice, DiscountPercent: l.DiscountPercent, VATRate: l.VATRate,
		})
	}
	if len(inv.Lines) == 0 {
		return nil, Conflictf("nothing-received", "purchase order %s has nothing received to invoice", po.DisplayRef())
	}
	v := &ValidationError{}
	inv.Recompute(v) // received ≤ ordered: within the order's bounds
	return inv, v.OrNil()
}
