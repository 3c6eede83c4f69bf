package usecase

import (
	"context"
	"time"

	"github.com/doligo/doligo/internal/domain"
)

// The e-mail templates of sent documents: embed/templates/email/<lang>/<name>.*.
const (
	EmailTemplateProposal      = "proposal"
	EmailTemplateOrder         = "order"
	EmailTemplateInvoice       = "invoice"
	EmailTemplateCreditNote    = "credit_note"
	EmailTemplatePurchaseOrder = "purchase_order"
)

// emailTemplates names the template each sent document type uses.
var emailTemplates = map[domain.DocType]string{
	domain.DocProposal: EmailTemplateProposal, domain.DocOrder: EmailTemplateOrder,
	domain.DocInvoice: EmailTemplateInvoice, domain.DocCreditNote: EmailTemplateCreditNote,
	domain.DocPurchaseOrder: EmailTemplatePurchaseOrder, domain.DocDownPayment: EmailTemplateInvoice,
}

// emailData is what the template of a sent document is filled with. Amounts
// and dates travel in machine form ("1989.01", "2027-01-01"): the worker's
// templates write them in the e-mail's language with the formatter the PDF
// uses, so the message and its attachment agree. The flags say which
// message an invoice or credit note needs: paid (nothing is asked for),
// partially paid (what remains due is stated) or neither.
//
// Keys: ref, customer_name, company_name, currency, total, date, due_date
// (when set); for invoices and credit notes amount_paid, amount_due, paid,
// partially_paid; for a credit note invoice_ref, the invoice it corrects.
func (s *ArchiveService) emailData(ctx context.Context, r domain.Repositories, d *domain.Document, customer *domain.ThirdParty) (map[string]any, error) {
	company, err := companyOf(ctx, r.Readers(), s.company)
	if err != nil {
		return nil, err
	}
	data := map[string]any{
		"ref": d.DisplayRef(), "customer_name": customer.Name, "company_name": company.Name,
		"currency": d.Currency, "total": domain.FormatMoney(d.TotalGross, d.Currency), "date": d.Date.Format(time.DateOnly),
	}
	if d.DueDate != nil {
		data["due_date"] = d.DueDate.Format(time.DateOnly)
	}
	if d.Type != domain.DocInvoice && d.Type != domain.DocCreditNote && d.Type != domain.DocDownPayment {
		return data, nil
	}
	due := d.AmountDue()
	data["amount_paid"] = domain.FormatMoney(d.AmountPaid, d.Currency)
	data["amount_due"] = domain.FormatMoney(due, d.Currency)
	data["paid"] = d.Status == domain.StatusPaid || due.Sign() <= 0
	data["partially_paid"] = !data["paid"].(bool) && d.AmountPaid.IsPositive()
	if d.Type == domain.DocCreditNote && d.SourceID != 0 {
		invoice, err := r.Documents.Get(ctx, d.SourceID)
		if err != nil {
			return nil, err
		}
		data["invoice_ref"] = invoice.DisplayRef()
	}
	return data, nil
}
