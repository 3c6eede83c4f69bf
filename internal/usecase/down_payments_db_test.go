package usecase_test

// Down payments on every dialect: drafted from a validated order, validated
// under their own numbers, paid, deducted once from the order's final
// invoice, and no longer deducted once credited.

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

var invoicesAndDownPayments = []domain.DocType{domain.DocInvoice, domain.DocCreditNote, domain.DocDownPayment}

// order creates and validates an order with three lines at two VAT rates:
// 3 × 33.33 at 20 % and 1 × 19.99 at 5.5 % (gross 119.99 + 21.09 = 141.08).
func (e *docEnv) order(t *testing.T) *domain.Document {
	t.Helper()
	o, err := e.docs.Create(context.Background(), e.actor, domain.DocOrder, domain.DraftInput{
		ThirdPartyID: e.tp, Date: date("2026-12-01"),
		Lines: []domain.LineInput{
			{Description: "work", Qty: num("3"), UnitPrice: numPtr("33.33"), VATRate: numPtr("20")},
			{Description: "book", Qty: num("1"), UnitPrice: numPtr("19.99"), VATRate: numPtr("5.5")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return e.validated(t, orders, o)
}

func (e *docEnv) downPayment(t *testing.T, orderID int64, in domain.DownPaymentInput) *domain.Document {
	t.Helper()
	d, err := e.docs.DownPayment(context.Background(), e.actor, orderID, in)
	if err != nil {
		t.Fatalf("down payment of order %d: %v", orderID, err)
	}
	return d
}

func (e *docEnv) doc(t *testing.T, id int64) *domain.Document {
	t.Helper()
	d, err := e.docs.Get(context.Background(), append([]domain.DocType{domain.DocOrder}, invoicesAndDownPayments...), id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// deductions returns, per down payment id, how many deduction lines d has.
func deductions(d *domain.Document) map[int64]int {
	out := map[int64]int{}
	for _, l := range d.Lines {
		if l.DownPaymentID != 0 {
			out[l.DownPaymentID]++
			if !l.TotalNet.IsNegative() {
				panic("deduction line not negative")
			}
		}
	}
	return out
}

func fieldsOf(err error) []string {
	var ve *domain.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestDownPaymentsAndTheFinalInvoice(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newDocEnv(t, testdb.Migrated(t, d))
			ctx := context.Background()
			o := e.order(t)
			if !o.TotalGross.Equal(num("141.08")) {
				t.Fatalf("order gross %s", o.TotalGross)
			}

			// A draft order takes none (409), nor a percentage beyond 100 (422).
			drafted := e.draft(t, domain.DocOrder, "2026-12-01", "1", "10")
			if _, err := e.docs.DownPayment(ctx, e.actor, drafted.ID, domain.DownPaymentInput{Percent: numPtr("10")}); conflictCode(err) != "illegal-transition" {
				t.Fatalf("draft order: %v", err)
			}

			dp1 := e.downPayment(t, o.ID, domain.DownPaymentInput{Percent: numPtr("30")})
			// 30 % of 141.08 = 42.324 → 42.32: 35.99 at 20 % (29.99 + 6.00), 6.33 at 5.5 % (6.00 + 0.33).
			if dp1.Type != domain.DocDownPayment || dp1.Status != domain.StatusDraft || dp1.SourceID != o.ID ||
				len(dp1.Lines) != 2 || !dp1.TotalGross.Equal(num("42.32")) {
				t.Fatalf("down payment %+v", dp1)
			}
			if got := e.doc(t, dp1.ID); got.Lines[0].Description != "Down payment 30 % of order "+o.Ref || !got.TotalVAT.Equal(dp1.TotalVAT) {
				t.Fatalf("stored %+v", got)
			}
			dp1 = e.validated(t, invoicesAndDownPayments, dp1)
			if !strings.HasPrefix(dp1.Ref, "AC") || dp1.Status != domain.StatusValidated { // its own mask, of today's date
				t.Fatalf("ref %s", dp1.Ref)
			}
			if _, err := e.docs.AddPayment(ctx, e.actor, invoicesAndDownPayments, dp1.ID, domain.Payment{
				Amount: dp1.TotalGross, Date: date("2026-12-02"), Method: domain.PayBankTransfer,
			}); err != nil {
				t.Fatal(err)
			}
			if got := e.doc(t, dp1.ID); got.Status != domain.StatusPaid || !got.AmountDue().IsZero() {
				t.Fatalf("paid down payment: %s due %s", got.Status, got.AmountDue())
			}

			dp2 := e.validated(t, invoicesAndDownPayments, e.downPayment(t, o.ID, domain.DownPaymentInput{Amount: numPtr("50.00")}))
			dp3 := e.downPayment(t, o.ID, domain.DownPaymentInput{Amount: numPtr("5")}) // stays a draft
			// 141.08 − 42.32 − 50.00 − 5.00 = 43.76 left.
			_, err := e.docs.DownPayment(ctx, e.actor, o.ID, domain.DownPaymentInput{Amount: numPtr("43.77")})
			if f := fieldsOf(err); len(f) != 1 || f[0] != "amount" {
				t.Fatalf("beyond what is left: %v", err)
			}

			inv, err := e.docs.Convert(ctx, e.actor, domain.ActInvoice, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			stored := e.doc(t, inv.ID)
			got := deductions(stored)
			if len(got) != 2 || got[dp1.ID] != 2 || got[dp2.ID] != 2 || got[dp3.ID] != 0 || len(stored.Lines) != 6 {
				t.Fatalf("deductions %v of %d lines", got, len(stored.Lines))
			}
			for _, pair := range [][2]string{
				{stored.TotalGross.String(), o.TotalGross.Sub(dp1.TotalGross).Sub(dp2.TotalGross).String()},
				{stored.TotalNet.String(), o.TotalNet.Sub(dp1.TotalNet).Sub(dp2.TotalNet).String()},
				{stored.TotalVAT.String(), o.TotalVAT.Sub(dp1.TotalVAT).Sub(dp2.TotalVAT).String()},
			} {
				if !num(pair[0]).Equal(num(pair[1])) {
					t.Fatalf("final invoice %s, want %s", pair[0], pair[1])
				}
			}
			if stored.Lines[2].Description != "Deduction of down payment "+dp1.Ref {
				t.Fatalf("deduction line %q", stored.Lines[2].Description)
			}
			// The order is invoiced: no more down payments, and the draft left
			// behind (not deducted) cannot be validated any more.
			if _, err := e.docs.DownPayment(ctx, e.actor, o.ID, domain.DownPaymentInput{Percent: numPtr("1")}); conflictCode(err) != "illegal-transition" {
				t.Fatalf("invoiced order: %v", err)
			}
			if _, err := e.docs.Validate(ctx, e.actor, invoicesAndDownPayments, dp3.ID, 0); conflictCode(err) != "illegal-transition" {
				t.Fatalf("validating a down payment of an invoiced order: %v", err)
			}
			if err := e.docs.Delete(ctx, invoicesAndDownPayments, dp3.ID); err != nil {
				t.Fatal(err)
			}
			inv = e.validated(t, invoicesAndDownPayments, inv)
			if !inv.TotalGross.Equal(num("48.76")) { // 141.08 − 42.32 − 50.00
				t.Fatalf("validated final invoice %s", inv.TotalGross)
			}

			// A deducted down payment cannot be credited.
			cn, err := e.docs.Convert(ctx, e.actor, domain.ActCreditNote, dp1.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.docs.Validate(ctx, e.actor, invoicesAndDownPayments, cn.ID, 0); conflictCode(err) != "down-payment-deducted" {
				t.Fatalf("credit of a deducted down payment: %v", err)
			}
			if err := e.docs.Delete(ctx, invoicesAndDownPayments, cn.ID); err != nil {
				t.Fatal(err)
			}

			// Were the order invoiced again (no endpoint does it today; the
			// rule must hold when one does), the validated final invoice still
			// deducts both down payments, so the new one deducts nothing…
			reopen := func() {
				t.Helper()
				err := e.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
					src, err := r.Documents.Lock(ctx, o.ID)
					if err != nil {
						return err
					}
					src.Status = domain.StatusValidated
					return r.Documents.Update(ctx, src)
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			reopen()
			again, err := e.docs.Convert(ctx, e.actor, domain.ActInvoice, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := deductions(e.doc(t, again.ID)); len(got) != 0 || !again.TotalGross.Equal(o.TotalGross) {
				t.Fatalf("deducted twice: %v, %s", got, again.TotalGross)
			}
			if err := e.docs.Delete(ctx, invoicesAndDownPayments, again.ID); err != nil { // the order is validated again
				t.Fatal(err)
			}
			// …until that invoice is credited in full: then they are deducted again.
			full, err := e.docs.Convert(ctx, e.actor, domain.ActCreditNote, inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			e.validated(t, invoicesAndDownPayments, full)
			third, err := e.docs.Convert(ctx, e.actor, domain.ActInvoice, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := deductions(e.doc(t, third.ID)); got[dp1.ID] != 2 || got[dp2.ID] != 2 || !third.TotalGross.Equal(num("48.76")) {
				t.Fatalf("after the credit note: %v, %s", got, third.TotalGross)
			}
		})
	}
}

// A credited down payment is not deducted, and what it held is free for a
// new one; deleting a final invoice draft gives its deductions back.
func TestCreditedDownPaymentIsNotDeducted(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newDocEnv(t, testdb.Migrated(t, d))
			ctx := context.Background()
			o := e.order(t)
			credited := e.validated(t, invoicesAndDownPayments, e.downPayment(t, o.ID, domain.DownPaymentInput{Percent: numPtr("100")}))
			if !credited.TotalGross.Equal(o.TotalGross) {
				t.Fatalf("100 %%: %s of %s", credited.TotalGross, o.TotalGross)
			}
			if _, err := e.docs.DownPayment(ctx, e.actor, o.ID, domain.DownPaymentInput{Amount: numPtr("0.01")}); len(fieldsOf(err)) != 1 {
				t.Fatalf("nothing left: %v", err)
			}
			cn, err := e.docs.Convert(ctx, e.actor, domain.ActCreditNote, credited.ID)
			if err != nil {
				t.Fatal(err)
			}
			if cn.Type != domain.DocCreditNote || cn.SourceID != credited.ID || !cn.TotalGross.Equal(credited.TotalGross) {
				t.Fatalf("credit note %+v", cn)
			}
			e.validated(t, invoicesAndDownPayments, cn)
			kept := e.validated(t, invoicesAndDownPayments, e.downPayment(t, o.ID, domain.DownPaymentInput{Amount: numPtr("100")}))

			inv, err := e.docs.Convert(ctx, e.actor, domain.ActInvoice, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := deductions(e.doc(t, inv.ID))
			if len(got) != 1 || got[kept.ID] != 2 || !inv.TotalGross.Equal(o.TotalGross.Sub(num("100"))) {
				t.Fatalf("deductions %v, total %s", got, inv.TotalGross)
			}
			// Deleting the draft gives the order back; the next final invoice
			// deducts the down payment again (the deleted one held it).
			if err := e.docs.Delete(ctx, invoicesAndDownPayments, inv.ID); err != nil {
				t.Fatal(err)
			}
			if st := e.doc(t, o.ID).Status; st != domain.StatusValidated {
				t.Fatalf("order %s", st)
			}
			inv, err = e.docs.Convert(ctx, e.actor, domain.ActInvoice, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := deductions(e.doc(t, inv.ID)); got[kept.ID] != 2 {
				t.Fatalf("after delete: %v", got)
			}
		})
	}
}

// Concurrent down payments of one order are checked one after the other
// (the order's row is locked): never more than its total.
func TestConcurrentDownPaymentsNeverExceedTheOrder(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newDocEnv(t, testdb.Migrated(t, d))
			o := e.validated(t, orders, e.draft(t, domain.DocOrder, "2026-12-01", "1", "100")) // 120.00
			const n = 8
			errs := run(n, func(int) error {
				_, err := e.docs.DownPayment(context.Background(), e.actor, o.ID, domain.DownPaymentInput{Amount: numPtr("25")})
				return err
			})
			ok, refused := 0, 0
			for _, err := range errs {
				switch f := fieldsOf(err); {
				case err == nil:
					ok++
				case len(f) == 1 && f[0] == "amount":
					refused++
				default:
					t.Fatalf("unexpected %v", err)
				}
			}
			if ok != 4 || refused != n-4 {
				t.Fatalf("%d drawn, %d refused; want 4 and %d", ok, refused, n-4)
			}
			if got := e.count(t, "commercial_documents"); got != 1+4 { // the order and its 4 down payments
				t.Fatalf("%d documents", got)
			}
		})
	}
}

// A down payment is archived and e-mailed like an invoice: its validation
// enqueues the rendering, the job archives its PDF, sending it uses the
// invoice template with the PDF attached.
func TestDownPaymentIsArchivedAndSent(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newArchiveEnv(t, d)
			ctx := context.Background()
			o := e.order(t)
			dp := e.validated(t, invoicesAndDownPayments, e.downPayment(t, o.ID, domain.DownPaymentInput{Amount: numPtr("40")}))
			jobs := renderJobs(t, e.db, dp)
			if len(jobs) != 1 {
				t.Fatalf("%d pdf.render jobs", len(jobs))
			}
			if err := e.archive.RenderJob(ctx, jobs[0]); err != nil {
				t.Fatal(err)
			}
			if files := e.files(t, dp); len(files) != 1 || files[0].OwnerType != domain.DocDownPayment {
				t.Fatalf("archived %+v", files)
			}
			id, err := e.archive.Send(ctx, invoicesAndDownPayments, dp.ID, domain.SendDocument{To: []string{"billing@acme.test"}})
			if err != nil {
				t.Fatal(err)
			}
			var payload string
			if err := e.db.Gorm.Table("jobs").Where("id = ?", id).Pluck("payload", &payload).Error; err != nil {
				t.Fatal(err)
			}
			p := decode[domain.EmailPayload](t, []byte(payload))
			if p.Template != usecase.EmailTemplateInvoice || len(p.Attachments) != 1 || p.Attachments[0].Document != "down_payment" ||
				p.Attachments[0].ID != dp.ID || p.Data["total"] != "40.00" {
				t.Fatalf("e-mail %+v", p)
			}
		})
	}
}
