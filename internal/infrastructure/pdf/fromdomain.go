package pdf

import "github.com/doligo/doligo/internal/domain"

// FromDomain is the view of a domain document for printing: the issuer
// block and payment terms text as given, the customer from the document's
// third party, the contact and source document from links. Renderer.Render
// adds the rest of the company (withCompany).
func FromDomain(d *domain.Document, customer *domain.ThirdParty, links domain.DocumentLinks, company Party, paymentTerms string) Document {
	out := Document{
		Kind:     Kind(d.Type),
		Ref:      d.DisplayRef(),
		Date:     d.Date,
		Currency: d.Currency,
		Company:  company,
		Customer: Party{
			Name: customer.Name, Address: customer.Address, TaxID: customerTaxNumber(customer),
			Email: customer.Email, Phone: customer.Phone,
		},
		VATMention:   d.VATRegime.MentionKey(),
		TotalNet:     d.TotalNet,
		TotalVAT:     d.TotalVAT,
		TotalGross:   d.TotalGross,
		AmountPaid:   d.AmountPaid,
		AmountDue:    d.AmountDue(),
		PaymentTerms: paymentTerms,
	}
	fromLinks(&out, d, links)
	if fx := d.FX; d.Foreign() && fx.Rate.Valid && fx.TotalGross.Valid {
		out.Exchange = &Exchange{Currency: fx.CompanyCurrency, Rate: fx.Rate.Decimal, TotalVAT: fx.TotalVAT.Decimal, TotalGross: fx.TotalGross.Decimal}
	}
	if d.DueDate != nil {
		out.DueDate = *d.DueDate
	}
	for _, l := range d.Lines {
		out.Lines = append(out.Lines, Line{
			Description: l.Description, Qty: l.Qty, UnitPrice: l.UnitPrice,
			DiscountPercent: l.DiscountPercent, VATRate: l.VATRate,
			Net: l.TotalNet, VAT: l.TotalVAT, Gross: l.TotalGross,
			Wording: wordingOf(d, l),
		})
	}
	for _, v := range d.VATBreakdown() {
		out.VAT = append(out.VAT, VATAmount{Rate: v.Rate, Base: v.Base, Amount: v.Amount})
	}
	return out
}

// customerTaxNumber is the customer's number printed on a document: its VAT
// number when it has one (a reverse-charge invoice must show it), else its
// national tax number.
func customerTaxNumber(t *domain.ThirdParty) string {
	if t.VATID != "" {
		return t.VATID
	}
	return t.TaxID
}
