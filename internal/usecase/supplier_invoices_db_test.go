package usecase_test

// Supplier invoices on every dialect: their own gapless numbering, the
// supplier's number unique per supplier among validated ones (enforced by
// the unique index, so racing validations cannot both pass), payments to
// paid, supplier credit notes within what remains, and the draft made from a
// purchase order's received quantities.
//
// To see the race test fail, drop ux_commercial_documents_supplier_ref from
// migration 11: every concurrent validation then succeeds.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

var supplierInvoices = []domain.DocType{domain.DocSupplierInvoice, domain.DocSupplierCreditNote}

// supplier creates a third party that is a supplier.
func (e *docEnv) supplier(t *testing.T, name string) int64 {
	t.Helper()
	tp, err := e.tps.Create(context.Background(), domain.ThirdParty{Name: name, IsSupplier: true})
	if err != nil {
		t.Fatal(err)
	}
	return tp.ID
}

// supplierDraft creates a supplier invoice of supplier dated on with one line
// of qty × price at 20 %.
func (e *docEnv) supplierDraft(t *testing.T, supplier int64, ref, on, qty, price string) *domain.Document {
	t.Helper()
	d, err := e.docs.Create(context.Background(), e.actor, domain.DocSupplierInvoice, domain.DraftInput{
		ThirdPartyID: supplier, SupplierRef: ref, Date: date(on),
		Lines: []domain.LineInput{{Description: "parts", Qty: num(qty), UnitPrice: numPtr(price), VATRate: numPtr("20")}},
	})
	if err != nil {
		t.Fatalf("create supplier invoice: %v", err)
	}
	return d
}

func TestSupplierInvoiceLifecycleOnEveryDialect(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newDocEnv(t, testdb.Migrated(t, d))
			ctx := context.Background()
			sup, other := e.supplier(t, "Parts Ltd"), e.supplier(t, "Bolts Inc")
			line := []domain.LineInput{{Description: "parts", Qty: num("1"), UnitPrice: numPtr("10"), VATRate: numPtr("20")}}

			// The supplier must exist and be a supplier: 422 on supplier_id.
			for _, id := range []int64{e.tp, 999999} {
				_, err := e.docs.Create(ctx, e.actor, domain.DocSupplierInvoice, domain.DraftInput{ThirdPartyID: id, Lines: line})
				if !slices.Equal(invalidFields(err), []string{"supplier_id"}) {
					t.Fatalf("third party %d: %v", id, err)
				}
			}
			docs := e.count(t, "commercial_documents")

			// No supplier_ref: 422, no number taken.
			d1 := e.supplierDraft(t, sup, "", "2031-01-10", "2", "50")
			if _, err := e.docs.Validate(ctx, e.actor, supplierInvoices, d1.ID, 0); !slices.Equal(invalidFields(err), []string{"supplier_ref"}) {
				t.Fatalf("validate without supplier_ref: %v", err)
			}
			if _, err := e.docs.Edit(ctx, supplierInvoices, d1.ID, domain.DraftPatch{ThirdPartyID: &e.tp}); !slices.Equal(invalidFields(err), []string{"supplier_id"}) {
				t.Fatalf("edit to a customer: %v", err)
			}
			ref := "F-118"
			if _, err := e.docs.Edit(ctx, supplierInvoices, d1.ID, domain.DraftPatch{SupplierRef: &ref}); err != nil {
				t.Fatal(err)
			}
			jobs := e.count(t, "jobs")
			v1 := e.validated(t, supplierInvoices, d1)
			if v1.Ref != "SI3101-0001" || v1.SupplierRef != "F-118" || v1.Status != domain.StatusValidated || v1.AmountDue().String() != "120" {
				t.Fatalf("validated %+v", v1)
			}
			if n := e.count(t, "jobs"); n != jobs {
				t.Fatalf("validating a supplier invoice enqueued %d jobs: it has no PDF of ours", n-jobs)
			}
			if _, err := e.docs.Validate(ctx, e.actor, supplierInvoices, d1.ID, 0); conflictCode(err) != "illegal-transition" {
				t.Fatalf("validating twice: %v", err)
			}
			// The sales resources do not see it.
			if _, err := e.docs.Validate(ctx, e.actor, invoices, d1.ID, 0); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("validate through /invoices: %v", err)
			}
			if _, err := e.docs.Convert(ctx, e.actor, domain.ActCreditNote, d1.ID); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("customer credit note of a supplier invoice: %v", err)
			}

			// The same supplier_ref of the same supplier: 409, the draft stays
			// a draft and the number is not consumed; another supplier may use it.
			d2 := e.supplierDraft(t, sup, "F-118", "2031-01-11", "1", "10")
			if _, err := e.docs.Validate(ctx, e.actor, supplierInvoices, d2.ID, 0); conflictCode(err) != "duplicate-supplier-ref" {
				t.Fatalf("duplicate supplier_ref: %v", err)
			}
			if got, _ := e.docs.Get(ctx, supplierInvoices, d2.ID); got.Status != domain.StatusDraft || got.Ref != "" {
				t.Fatalf("after the refused validation %s %q", got.Status, got.Ref)
			}
			d3 := e.supplierDraft(t, other, "F-118", "2031-01-12", "1", "10")
			if v := e.validated(t, supplierInvoices, d3); v.Ref != "SI3101-0002" {
				t.Fatalf("other supplier's F-118 got %s", v.Ref)
			}
			ref2 := "F-119"
			if _, err := e.docs.Edit(ctx, supplierInvoices, d2.ID, domain.DraftPatch{SupplierRef: &ref2}); err != nil {
				t.Fatal(err)
			}
			if v := e.validated(t, supplierInvoices, d2); v.Ref != "SI3101-0003" {
				t.Fatalf("numbers are gapless: %s", v.Ref)
			}

			// Payments: a draft cannot be paid, overpaying is refused, paying
			// all that is due settles it, deleting a payment reopens it.
			d4 := e.supplierDraft(t, sup, "F-200", "2031-01-13", "1", "10")
			if _, err := e.docs.AddPayment(ctx, e.actor, supplierInvoices, d4.ID, domain.Payment{Amount: num("1"), Method: domain.PayBankTransfer}); conflictCode(err) != "illegal-transition" {
				t.Fatalf("paying a draft: %v", err)
			}
			if _, err := e.docs.AddPayment(ctx, e.actor, invoices, v1.ID, domain.Payment{Amount: num("1"), Method: domain.PayBankTransfer}); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("paying a supplier invoice through /invoices: %v", err)
			}
			pays := e.count(t, "payments")
			if _, err := e.docs.AddPayment(ctx, e.actor, supplierInvoices, v1.ID, domain.Payment{Amount: num("120.01"), Method: domain.PayBankTransfer}); !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("overpayment: %v", err)
			}
			if n := e.count(t, "payments"); n != pays {
				t.Fatal("a refused payment was written")
			}
			p1, err := e.docs.AddPayment(ctx, e.actor, supplierInvoices, v1.ID, domain.Payment{Amount: num("100"), Method: domain.PayBankTransfer, Reference: "TR-1"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.docs.AddPayment(ctx, e.actor, supplierInvoices, v1.ID, domain.Payment{Amount: num("20"), Method: domain.PayCheck}); err != nil {
				t.Fatal(err)
			}
			if got, _ := e.docs.Get(ctx, supplierInvoices, v1.ID); got.Status != domain.StatusPaid || !got.AmountDue().IsZero() {
				t.Fatalf("after paying everything: %s due %s", got.Status, got.AmountDue())
			}
			if ps, err := e.docs.Payments(ctx, supplierInvoices, v1.ID); err != nil || len(ps) != 2 || ps[0].Reference != "TR-1" {
				t.Fatalf("payments %v %v", ps, err)
			}
			if err := e.docs.DeletePayment(ctx, supplierInvoices, v1.ID, p1.ID); err != nil {
				t.Fatal(err)
			}
			if got, _ := e.docs.Get(ctx, supplierInvoices, v1.ID); got.Status != domain.StatusValidated || got.AmountDue().String() != "100" {
				t.Fatalf("after deleting a payment: %s due %s", got.Status, got.AmountDue())
			}

			// Supplier credit notes: not of a draft; the whole invoice once,
			// then nothing remains to credit (409, no number taken).
			if _, err := e.docs.SupplierCreditNote(ctx, e.actor, d4.ID); conflictCode(err) != "illegal-transition" {
				t.Fatalf("crediting a draft: %v", err)
			}
			if _, err := e.docs.SupplierCreditNote(ctx, e.actor, e.draft(t, domain.DocInvoice, "2031-01-13", "1", "1").ID); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("supplier credit note of a customer invoice: %v", err)
			}
			cn1, err := e.docs.SupplierCreditNote(ctx, e.actor, v1.ID)
			if err != nil || cn1.Type != domain.DocSupplierCreditNote || cn1.SourceID != v1.ID || cn1.TotalGross.String() != "120" || cn1.ThirdPartyID != sup {
				t.Fatalf("credit note %+v: %v", cn1, err)
			}
			cn2, err := e.docs.SupplierCreditNote(ctx, e.actor, v1.ID)
			if err != nil {
				t.Fatal(err)
			}
			vcn := e.validated(t, supplierInvoices, cn1)
			if !strings.HasPrefix(vcn.Ref, "SA") || !strings.HasSuffix(vcn.Ref, "-0001") {
				t.Fatalf("supplier credit note number %q", vcn.Ref)
			}
			if _, err := e.docs.Validate(ctx, e.actor, supplierInvoices, cn2.ID, 0); conflictCode(err) != "credit-exceeds-invoice" {
				t.Fatalf("crediting more than remains: %v", err)
			}
			if err := e.docs.Delete(ctx, supplierInvoices, cn2.ID); err != nil {
				t.Fatal(err)
			}
			cn3, err := e.docs.SupplierCreditNote(ctx, e.actor, d2.ID)
			if err != nil {
				t.Fatal(err)
			}
			if v := e.validated(t, supplierInvoices, cn3); v.Ref != strings.TrimSuffix(vcn.Ref, "0001")+"0002" {
				t.Fatalf("the refused validation consumed a number: %s after %s", v.Ref, vcn.Ref)
			}
			// Drafts are deletable; every document made is accounted for.
			if err := e.docs.Delete(ctx, supplierInvoices, d4.ID); err != nil {
				t.Fatal(err)
			}
			page, err := e.docs.List(ctx, domain.DocumentFilter{Types: supplierInvoices, ThirdPartyID: sup}, domain.ListQuery{Limit: 50})
			if err != nil || page.Total != 4 { // v1, d2 and their credit notes
				t.Fatalf("list %d %v", page.Total, err)
			}
			if n := e.count(t, "commercial_documents"); n != docs+6 { // d1–d4, a customer invoice, three credit notes, less two deleted
				t.Fatalf("%d documents, want %d", n, docs+6)
			}
		})
	}
}

// Drafts carrying the same supplier_ref of the same supplier, validated at
// once: exactly one passes, the others are 409 duplicate-supplier-ref and
// stay drafts, and the numbers stay gapless.
func TestConcurrentValidationsWithTheSameSupplierRef(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newDocEnv(t, testdb.Migrated(t, d))
			ctx := context.Background()
			sup := e.supplier(t, "Parts Ltd")
			const rounds, n = 6, 4
			for round := range rounds {
				ref := fmt.Sprintf("INV-%d", round)
				drafts := make([]*domain.Document, n)
				for i := range drafts {
					drafts[i] = e.supplierDraft(t, sup, ref, "2031-02-01", "1", "10")
				}
				errs := run(n, func(i int) error {
					_, err := e.docs.Validate(ctx, e.actor, supplierInvoices, drafts[i].ID, 0)
					return err
				})
				ok := 0
				for _, err := range errs {
					switch {
					case err == nil:
						ok++
					case conflictCode(err) != "duplicate-supplier-ref":
						t.Fatalf("round %d: %v", round, err)
					}
				}
				if ok != 1 {
					t.Fatalf("round %d: %d validations with supplier_ref %s succeeded", round, ok, ref)
				}
				want := fmt.Sprintf("SI3102-%04d", round+1)
				for i, dr := range drafts {
					got, err := e.docs.Get(ctx, supplierInvoices, dr.ID)
					if err != nil {
						t.Fatal(err)
					}
					switch {
					case errs[i] == nil && (got.Status != domain.StatusValidated || got.Ref != want):
						t.Fatalf("round %d: the winner is %s %q, want %s", round, got.Status, got.Ref, want)
					case errs[i] != nil && (got.Status != domain.StatusDraft || got.Ref != ""):
						t.Fatalf("round %d: a loser is %s %q", round, got.Status, got.Ref)
					}
				}
			}
		})
	}
}

// purchaseOrder stores a purchase order as the purchasing side would, with
// its lines' received quantities (pairs of ordered, received).
func (e *docEnv) purchaseOrder(t *testing.T, supplier int64, status domain.DocStatus, ref string, qtys ...[2]string) *domain.Document {
	t.Helper()
	po := &domain.Document{
		Type: domain.DocPurchaseOrder, Status: status, Ref: ref, ThirdPartyID: supplier, Date: date("2031-03-01"),
		Currency: "EUR", AmountPaid: num("0"), CreatedBy: 1,
	}
	for i, q := range qtys {
		po.Lines = append(po.Lines, domain.Line{
			Description: fmt.Sprintf("item %d", i), Qty: num(q[0]), QtyReceived: num(q[1]),
			UnitPrice: num("12.5"), DiscountPercent: num("10"), VATRate: num("20"),
		})
	}
	po.Recompute(&domain.ValidationError{})
	err := e.uow.Do(context.Background(), func(ctx context.Context, r domain.Repositories) error {
		return r.Documents.Create(ctx, po)
	})
	if err != nil {
		t.Fatal(err)
	}
	return po
}

func TestInvoicePurchaseOrder(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newDocEnv(t, testdb.Migrated(t, d))
			ctx := context.Background()
			sup := e.supplier(t, "Parts Ltd")
			po := e.purchaseOrder(t, sup, domain.StatusValidated, "PO3103-0001", [2]string{"10", "4"}, [2]string{"5", "0"}, [2]string{"2", "2"})

			// Two at once: one draft, one 409.
			made := make([]*domain.Document, 3)
			errs := run(3, func(i int) error {
				var err error
				made[i], err = e.docs.InvoicePurchaseOrder(ctx, e.actor, po.ID)
				return err
			})
			var inv *domain.Document
			for i, err := range errs {
				switch {
				case err == nil && inv == nil:
					inv = made[i]
				case conflictCode(err) != "already-invoiced":
					t.Fatalf("concurrent invoicing: %v", err)
				}
			}
			if inv == nil {
				t.Fatal("no invoice drafted")
			}
			got, err := e.docs.Get(ctx, supplierInvoices, inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Type != domain.DocSupplierInvoice || got.Status != domain.StatusDraft || got.SourceID != po.ID || got.ThirdPartyID != sup || len(got.Lines) != 2 {
				t.Fatalf("drafted %+v", got)
			}
			if !got.Lines[0].Qty.Equal(num("4")) || !got.Lines[1].Qty.Equal(num("2")) || !got.Lines[0].UnitPrice.Equal(num("12.5")) ||
				!got.Lines[0].DiscountPercent.Equal(num("10")) || got.TotalNet.String() != "67.5" || got.TotalGross.String() != "81" {
				t.Fatalf("lines %+v total %s", got.Lines, got.TotalGross)
			}
			if stored, _ := e.docs.Get(ctx, []domain.DocType{domain.DocPurchaseOrder}, po.ID); !stored.Lines[0].QtyReceived.Equal(num("4")) {
				t.Fatalf("qty_received not stored: %+v", stored.Lines[0])
			}
			// Deleting the draft lets the order be invoiced again.
			if err := e.docs.Delete(ctx, supplierInvoices, inv.ID); err != nil {
				t.Fatal(err)
			}
			first, err := e.docs.InvoicePurchaseOrder(ctx, e.actor, po.ID)
			if err != nil {
				t.Fatalf("after deleting the draft: %v", err)
			}
			// The rest comes in: a second invoice bills it, and only it.
			if err := e.db.Gorm.Exec("UPDATE commercial_document_lines SET qty_received = qty WHERE document_id = ?", po.ID).Error; err != nil {
				t.Fatal(err)
			}
			second, err := e.docs.InvoicePurchaseOrder(ctx, e.actor, po.ID)
			if err != nil {
				t.Fatalf("invoicing the second reception: %v", err)
			}
			// 17 received at 11.25 net: 67.50 on the first, the rest on the second
			// (the order's lines are interchangeable: same price, no product).
			if first.TotalNet.String() != "67.5" || second.TotalNet.String() != "123.75" || second.SourceID != po.ID {
				t.Fatalf("first %s, second %s: %+v", first.TotalNet, second.TotalNet, second.Lines)
			}
			if _, err := e.docs.InvoicePurchaseOrder(ctx, e.actor, po.ID); conflictCode(err) != "already-invoiced" {
				t.Fatalf("all received invoiced: %v", err)
			}

			draftPO := e.purchaseOrder(t, sup, domain.StatusDraft, "", [2]string{"1", "0"})
			if _, err := e.docs.InvoicePurchaseOrder(ctx, e.actor, draftPO.ID); conflictCode(err) != "illegal-transition" {
				t.Fatalf("draft order: %v", err)
			}
			nothing := e.purchaseOrder(t, sup, domain.StatusValidated, "PO3103-0002", [2]string{"1", "0"})
			if _, err := e.docs.InvoicePurchaseOrder(ctx, e.actor, nothing.ID); conflictCode(err) != "nothing-received" {
				t.Fatalf("nothing received: %v", err)
			}
			if _, err := e.docs.InvoicePurchaseOrder(ctx, e.actor, e.draft(t, domain.DocOrder, "2031-03-01", "1", "1").ID); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("a sales order: %v", err)
			}
		})
	}
}
