package pdf

import (
	"context"

	"github.com/doligo/doligo/internal/domain"
)

// FromDomain is the view of a domain document for printing: the issuer
// block and payment terms come from configuration, the customer from the
// document's third party, the contact and source document from links.
func FromDomain(d *domain.Document, customer *domain.ThirdParty, links domain.DocumentLinks, company Party, paymentTerms string) Document {
	out := Document{
		Kind:     Kind(d.Type),
		Ref:      d.DisplayRef(),
		Date:     d.Date,
		Currency: d.Currency,
		Company:  company,
		Customer: Party{
			Name: customer.Name, Address: customer.Address, TaxID: customer.TaxID,
			Email: customer.Email, Phone: customer.Phone,
		},
		TotalNet:     d.TotalNet,
		TotalVAT:     d.TotalVAT,
		TotalGross:   d.TotalGross,
		AmountPaid:   d.AmountPaid,
		AmountDue:    d.AmountDue(),
		PaymentTerms: paymentTerms,
	}
	fromLinks(&out, d, links)
	if d.DueDate != nil {
		out.DueDate = *d.DueDate
	}
	for _, l := range d.Lines {
		out.Lines = append(out.Lines, Line{
			Description: l.Description, Qty: l.Qty, UnitPrice: l.UnitPrice,
			DiscountPercent: l.DiscountPercent, VATRate: l.VATRate,
			Net: l.TotalNet, VAT: l.TotalVAT, Gross: l.TotalGross,
		})
	}
	for _, v := range d.VATBreakdown() {
		out.VAT = append(out.VAT, VATAmount{Rate: v.Rate, Base: v.Base, Amount: v.Amount})
	}
	return out
}

// Renderer prints domain documents under one issuer block and one payment
// terms text. The API (GET …/pdf) and the worker (archived PDFs, e-mail
// attachments) each build one from the company settings at start-up, so both
// print the same header.
type Renderer struct {
	issuer       Party
	paymentTerms string
}

// NewRenderer returns a renderer with the company's issuer block and payment
// terms (empty: each language's default text).
func NewRenderer(issuer Party, paymentTerms string) *Renderer {
	return &Renderer{issuer: issuer, paymentTerms: paymentTerms}
}

// Render writes d, addressed to customer (and links' contact), as a PDF in the language negotiated
// from lang; like the package's Render it stops with ctx's error once ctx is
// done.
func (r *Renderer) Render(ctx context.Context, d *domain.Document, customer *domain.ThirdParty, links domain.DocumentLinks, lang string) ([]byte, error) {
	return Render(ctx, FromDomain(d, customer, links, r.issuer, r.paymentTerms), lang)
}
