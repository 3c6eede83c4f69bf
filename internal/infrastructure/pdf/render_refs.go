package pdf

import (
	"strings"

	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"
	"github.com/shopspring/decimal"
)

// What a customer checks before accepting a document: who it is for, which
// of its own references and which earlier document it answers, what is owed
// (or, on a credit note, credited), and whether it is settled.

var settled = props.Color{Red: 25, Green: 120, Blue: 70}

// Widths of the customer block and the summary box beside it.
const (
	customerSize = 52
	summarySize  = 42
)

// printsPaymentTerms tells whether the terms asking the customer to pay are
// printed: not on an order to a supplier, nor on a credit note (the company
// owes the customer), nor on an invoice already paid.
func (r *renderer) printsPaymentTerms() bool {
	return r.doc.Kind.hasPaymentTerms() && r.doc.Kind != CreditNote && !r.doc.Paid
}

// showsDueDate: a credit note falls due for nobody: it is refunded or offset.
func (r *renderer) showsDueDate() bool {
	return !r.doc.DueDate.IsZero() && r.doc.Kind != CreditNote
}

// settledLabel is PAID on a paid invoice, REFUNDED on a credit note refunded
// in full, "" otherwise.
func (r *renderer) settledLabel() string {
	switch {
	case !r.doc.Paid:
		return ""
	case r.doc.Kind.asksPayment():
		return strings.ToUpper(r.loc.T("paid"))
	case r.doc.Kind == CreditNote:
		return strings.ToUpper(r.loc.T("refunded"))
	}
	return ""
}

// settledMark writes the settled label under the title, on every page.
func (r *renderer) settledMark(c *cell) {
	if l := r.settledLabel(); l != "" {
		r.add(c, l, style{size: 13, bold: true, color: &settled, align: align.Right})
	}
}

// paragraph is one block of the customer panel, written into a cell.
type paragraph func(c *cell)

// customerRows is the customer panel and, beside its top, the summary box.
// The box is as tall as what it says: the panel goes on below it in a second
// row when it is the taller, the column beside it left blank.
func (r *renderer) customerRows() ([]core.Row, []float64) {
	sum := r.summary()
	boxH := quantize(sum.height + padY)

	top, rest := r.newCell(customerSize, 2), r.newCell(customerSize, 2)
	top.bg, rest.bg = &panel, &panel
	// The panel fills the box's height, then goes on below: the box grows by
	// less than a line, so the panel's lines keep their spacing.
	target := top
	for _, para := range r.customerParagraphs() {
		if target == top && top.height >= boxH {
			target = rest
			rest.height = 0
		}
		para(target)
	}
	gap := func() *cell { return r.newCell(grid-customerSize-summarySize, 0) }
	if len(rest.comps) == 0 {
		first, h := makeRow(boxH, nil, top, gap(), sum)
		return []core.Row{first}, []float64{h}
	}
	// Split: the first row ends right under its last line (no bottom
	// padding), where the second row's first line starts.
	top.height -= padY
	first, h := makeRow(boxH, nil, top, gap(), sum)
	second, h2 := makeRow(0, nil, rest, gap(), r.newCell(summarySize, 0))
	return []core.Row{first, second}, []float64{h, h2}
}

// customerParagraphs are the blocks of the customer panel, top to bottom.
func (r *renderer) customerParagraphs() []paragraph {
	body := style{size: 8.5, color: &ink}
	p := r.doc.Customer
	paras := []paragraph{
		func(c *cell) {
			c.gap(1)
			r.add(c, strings.ToUpper(r.loc.T(r.doc.Kind.partyLabel())), style{size: 7, bold: true, color: &accent})
			c.gap(0.5)
		},
		func(c *cell) { r.addMax(c, p.Name, style{size: 10.5, bold: true, color: &ink}, 2) },
	}
	if p.Address != "" { // line by line: the block may go on below the box at any line
		for _, ln := range r.capLines(r.newCell(customerSize, 2), p.Address, body, 6) {
			paras = append(paras, func(c *cell) { c.addLine(ln, body) })
		}
	}
	if p.TaxID != "" {
		paras = append(paras, func(c *cell) { r.addMax(c, r.loc.T("tax_id")+": "+p.TaxID, body, 1) })
	}
	if reach := joinNonEmpty(p.Email, p.Phone); reach != "" {
		paras = append(paras, func(c *cell) { r.addMax(c, reach, body, 2) })
	}
	if ct := r.doc.Contact; ct.Name != "" {
		paras = append(paras, func(c *cell) {
			c.gap(1)
			r.addMax(c, r.loc.T("contact")+": "+strings.Join(nonEmpty(ct.Name, ct.Position), ", "), style{size: 8.5, bold: true, color: &ink}, 2)
			if reach := joinNonEmpty(ct.Email, ct.Phone); reach != "" {
				r.addMax(c, reach, body, 2)
			}
		})
	}
	return append(paras, func(c *cell) { c.gap(1) })
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func joinNonEmpty(ss ...string) string { return strings.Join(nonEmpty(ss...), "  ·  ") }

// summary is the box the reader looks at first: the total of a proposal or
// an order, what remains due on an invoice (PAID once it is settled), what a
// credit note credits and how much of it was refunded.
func (r *renderer) summary() *cell {
	label, amount := r.loc.T("total_gross"), r.doc.TotalGross
	switch {
	case r.doc.Kind == CreditNote:
		label = r.loc.T("total_credited")
	case r.doc.Kind.asksPayment() && !r.doc.Paid:
		label, amount = r.loc.T("amount_due"), r.doc.AmountDue
	}
	white8 := style{size: 8, color: &white, align: align.Right}
	sum := r.newCell(summarySize, 2)
	sum.bg = &accent
	sum.gap(1)
	r.add(sum, strings.ToUpper(label), style{size: 7, bold: true, color: &white, align: align.Right})
	sum.gap(0.5)
	r.addFigure(sum, r.loc.Money(amount, r.doc.Currency), style{size: 14, bold: true, color: &white, align: align.Right})
	switch {
	case r.settledLabel() != "":
		r.add(sum, r.settledLabel(), style{size: 9, bold: true, color: &white, align: align.Right})
	case r.doc.Kind == CreditNote && r.doc.AmountPaid.IsPositive():
		r.add(sum, r.loc.T("amount_refunded")+": "+r.loc.Money(r.doc.AmountPaid, r.doc.Currency), white8)
	case r.showsDueDate():
		r.add(sum, r.loc.T("due_date."+string(r.doc.Kind))+": "+r.loc.Date(r.doc.DueDate), white8)
	}
	sum.gap(1)
	return sum
}

// references writes, under the customer block, what the document answers:
// the invoice a credit note corrects (in words, first), the customer's own
// reference and the document this one was made from.
func (r *renderer) references(p *pager) {
	var rows []core.Row
	var heights []float64
	if r.doc.Kind == CreditNote && r.doc.Source.Ref != "" {
		c := r.newCell(grid, 0)
		r.addMax(c, strings.ReplaceAll(r.loc.T("credit_note.for"), "{ref}", r.doc.Source.Ref), style{size: 10.5, bold: true, color: &accent}, 2)
		rw, h := makeRow(0, nil, c)
		rows, heights = append(rows, rw), append(heights, h)
	}
	type ref struct{ label, value string }
	var refs []ref
	if r.doc.CustomerRef != "" && r.doc.Kind != PurchaseOrder { // a supplier has no customer reference
		refs = append(refs, ref{r.loc.T("customer_ref"), r.doc.CustomerRef})
	}
	if s := r.doc.Source; s.Ref != "" && r.doc.Kind != CreditNote && s.Kind.valid() {
		refs = append(refs, ref{r.loc.T("doc." + string(s.Kind)), s.Ref})
	}
	if len(refs) > 0 {
		const size = 33
		cells := make([]*cell, 0, len(refs)+1)
		for _, rf := range refs {
			c := r.newCell(size, 0)
			r.addMax(c, strings.ToUpper(rf.label), style{size: 7, bold: true, color: &muted}, 1)
			r.addMax(c, rf.value, style{size: 9.5, bold: true, color: &ink}, 2)
			cells = append(cells, c)
		}
		cells = append(cells, r.newCell(grid-size*len(refs), 0))
		rw, h := makeRow(0, nil, cells...)
		rows, heights = append(rows, rw), append(heights, h)
	}
	if len(rows) == 0 {
		return
	}
	p.add(spacer(4), 4)
	for i, rw := range rows {
		p.add(rw, heights[i])
	}
}

// totalEntry is one line of the totals beside the VAT breakdown.
type totalEntry struct {
	label, value string
	strong       bool
}

// totalEntries are the totals: net, VAT and gross, then on an invoice what
// was paid and what is due; a credit note says what it credits, what was
// refunded and what remains to refund, every amount positive.
func (r *renderer) totalEntries() []totalEntry {
	money := func(label string, v decimal.Decimal, strong bool) totalEntry {
		return totalEntry{r.loc.T(label), r.loc.Money(v, r.doc.Currency), strong}
	}
	gross := "total_gross"
	if r.doc.Kind == CreditNote {
		gross = "total_credited"
	}
	out := []totalEntry{
		money("total_net", r.doc.TotalNet, false),
		money("total_vat", r.doc.TotalVAT, false),
		money(gross, r.doc.TotalGross, true),
	}
	switch {
	case r.doc.Kind.asksPayment():
		out = append(out, money("amount_paid", r.doc.AmountPaid, false), money("amount_due", r.doc.AmountDue, true))
	case r.doc.Kind == CreditNote && r.doc.AmountPaid.IsPositive():
		out = append(out, money("amount_refunded", r.doc.AmountPaid, false), money("credit_remaining", r.doc.AmountDue, true))
	}
	return append(out, r.exchangeEntries()...)
}

// exchangeEntries are the rate ("1 EUR = 1.25 USD") and the VAT and total
// in the company currency of a foreign-currency document.
func (r *renderer) exchangeEntries() []totalEntry {
	x := r.doc.Exchange
	if x == nil {
		return nil
	}
	in := func(key string) string { return strings.ReplaceAll(r.loc.T(key), "{currency}", x.Currency) }
	return []totalEntry{
		{r.loc.T("exchange_rate"), "1 " + x.Currency + " = " + r.loc.Decimal(x.Rate) + " " + r.doc.Currency, false},
		{in("total_vat_in"), r.loc.Money(x.TotalVAT, x.Currency), false},
		{in("total_gross_in"), r.loc.Money(x.TotalGross, x.Currency), false},
	}
}

// note prints the document's note under the totals, its heading kept with
// its first lines.
func (r *renderer) note(p *pager) {
	txt := strings.TrimSpace(r.doc.Note)
	if txt == "" {
		return
	}
	s := style{size: 8.5, color: &ink}
	lines := r.regular.wrap(txt, s.size, contentWidth-2*padX)
	head := r.newCell(grid, 0)
	r.add(head, r.loc.T("note"), style{size: 9, bold: true, color: &accent})
	headRow, headH := makeRow(0, nil, head)
	p.keep(6 + headH + float64(min(len(lines), 2))*s.lineHeight())
	p.add(spacer(6), 6)
	p.add(headRow, headH)
	for _, ln := range lines {
		c := &cell{size: grid}
		c.addLine(ln, s)
		h := quantize(c.height)
		if !p.fits(h) {
			p.newPage()
		}
		p.add(row.New(h).Add(col.New(grid).Add(c.comps...)), h)
	}
}
