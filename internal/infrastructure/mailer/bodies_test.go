package mailer_test

import (
	"strings"
	"testing"
)

// language is what one language's document e-mails must say.
type language struct {
	total, date, paidAmount, dueAmount string // 1989.01 EUR, 2027-01-01, 989.01 EUR, 1000.00 EUR as written there
	kinds                              map[string]string
	askPayment, paidInFull             string // "due on …", "paid in full"
	willRefund, refunded               string
}

var languages = map[string]language{
	"en": {
		total: "1,989.01 EUR", date: "1 Jan 2027", paidAmount: "989.01 EUR", dueAmount: "1,000.00 EUR",
		kinds:      map[string]string{"proposal": "Proposal", "order": "Order confirmation", "invoice": "Invoice", "credit_note": "Credit note"},
		askPayment: "due on", paidInFull: "paid in full", willRefund: "will be refunded", refunded: "has been refunded",
	},
	"fr": {
		total: "1\u202f989,01\u00a0EUR", date: "01/01/2027", paidAmount: "989,01\u00a0EUR", dueAmount: "1\u202f000,00\u00a0EUR",
		kinds:      map[string]string{"proposal": "Proposition commerciale", "order": "Confirmation de commande", "invoice": "Facture", "credit_note": "Avoir"},
		askPayment: "à régler avant le", paidInFull: "entièrement réglée", willRefund: "sera remboursé", refunded: "a été remboursé",
	},
	"de": {
		total: "1.989,01\u00a0EUR", date: "01.01.2027", paidAmount: "989,01\u00a0EUR", dueAmount: "1.000,00\u00a0EUR",
		kinds:      map[string]string{"proposal": "Angebot", "order": "Auftragsbestätigung", "invoice": "Rechnung", "credit_note": "Gutschrift"},
		askPayment: "zahlbar bis", paidInFull: "vollständig bezahlt", willRefund: "wird Ihnen erstattet", refunded: "wurde Ihnen erstattet",
	},
	"pt-BR": {
		total: "EUR 1.989,01", date: "01/01/2027", paidAmount: "EUR 989,01", dueAmount: "EUR 1.000,00",
		kinds:      map[string]string{"proposal": "Proposta comercial", "order": "Confirmação do pedido", "invoice": "Fatura", "credit_note": "Nota de crédito"},
		askPayment: "com vencimento em", paidInFull: "totalmente paga", willRefund: "será reembolsado", refunded: "já foi reembolsado",
	},
	"es": {
		total: "1989,01 EUR", date: "01/01/2027", paidAmount: "989,01 EUR", dueAmount: "1000,00 EUR",
		kinds:      map[string]string{"proposal": "Presupuesto", "order": "Confirmación de pedido", "invoice": "Factura", "credit_note": "Factura rectificativa"},
		askPayment: "con vencimiento el", paidInFull: "totalmente pagada", willRefund: "será reembolsado", refunded: "ha sido reembolsado",
	},
}

// documentData is the payload ArchiveService.Send enqueues for a document of
// 1989.01 EUR due on 2027-01-01, with the flags of a case.
func documentData(extra map[string]any) map[string]any {
	d := map[string]any{
		"ref": "FA2612-0042", "customer_name": "ACME", "company_name": "Doligo SA", "currency": "EUR",
		"total": "1989.01", "date": "2026-12-02", "due_date": "2027-01-01",
	}
	for k, v := range extra {
		d[k] = v
	}
	return d
}

// Every document e-mail, in every language: subject naming the kind and the
// ref, amounts and dates as that language (and the PDF) writes them, never in
// machine form, and the message the document's state calls for.
func TestDocumentEmailBodies(t *testing.T) {
	tm := templates(t)
	unpaid := map[string]any{"amount_paid": "0.00", "amount_due": "1989.01", "paid": false, "partially_paid": false}
	partial := map[string]any{"amount_paid": "989.01", "amount_due": "1000.00", "paid": false, "partially_paid": true}
	paid := map[string]any{"amount_paid": "1989.01", "amount_due": "0.00", "paid": true, "partially_paid": false}
	credit := func(flags map[string]any) map[string]any {
		out := map[string]any{"ref": "AV2612-0007", "invoice_ref": "FA2612-0042"}
		for k, v := range flags {
			out[k] = v
		}
		return out
	}
	for lang, l := range languages {
		cases := []struct {
			name, template, ref string
			data                map[string]any
			want, not           []string
		}{
			{"proposal", "proposal", "FA2612-0042", nil, []string{l.total, l.date}, []string{l.askPayment}},
			{"order", "order", "FA2612-0042", nil, []string{l.total, l.date}, []string{l.askPayment}},
			{"unpaid invoice", "invoice", "FA2612-0042", unpaid, []string{l.total, l.askPayment + " " + l.date}, []string{l.paidInFull, l.dueAmount}},
			{"partially paid invoice", "invoice", "FA2612-0042", partial,
				[]string{l.total, l.paidAmount, l.dueAmount, l.askPayment + " " + l.date}, []string{l.paidInFull}},
			{"paid invoice", "invoice", "FA2612-0042", paid, []string{l.total, l.paidInFull}, []string{l.askPayment, l.date, l.dueAmount}},
			{"credit note", "credit_note", "AV2612-0007", credit(unpaid), []string{l.total, "FA2612-0042", l.willRefund},
				[]string{l.askPayment, l.paidInFull, l.refunded}},
			{"refunded credit note", "credit_note", "AV2612-0007", credit(paid), []string{l.total, "FA2612-0042", l.refunded},
				[]string{l.askPayment, l.paidInFull, l.willRefund}},
			{"partly refunded credit note", "credit_note", "AV2612-0007", credit(partial),
				[]string{l.total, "FA2612-0042", l.paidAmount, l.dueAmount}, []string{l.askPayment, l.paidInFull}},
		}
		for _, c := range cases {
			r, err := tm.Render(c.template, lang, documentData(c.data))
			if err != nil {
				t.Fatalf("%s %s: %v", lang, c.name, err)
			}
			if !strings.HasPrefix(r.Subject, l.kinds[c.template]+" "+c.ref) || !strings.Contains(r.Subject, "Doligo SA") {
				t.Errorf("%s %s: subject %q, want %q first", lang, c.name, r.Subject, l.kinds[c.template]+" "+c.ref)
			}
			for part, body := range map[string]string{"text": r.Text, "HTML": r.HTML} {
				for _, w := range append(c.want, "ACME", c.ref) {
					if !strings.Contains(body, w) {
						t.Errorf("%s %s %s lacks %q:\n%s", lang, c.name, part, w, body)
					}
				}
				for _, w := range append(c.not, "2027-01-01", "1989.01", "no value") {
					if strings.Contains(body, w) {
						t.Errorf("%s %s %s holds %q:\n%s", lang, c.name, part, w, body)
					}
				}
			}
		}
	}
}

// A paid invoice says so in its subject too; an unpaid one does not.
func TestPaidInvoiceSubject(t *testing.T) {
	tm := templates(t)
	for lang, mark := range map[string]string{"en": "(paid)", "fr": "(réglée)", "de": "(bezahlt)", "pt-BR": "(paga)", "es": "(pagada)"} {
		paid, err := tm.Render("invoice", lang, documentData(map[string]any{"paid": true}))
		if err != nil || !strings.Contains(paid.Subject, mark) {
			t.Errorf("%s paid: subject %q (%v), want %q", lang, paid.Subject, err, mark)
		}
		unpaid, err := tm.Render("invoice", lang, documentData(map[string]any{"paid": false}))
		if err != nil || strings.Contains(unpaid.Subject, mark) {
			t.Errorf("%s unpaid: subject %q (%v)", lang, unpaid.Subject, err)
		}
	}
}
