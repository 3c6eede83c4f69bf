package pdf

import (
	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
)

// vatMention prints, under the totals, the legal mention of a sale whose VAT
// is not charged (Document.VATMention, a label key: reverse charge within
// the EU, export), in the document's language, in bold: the customer's tax
// office looks for it.
func (r *renderer) vatMention(p *pager) {
	if r.doc.VATMention == "" {
		return
	}
	s := style{size: 8.5, bold: true, color: &ink}
	lines := r.metricsOf(s).wrap(r.loc.T(r.doc.VATMention), s.size, contentWidth-2*padX)
	p.keep(4 + float64(len(lines))*s.lineHeight())
	p.add(spacer(4), 4)
	for _, ln := range lines {
		c := &cell{size: grid}
		c.addLine(ln, s)
		h := quantize(c.height)
		p.add(row.New(h).Add(col.New(grid).Add(c.comps...)), h)
	}
}
