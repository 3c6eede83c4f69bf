package pdf

import (
	"context"
	"strings"

	"github.com/johnfercher/maroto/v2/pkg/components/line"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"

	"github.com/doligo/doligo/internal/domain"
)

// The delivery note's table: what was ordered and what this shipment
// delivers of each line. No prices: the note travels with the goods, and
// whoever unpacks them need not see them.
var deliveryCols = []struct {
	label string
	size  int
	align align.Type
}{
	{"col.description", 64, align.Left},
	{"col.ordered", 18, align.Right},
	{"col.delivered", 18, align.Right},
}

// FromShipment is the delivery note of sh, a shipment of order, addressed to
// customer: each shipment line with its order line's description and
// ordered quantity. Renderer.RenderShipment adds the rest of the company
// (withCompany).
func FromShipment(sh *domain.Shipment, order *domain.Document, customer *domain.ThirdParty, company Party) Document {
	out := Document{
		Kind: Shipment, Ref: sh.Ref, Date: sh.Date, Currency: order.Currency, Company: company,
		Customer: Party{
			Name: customer.Name, Address: customer.Address, TaxID: customer.TaxID,
			Email: customer.Email, Phone: customer.Phone,
		},
		OrderRef: order.DisplayRef(), OrderDate: order.Date,
	}
	lines := make(map[int64]domain.Line, len(order.Lines))
	for _, l := range order.Lines {
		lines[l.ID] = l
	}
	for _, sl := range sh.Lines {
		ol := lines[sl.OrderLineID]
		out.Lines = append(out.Lines, Line{Description: ol.Description, Qty: sl.Qty, Ordered: ol.Qty})
	}
	return out
}

// RenderShipment writes the delivery note of sh, a shipment of order,
// addressed to customer and issued by company, in the language negotiated
// from lang; like Render it stops with ctx's error once ctx is done.
func (r *Renderer) RenderShipment(ctx context.Context, sh *domain.Shipment, order *domain.Document, customer *domain.ThirdParty, company domain.Company, lang string) ([]byte, error) {
	doc := FromShipment(sh, order, customer, CompanyParty(company))
	withCompany(&doc, company, customer)
	return Render(ctx, doc, lang)
}

// deliveryBody is the body of a delivery note: where the goods go and which
// order they belong to, the lines, a box for the receiver's signature, and
// the company's registration identifiers and legal notice.
func (r *renderer) deliveryBody(p *pager) error {
	rw, h := r.deliveryBlock()
	p.add(rw, h)
	p.add(spacer(6), 6)

	head, headH := r.deliveryHeader()
	p.add(head, headH)
	for i, ln := range r.doc.Lines {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		var bg *props.Color
		if i%2 == 1 {
			bg = &zebra
		}
		for _, part := range r.deliveryRows(ln, bg) {
			if !p.fits(part.h) {
				p.newPage()
				p.add(head, headH)
			}
			p.add(part.row, part.h)
		}
	}
	if p.fits(2) {
		p.add(row.New(2).Add(line.NewCol(grid, props.Line{Color: &accent, Thickness: 0.3, SizePercent: 100, OffsetPercent: 5})), 2)
	}
	if err := r.ctx.Err(); err != nil {
		return err
	}

	// The receiver signs the copy the carrier brings back.
	sign := r.newCell(48, 2)
	sign.bg = &panel
	sign.gap(1)
	r.add(sign, strings.ToUpper(r.loc.T("received_by")), style{size: 7, bold: true, color: &accent})
	sign.gap(16)
	r.add(sign, r.loc.T("signature"), style{size: 7.5, color: &muted})
	sign.gap(1)
	signRow, signH := makeRow(0, nil, r.newCell(grid-48, 0), sign)

	p.keep(10 + signH)
	p.add(spacer(10), 10)
	p.add(signRow, signH)
	r.companyFooter(p)
	return nil
}

// deliveryBlock is the addressee (deliver to) beside the order delivered.
func (r *renderer) deliveryBlock() (core.Row, float64) {
	cust := r.newCell(52, 2)
	cust.bg = &panel
	cust.gap(1)
	r.add(cust, strings.ToUpper(r.loc.T("ship_to")), style{size: 7, bold: true, color: &accent})
	cust.gap(0.5)
	r.addMax(cust, r.doc.Customer.Name, style{size: 10.5, bold: true, color: &ink}, 2)
	r.addParty(cust, r.doc.Customer, style{size: 8.5, color: &ink})
	cust.gap(1)

	ord := r.newCell(42, 2)
	ord.bg = &accent
	ord.gap(1)
	r.add(ord, strings.ToUpper(r.loc.T("order_ref")), style{size: 7, bold: true, color: &white, align: align.Right})
	ord.gap(0.5)
	r.addFigure(ord, r.doc.OrderRef, style{size: 14, bold: true, color: &white, align: align.Right})
	if !r.doc.OrderDate.IsZero() {
		r.add(ord, r.loc.T("order_date")+": "+r.loc.Date(r.doc.OrderDate), style{size: 8, color: &white, align: align.Right})
	}
	return makeRow(0, nil, cust, r.newCell(grid-52-42, 0), ord)
}

func (r *renderer) deliveryHeader() (core.Row, float64) {
	cells := make([]*cell, len(deliveryCols))
	for i, tc := range deliveryCols {
		cells[i] = r.newCell(tc.size, 0)
		r.add(cells[i], r.loc.T(tc.label), style{size: 7.5, bold: true, color: &white, align: tc.align})
	}
	return makeRow(0, &accent, cells...)
}

// deliveryRows is one line of the note, continued on further rows when its
// description is very long (as lineRows).
func (r *renderer) deliveryRows(ln Line, bg *props.Color) []sizedRow {
	s := style{size: 8, color: &ink}
	num := s
	num.align = align.Right
	desc := r.regular.wrap(ln.Description, s.size, colWidth(deliveryCols[0].size)-2*padX)
	var out []sizedRow
	for start := 0; start < len(desc); start += maxLinesPerRow {
		d := r.newCell(deliveryCols[0].size, 0)
		for _, l := range desc[start:min(start+maxLinesPerRow, len(desc))] {
			d.addLine(l, s)
		}
		cells := []*cell{d}
		if start == 0 {
			ordered, delivered := r.newCell(deliveryCols[1].size, 0), r.newCell(deliveryCols[2].size, 0)
			r.addFigure(ordered, r.loc.Decimal(ln.Ordered), num)
			r.addFigure(delivered, r.loc.Decimal(ln.Qty), style{size: 8, bold: true, color: &ink, align: align.Right})
			cells = append(cells, ordered, delivered)
		} else {
			cells = append(cells, r.newCell(grid-deliveryCols[0].size, 0))
		}
		rw, h := makeRow(0, bg, cells...)
		out = append(out, sizedRow{rw, h})
	}
	return out
}
