package pdf

import (
	"context"
	"strconv"
	"strings"

	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/row"

	"github.com/doligo/doligo/internal/domain"
)

// IssuerDetails is what the company prints besides its address block: the
// bank details and legal mentions at the foot of its documents, and the
// payment terms a proposal or an order announces.
type IssuerDetails struct {
	RegistrationIDs []string // e.g. "SIRET 123 456 789 00012"
	IBAN, BIC       string   // printed on invoices only (where to pay)
	LegalNotice     string   // one paragraph per "\n"
	// PaymentTermsDays is the customer's terms (its own, else the company's
	// default) that a proposal or order states; an invoice states the days
	// between its date and its due date instead. Nil: not stated.
	PaymentTermsDays *int
}

// CompanyParty is the company's address block.
func CompanyParty(c domain.Company) Party {
	return Party{Name: c.Name, Address: c.Address, TaxID: c.VATID, Email: c.Email, Phone: c.Phone}
}

// withCompany fills the issuer of doc from the company read for this
// rendering: address block, logo (nil: the embedded one), bank details,
// legal mentions and the customer's payment terms.
func withCompany(doc *Document, c domain.Company, customer *domain.ThirdParty) {
	doc.Company = CompanyParty(c)
	doc.Logo = c.Logo
	days := c.PaymentTermsDays(customer)
	doc.Issuer = IssuerDetails{
		RegistrationIDs: c.RegistrationIDs, IBAN: c.IBAN, BIC: c.BIC, LegalNotice: c.LegalNotice,
		PaymentTermsDays: &days,
	}
}

// Renderer prints domain documents with one payment terms text (the
// configuration's, printed after the terms themselves). The issuer comes
// with each document, read from the database for that rendering, so a
// change of the company settings shows on the next PDF of every process.
type Renderer struct {
	paymentTerms string
}

// NewRenderer returns a renderer adding paymentTerms (may be empty) to the
// terms every document states.
func NewRenderer(paymentTerms string) *Renderer {
	return &Renderer{paymentTerms: paymentTerms}
}

// Render writes d, addressed to customer (and links' contact) and issued by
// company, as a PDF in the language negotiated from lang; like the package's
// Render it stops with ctx's error once ctx is done.
func (r *Renderer) Render(ctx context.Context, d *domain.Document, customer *domain.ThirdParty, links domain.DocumentLinks, company domain.Company, lang string) ([]byte, error) {
	doc := FromDomain(d, customer, links, CompanyParty(company), r.paymentTerms)
	withCompany(&doc, company, customer)
	return Render(ctx, doc, lang)
}

// termsText is the payment terms paragraph: what the due date says (an
// invoice), or the customer's terms (a proposal, an order, an invoice
// without due date), then the configured text. A credit note keeps the
// language's default text.
func (r *renderer) termsText() string {
	var parts []string
	fill := func(key string, days int) string {
		return strings.NewReplacer("{days}", strconv.Itoa(days), "{date}", r.loc.Date(r.doc.DueDate)).Replace(r.loc.T(key))
	}
	switch {
	case r.doc.Kind == CreditNote:
	case r.doc.Kind.asksPayment() && !r.doc.DueDate.IsZero():
		days := int(r.doc.DueDate.Sub(r.doc.Date).Hours()+12) / 24
		if days <= 0 {
			parts = append(parts, fill("payment_terms.due_on_receipt", 0))
		} else {
			parts = append(parts, fill("payment_terms.due_within", days))
		}
	case r.doc.Issuer.PaymentTermsDays == nil:
	case *r.doc.Issuer.PaymentTermsDays == 0:
		parts = append(parts, fill("payment_terms.on_receipt", 0))
	default:
		parts = append(parts, fill("payment_terms.within", *r.doc.Issuer.PaymentTermsDays))
	}
	if custom := strings.TrimSpace(r.doc.PaymentTerms); custom != "" {
		parts = append(parts, custom)
	}
	if len(parts) == 0 {
		return r.loc.T("payment_terms.default")
	}
	return strings.Join(parts, " ")
}

// companyFooter closes every document with the company's bank details (on
// invoices: where to pay), registration identifiers and legal notice, the
// mentions the law asks of an invoice in most countries. Nothing is printed
// for what is not set.
func (r *renderer) companyFooter(p *pager) {
	is := r.doc.Issuer
	small := style{size: 7.5, color: &muted}
	var blocks [][]sizedRow
	if r.doc.Kind.asksPayment() && is.IBAN != "" {
		c := r.newCell(grid, 0)
		r.add(c, r.loc.T("bank_details"), style{size: 9, bold: true, color: &accent})
		bank := r.loc.T("iban") + " " + groupIBAN(is.IBAN)
		if is.BIC != "" {
			bank += "  ·  " + r.loc.T("bic") + " " + is.BIC
		}
		r.add(c, bank, style{size: 8.5, bold: true, color: &ink})
		rw, h := makeRow(0, nil, c)
		blocks = append(blocks, []sizedRow{{rw, h}})
	}
	var legal []sizedRow
	if len(is.RegistrationIDs) > 0 {
		legal = append(legal, r.textRows(strings.Join(is.RegistrationIDs, "  ·  "), small)...)
	}
	if strings.TrimSpace(is.LegalNotice) != "" {
		legal = append(legal, r.textRows(is.LegalNotice, small)...)
	}
	if len(legal) > 0 {
		blocks = append(blocks, legal)
	}
	for _, b := range blocks {
		// A block's first lines stay together with the gap above them.
		first := b[0].h
		if len(b) > 1 {
			first += b[1].h
		}
		p.keep(5 + first)
		p.add(spacer(5), 5)
		for _, sr := range b {
			if !p.fits(sr.h) {
				p.newPage()
			}
			p.add(sr.row, sr.h)
		}
	}
}

// textRows is text wrapped to the content width, one row per line, so that
// a long notice breaks across pages between its lines.
func (r *renderer) textRows(txt string, s style) []sizedRow {
	var out []sizedRow
	for _, ln := range r.metricsOf(s).wrap(txt, s.size, contentWidth-2*padX) {
		c := &cell{size: grid}
		c.addLine(ln, s)
		h := quantize(c.height)
		out = append(out, sizedRow{row.New(h).Add(col.New(grid).Add(c.comps...)), h})
	}
	return out
}

// groupIBAN writes an IBAN in groups of four, as banks print it.
func groupIBAN(iban string) string {
	var b strings.Builder
	for i, r := range iban {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}
