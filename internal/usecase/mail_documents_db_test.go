package usecase_test

// What a sent document's e-mail is filled with, on every dialect: every
// customer document kind is sendable once validated, with the template of its
// kind and the facts its message depends on (paid, partly paid, the invoice a
// credit note corrects), amounts and dates in machine form for the worker's
// templates to write in the e-mail's language.

import (
	"context"
	"reflect"
	"testing"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

func (e *archiveEnv) sentPayload(t *testing.T, types []domain.DocType, id int64) domain.EmailPayload {
	t.Helper()
	job, err := e.archive.Send(context.Background(), types, id, domain.SendDocument{To: []string{"billing@acme.test"}, Lang: "fr"})
	if err != nil {
		t.Fatalf("send %d: %v", id, err)
	}
	var payload string
	if err := e.db.Gorm.Table("jobs").Select("payload").Where("id = ?", job).Take(&payload).Error; err != nil {
		t.Fatal(err)
	}
	return decode[domain.EmailPayload](t, []byte(payload))
}

func TestSendEveryCustomerDocument(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newArchiveEnv(t, dialect)
			ctx := context.Background()
			pay := func(id int64, amount string) {
				t.Helper()
				if _, err := e.docs.AddPayment(ctx, e.actor, invoices, id, domain.Payment{Amount: num(amount), Date: date("2026-11-20"), Method: domain.PayBankTransfer}); err != nil {
					t.Fatal(err)
				}
			}
			// 2 × 828.75 at 20 % = 1989.00 gross.
			for _, c := range []struct {
				typ      domain.DocType
				types    []domain.DocType
				template string
			}{{domain.DocProposal, proposals, "proposal"}, {domain.DocOrder, orders, "order"}} {
				draft := e.draft(t, c.typ, "2026-11-02", "2", "828.75")
				if _, err := e.archive.Send(ctx, c.types, draft.ID, domain.SendDocument{To: []string{"a@acme.test"}}); conflictCode(err) != "illegal-transition" {
					t.Fatalf("sending a draft %s: %v, want a conflict", c.typ, err)
				}
				d := e.validated(t, c.types, draft)
				p := e.sentPayload(t, c.types, d.ID)
				want := map[string]any{"ref": d.Ref, "total": "1989.00", "currency": "EUR", "date": "2026-11-02",
					"customer_name": "ACME", "company_name": "Doligo SA"}
				if p.Template != c.template || p.Lang != "fr" || !reflect.DeepEqual(p.Data, want) ||
					!reflect.DeepEqual(p.Attachments, []domain.AttachmentRef{{Document: string(c.typ), ID: d.ID, Lang: "fr"}}) {
					t.Errorf("%s: payload %+v, want template %s and data %v", c.typ, p, c.template, want)
				}
			}

			inv := e.validated(t, invoices, e.draft(t, domain.DocInvoice, "2026-11-02", "2", "828.75"))
			flags := func(p domain.EmailPayload) [4]any {
				return [4]any{p.Data["paid"], p.Data["partially_paid"], p.Data["amount_paid"], p.Data["amount_due"]}
			}
			if got := flags(e.sentPayload(t, invoices, inv.ID)); got != [4]any{false, false, "0.00", "1989.00"} {
				t.Errorf("unpaid invoice: %v", got)
			}
			pay(inv.ID, "989.00")
			if got := flags(e.sentPayload(t, invoices, inv.ID)); got != [4]any{false, true, "989.00", "1000.00"} {
				t.Errorf("partly paid invoice: %v", got)
			}
			pay(inv.ID, "1000.00")
			if got := flags(e.sentPayload(t, invoices, inv.ID)); got != [4]any{true, false, "1989.00", "0.00"} {
				t.Errorf("paid invoice: %v", got)
			}

			cn, err := e.docs.Convert(ctx, e.actor, domain.ActCreditNote, inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			cn = e.validated(t, invoices, cn)
			p := e.sentPayload(t, invoices, cn.ID)
			if p.Template != "credit_note" || p.Data["invoice_ref"] != inv.Ref || p.Data["ref"] != cn.Ref ||
				flags(p) != [4]any{false, false, "0.00", "1989.00"} {
				t.Errorf("credit note: payload %+v", p)
			}
		})
	}
}
