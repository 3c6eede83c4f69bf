package domain

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// A supplier invoice lives as an invoice does: draft → validated ⇄ paid,
// credited by a supplier credit note, but validated only with the
// supplier's own number, and its errors name supplier_id.
func TestSupplierInvoiceLifecycle(t *testing.T) {
	if _, err := NewDraft(DocSupplierInvoice, DraftInput{Lines: []LineInput{line("1", "10", "0", "20")}}, day, "EUR", 7); !slices.Equal(fieldsOf(err), []string{"supplier_id"}) {
		t.Fatalf("draft without supplier: %v", err)
	}
	if _, err := NewDraft(DocInvoice, DraftInput{ThirdPartyID: 1, SupplierRef: "X"}, day, "EUR", 7); !slices.Equal(fieldsOf(err), []string{"supplier_ref"}) {
		t.Fatalf("customer invoice with a supplier_ref: %v", err)
	}
	if _, err := NewDraft(DocSupplierInvoice, DraftInput{ThirdPartyID: 1, SupplierRef: strings.Repeat("é", MaxSupplierRefLen+1)}, day, "EUR", 7); !slices.Equal(fieldsOf(err), []string{"supplier_ref"}) {
		t.Fatalf("supplier_ref too long: %v", err)
	}
	si := draft(t, DocSupplierInvoice, "EUR", line("2", "50", "0", "20"))
	si.ID = 3
	if si.DueDate == nil || !si.DueDate.Equal(day) || si.TotalGross.String() != "120" {
		t.Fatalf("draft %+v", si)
	}
	zero := int64(0)
	if err := si.Edit(DraftPatch{ThirdPartyID: &zero}); !slices.Equal(fieldsOf(err), []string{"supplier_id"}) {
		t.Fatalf("edit to supplier 0: %v", err)
	}
	si.ThirdPartyID = 1
	if err := si.CheckValidate(); !slices.Equal(fieldsOf(err), []string{"supplier_ref"}) {
		t.Fatalf("validate without supplier_ref: %v", err)
	}
	ref := "F-2026-118"
	if err := si.Edit(DraftPatch{SupplierRef: &ref}); err != nil || si.SupplierRef != ref {
		t.Fatalf("set supplier_ref: %v", err)
	}
	if err := si.Validate("SI2611-0001", day); err != nil || si.Status != StatusValidated || si.Ref != "SI2611-0001" {
		t.Fatalf("validate: %v %+v", err, si)
	}
	var p *Problem
	if err := si.Validate("SI2611-0002", day); !errors.As(err, &p) || p.Code != "illegal-transition" {
		t.Fatalf("validating twice: %v", err)
	}
	if !si.Type.IsSupplier() || si.Type.RendersPDF() || DocSupplierCreditNote.RendersPDF() || !DocInvoice.RendersPDF() {
		t.Error("supplier documents are the supplier's: no PDF of ours")
	}

	cn, err := si.Convert(ActCreditNote, day, 9)
	if err != nil || cn.Type != DocSupplierCreditNote || cn.SourceID != 3 || cn.SupplierRef != "" || !cn.TotalGross.Equal(si.TotalGross) || si.Status != StatusValidated {
		t.Fatalf("credit note %+v: %v", cn, err)
	}
	if err := cn.CheckValidate(); err != nil {
		t.Fatalf("a supplier credit note needs no supplier_ref: %v", err)
	}
	if err := cn.CheckCredit(si, decimal.RequireFromString("0.01")); !errors.As(err, &p) || p.Code != "credit-exceeds-invoice" {
		t.Fatalf("credit beyond what remains: %v", err)
	}
	if err := cn.CheckCredit(si, decimal.Zero); err != nil {
		t.Fatalf("credit of the whole invoice: %v", err)
	}
	if cn.Unconvert(DocSupplierCreditNote) || si.Unconvert(DocSupplierCreditNote) {
		t.Error("a credit note leaves its invoice's status alone")
	}

	if err := si.AddPayment(&Payment{Amount: decimal.RequireFromString("120.01"), Method: PayBankTransfer}); !errors.As(err, &p) || p.Code != "overpayment" || !errors.Is(err, ErrInvalid) {
		t.Fatalf("overpayment: %v", err)
	}
	if err := si.AddPayment(&Payment{Amount: decimal.RequireFromString("120"), Method: PayBankTransfer}); err != nil || si.Status != StatusPaid {
		t.Fatalf("pay in full: %v %s", err, si.Status)
	}
	d := draft(t, DocSupplierInvoice, "EUR", line("1", "1", "0", "0"))
	if err := d.AddPayment(&Payment{Amount: decimal.RequireFromString("1"), Method: PayCash}); !errors.As(err, &p) || p.Code != "illegal-transition" {
		t.Fatalf("paying a draft: %v", err)
	}
	if _, err := d.Convert(ActCreditNote, day, 9); !errors.As(err, &p) || p.Code != "illegal-transition" {
		t.Fatalf("crediting a draft: %v", err)
	}
}

// A purchase order's received quantities make the supplier invoice's lines,
// at the order lines' prices; nothing received, or a draft order, is 409.
func TestSupplierInvoiceFromOrder(t *testing.T) {
	po := &Document{ID: 8, Type: DocPurchaseOrder, Status: StatusValidated, Ref: "PO2611-0001", ThirdPartyID: 4, Currency: "EUR", Lines: []Line{
		{ProductID: 1, Description: "bolts", Qty: dec("10"), UnitPrice: dec("2.5"), DiscountPercent: dec("10"), VATRate: dec("20"), QtyReceived: dec("4")},
		{ProductID: 2, Description: "nuts", Qty: dec("5"), UnitPrice: dec("1"), VATRate: dec("20"), QtyReceived: decimal.Zero},
	}}
	inv, err := SupplierInvoiceFromOrder(po, nil, day, 9)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Type != DocSupplierInvoice || inv.Status != StatusDraft || inv.SourceID != 8 || inv.ThirdPartyID != 4 || len(inv.Lines) != 1 {
		t.Fatalf("invoice %+v", inv)
	}
	if l := inv.Lines[0]; !l.Qty.Equal(dec("4")) || !l.UnitPrice.Equal(dec("2.5")) || !l.DiscountPercent.Equal(dec("10")) || l.TotalNet.String() != "9" || !l.QtyReceived.IsZero() {
		t.Fatalf("line %+v", l)
	}
	if inv.TotalGross.String() != "10.8" {
		t.Fatalf("total %s", inv.TotalGross)
	}
	var p *Problem
	po.Lines[0].QtyReceived = decimal.Zero
	if _, err := SupplierInvoiceFromOrder(po, nil, day, 9); !errors.As(err, &p) || p.Code != "nothing-received" {
		t.Fatalf("nothing received: %v", err)
	}
	po.Status = StatusDraft
	if _, err := SupplierInvoiceFromOrder(po, nil, day, 9); !errors.As(err, &p) || p.Code != "illegal-transition" {
		t.Fatalf("draft order: %v", err)
	}
	if _, err := SupplierInvoiceFromOrder(&Document{Type: DocOrder}, nil, day, 9); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a sales order: %v", err)
	}
}

// An order received in two parts is invoiced in two parts: the second
// invoice bills what the first (a draft counts) does not, line by line at
// each line's price; when nothing is left it is 409 already-invoiced.
func TestSupplierInvoiceFromOrderInParts(t *testing.T) {
	po := &Document{ID: 8, Type: DocPurchaseOrder, Status: StatusPartiallyReceived, Ref: "PO2611-0001", ThirdPartyID: 4, Currency: "EUR", Lines: []Line{
		{ProductID: 1, Description: "bolts", Qty: dec("10"), UnitPrice: dec("2"), VATRate: dec("20"), QtyReceived: dec("4")},
		{ProductID: 2, Description: "nuts", Qty: dec("5"), UnitPrice: dec("1"), VATRate: dec("20"), QtyReceived: dec("5")},
		{ProductID: 1, Description: "bolts, again", Qty: dec("3"), UnitPrice: dec("3"), VATRate: dec("20"), QtyReceived: dec("1")},
	}}
	first, err := SupplierInvoiceFromOrder(po, nil, day, 9)
	if err != nil || len(first.Lines) != 3 {
		t.Fatalf("first: %v %+v", err, first)
	}
	po.Lines[0].QtyReceived, po.Lines[2].QtyReceived = dec("10"), dec("3") // the rest came in
	second, err := SupplierInvoiceFromOrder(po, []*Document{first}, day, 9)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range second.Lines {
		got = append(got, l.Description+" "+l.Qty.String()+" × "+l.UnitPrice.String())
	}
	if want := []string{"bolts 6 × 2", "bolts, again 2 × 3"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("second invoice lines %q, want %q", got, want)
	}
	// A first invoice edited to bill more bolts than the first line received:
	// the excess is taken from the next bolts line.
	first.Lines[0].Qty = dec("11")
	third, err := SupplierInvoiceFromOrder(po, []*Document{first}, day, 9)
	if err != nil || len(third.Lines) != 1 || third.Lines[0].Description != "bolts, again" || third.Lines[0].Qty.String() != "1" {
		t.Fatalf("after an over-billing first invoice: %v %+v", err, third)
	}
	var p *Problem
	if _, err := SupplierInvoiceFromOrder(po, []*Document{first, second}, day, 9); !errors.As(err, &p) || p.Code != "already-invoiced" {
		t.Fatalf("all invoiced: %v", err)
	}
}
