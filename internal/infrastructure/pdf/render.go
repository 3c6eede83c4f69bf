package pdf

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/johnfercher/maroto/v2"
	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/image"
	"github.com/johnfercher/maroto/v2/pkg/components/line"
	"github.com/johnfercher/maroto/v2/pkg/components/page"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/components/text"
	"github.com/johnfercher/maroto/v2/pkg/config"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/consts/extension"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/consts/pagesize"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/core/entity"
	"github.com/johnfercher/maroto/v2/pkg/props"
	"github.com/johnfercher/maroto/v2/pkg/repository"
	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/embed"
	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/i18n"
)

// Page geometry, in mm (A4 portrait).
const (
	pageHeight   = 297.0
	marginLeft   = 15.0
	marginRight  = 15.0
	marginTop    = 12.0
	marginBottom = 15.0
	contentWidth = 210.0 - marginLeft - marginRight
	bodyHeight   = pageHeight - marginTop - marginBottom
	grid         = 100 // column sizes are percentages of the content width
	padX         = 1.5 // text inset from a cell's left and right edges
	padY         = 1.2 // text inset from a row's top and bottom
	leading      = 1.25
	// A row wraps into several rows of at most this many description lines,
	// so that no single row is ever taller than a page.
	maxLinesPerRow = 30
)

const family = "dejavu"

var (
	ink    = props.Color{Red: 33, Green: 37, Blue: 41}
	muted  = props.Color{Red: 108, Green: 117, Blue: 125}
	accent = props.Color{Red: 31, Green: 78, Blue: 121}
	white  = props.Color{Red: 255, Green: 255, Blue: 255}
	zebra  = props.Color{Red: 244, Green: 247, Blue: 250}
	panel  = props.Color{Red: 236, Green: 241, Blue: 246}
)

// assets are loaded once per process: parsing the fonts' metrics is the only
// costly part, and everything here is read-only afterwards.
type assets struct {
	regular, bold *metrics
	catalog       *i18n.Catalog
	logo          []byte // the embedded default, flattened
}

var loadAssets = sync.OnceValues(func() (*assets, error) {
	regular, err := newMetrics(embed.FontRegular)
	if err != nil {
		return nil, err
	}
	bold, err := newMetrics(embed.FontBold)
	if err != nil {
		return nil, err
	}
	cat, err := i18n.Embedded()
	if err != nil {
		return nil, err
	}
	logo, err := flattenLogo(embed.Logo)
	if err != nil {
		return nil, err
	}
	return &assets{regular: regular, bold: bold, catalog: cat, logo: logo}, nil
})

// Render writes doc as a PDF in the language negotiated from lang ("pt",
// "fr-CA", an Accept-Language value; unknown → English).
//
// It checks ctx between rows while it lays the document out and while it
// draws the pages; once ctx is done it stops drawing and returns ctx.Err()
// with no bytes, so a caller whose client went away gets nothing to write.
func Render(ctx context.Context, doc Document, lang string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !doc.Kind.valid() {
		return nil, fmt.Errorf("pdf: unknown document kind %q", doc.Kind)
	}
	a, err := loadAssets()
	if err != nil {
		return nil, fmt.Errorf("pdf: load assets: %w", err)
	}
	if doc.Logo == nil {
		doc.Logo = a.logo
	} else if doc.Logo, err = flattenLogoCached(doc.Logo); err != nil {
		// Caught here: maroto would print "could not parse image bytes" instead.
		return nil, fmt.Errorf("pdf: %w", err)
	}
	r := &renderer{ctx: ctx, assets: a, loc: a.catalog.Locale(lang), doc: doc}
	out, err := r.render()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil { // cancelled while drawing: what was drawn is incomplete
		return nil, err
	}
	return out, nil
}

type renderer struct {
	ctx context.Context
	*assets
	loc     *i18n.Locale
	doc     Document
	stopped bool // the context was found done while drawing (one goroutine draws)
}

// layout is the whole document cut into pages, before maroto draws it.
type layout struct {
	title  string
	header []core.Row // on top of every page
	pages  [][]core.Row
}

func (r *renderer) layout() (*layout, error) {
	title := r.loc.T("doc." + string(r.doc.Kind))
	header, headerHeight := r.header(title)
	p := &pager{avail: bodyHeight - headerHeight}
	if err := r.body(p); err != nil {
		return nil, err
	}
	return &layout{title: title, header: header, pages: p.pages}, nil
}

func (r *renderer) render() ([]byte, error) {
	lay, err := r.layout()
	if err != nil {
		return nil, err
	}
	// Each render gets its own copy of the fonts: gofpdf writes into the
	// bytes it is given (it pads tables in place while subsetting), which
	// raced between concurrent renders under the race detector.
	fonts, err := repository.New().
		AddUTF8FontFromBytes(family, fontstyle.Normal, bytes.Clone(embed.FontRegular)).
		AddUTF8FontFromBytes(family, fontstyle.Bold, bytes.Clone(embed.FontBold)).
		Load()
	if err != nil {
		return nil, err
	}
	cfg := config.NewBuilder().
		WithPageSize(pagesize.A4).
		WithLeftMargin(marginLeft).WithRightMargin(marginRight).
		WithTopMargin(marginTop).WithBottomMargin(marginBottom).
		WithMaxGridSize(grid).
		WithCustomFonts(fonts).
		WithDefaultFont(&props.Font{Family: family, Size: 9, Color: &ink}).
		WithPageNumber(props.PageNumber{
			Pattern: pageLabel(r.doc.Ref, r.loc.T("page")),
			Place:   props.RightBottom, Size: 7, Color: &muted,
		}).
		WithTitle(strings.TrimSpace(lay.title+" "+r.doc.Ref), true).
		WithAuthor(r.doc.Company.Name, true).
		WithCreator("Dolibarr-Go", true).
		WithCompression(true).
		Build()
	m := maroto.New(cfg)
	if err := m.RegisterHeader(r.guard(lay.header)...); err != nil {
		return nil, err
	}
	pages := make([]core.Page, len(lay.pages))
	for i, rows := range lay.pages {
		pages[i] = page.New().Add(r.guard(rows)...)
	}
	m.AddPages(pages...)
	if err := r.ctx.Err(); err != nil {
		return nil, err
	}
	out, err := m.Generate()
	if err != nil {
		return nil, err
	}
	return out.GetBytes(), nil
}

// pageLabel puts the reference before "Page 1 of 2": a loose page still
// says which document it belongs to. maroto needs both placeholders.
func pageLabel(ref, pattern string) string {
	if !strings.Contains(pattern, "{current}") || !strings.Contains(pattern, "{total}") {
		pattern = "{current} / {total}"
	}
	ref = strings.NewReplacer("{", "(", "}", ")").Replace(ref)
	if ref == "" {
		return pattern
	}
	return ref + "  ·  " + pattern
}

// guardedRow draws its row only while the context is live. maroto draws
// every page in one call with no way to stop it; once the context is done
// each remaining row is skipped without even looking at the context again,
// so Generate returns at once and Render reports ctx.Err().
type guardedRow struct {
	core.Row
	r *renderer
}

func (g guardedRow) Render(p core.Provider, c entity.Cell) {
	if g.r.stopped {
		return
	}
	if g.r.ctx.Err() != nil {
		g.r.stopped = true
		return
	}
	g.Row.Render(p, c)
}

func (r *renderer) guard(rows []core.Row) []core.Row {
	out := make([]core.Row, len(rows))
	for i, row := range rows {
		out[i] = guardedRow{Row: row, r: r}
	}
	return out
}

// pager cuts the body into pages from the rows' known heights, so the table
// header can be repeated and blocks kept together; maroto adds the
// registered header on top of each page.
type pager struct {
	avail, used float64
	pages       [][]core.Row
}

// slack keeps a row from ending exactly on the bottom margin; the sums
// themselves are exact (see quantize).
const slack = 0.05

func (p *pager) fits(h float64) bool { return p.used+h <= p.avail-slack }

// add puts row on the current page, or on a new one when it does not fit:
// a page that maroto had to split itself would throw the pages off.
func (p *pager) add(row core.Row, h float64) {
	if len(p.pages) == 0 || (p.used > 0 && !p.fits(h)) {
		p.newPage()
	}
	p.pages[len(p.pages)-1] = append(p.pages[len(p.pages)-1], row)
	p.used += h
}

func (p *pager) newPage() {
	p.pages = append(p.pages, nil)
	p.used = 0
}

// keep starts a new page unless h more millimetres fit on this one.
func (p *pager) keep(h float64) {
	if len(p.pages) > 0 && p.used > 0 && !p.fits(h) {
		p.newPage()
	}
}

// style is how one piece of text looks.
type style struct {
	size  float64
	bold  bool
	color *props.Color
	align align.Type
}

func (s style) lineHeight() float64 { return s.size * ptToMM * leading }

func (r *renderer) metricsOf(s style) *metrics {
	if s.bold {
		return r.bold
	}
	return r.regular
}

func colWidth(size int) float64 { return contentWidth * float64(size) / grid }

// cell is one column of a row: paragraphs stacked from the top, each wrapped
// to the column's width.
type cell struct {
	size   int
	inset  float64 // extra left/right inset, for boxed blocks
	comps  []core.Component
	height float64 // from the row's top to below the last line
	bg     *props.Color
}

func (r *renderer) newCell(size int, inset float64) *cell {
	return &cell{size: size, inset: inset, height: padY}
}

// add wraps text to the cell and stacks its lines.
func (r *renderer) add(c *cell, txt string, s style) { r.addMax(c, txt, s, 0) }

// addMax is add keeping at most maxLines lines (0: all), the last one ending
// with "…": a block such as an address must not outgrow the page.
func (r *renderer) addMax(c *cell, txt string, s style, maxLines int) {
	for _, ln := range r.capLines(c, txt, s, maxLines) {
		c.addLine(ln, s)
	}
}

// capLines is txt wrapped to the cell, at most maxLines lines (0: all).
func (r *renderer) capLines(c *cell, txt string, s style, maxLines int) []string {
	width := colWidth(c.size) - 2*(padX+c.inset)
	m := r.metricsOf(s)
	lines := m.wrap(txt, s.size, width)
	if maxLines > 0 && len(lines) > maxLines {
		lines = lines[:maxLines]
		last := lines[maxLines-1] + "…"
		for last != "…" && m.textWidth(last, s.size) > width-0.2 {
			_, n := utf8.DecodeLastRuneInString(strings.TrimSuffix(last, "…"))
			last = last[:len(last)-len("…")-n] + "…"
		}
		lines[maxLines-1] = last
	}
	return lines
}

// addFigure writes a number on one line, in a smaller size if it would not
// fit: a figure cut in two could be misread.
func (r *renderer) addFigure(c *cell, v string, s style) {
	width := colWidth(c.size) - 2*(padX+c.inset) - 0.2
	if w := r.metricsOf(s).textWidth(v, s.size); w > width {
		size := s.size * width / w
		drop := (s.size - size) * ptToMM
		c.height += drop // same baseline as the full-size figures beside it
		c.addLine(v, style{size: size, bold: s.bold, color: s.color, align: s.align})
		c.height += drop * (leading - 1)
		return
	}
	c.addLine(v, s)
}

func (c *cell) addLine(ln string, s style) {
	fs := fontstyle.Normal
	if s.bold {
		fs = fontstyle.Bold
	}
	if ln != "" {
		c.comps = append(c.comps, text.New(ln, props.Text{
			Top: c.height, Left: padX + c.inset, Right: padX + c.inset,
			Family: family, Style: fs, Size: s.size, Align: s.align, Color: s.color,
		}))
	}
	c.height += s.lineHeight()
}

func (c *cell) gap(h float64) { c.height += h }

// quantize rounds a row height up to a multiple of 1/64 mm. Such heights
// add up exactly in floating point, and they must: maroto moves to the next
// page only through gofpdf's automatic page break, so a filler row that ends
// a billionth of a millimetre below the margin breaks the page one row early
// and every later row is drawn out of place.
func quantize(h float64) float64 { return math.Ceil(h*64) / 64 }

// makeRow builds a row as tall as its tallest cell (at least minHeight).
func makeRow(minHeight float64, bg *props.Color, cells ...*cell) (core.Row, float64) {
	h := minHeight
	for _, c := range cells {
		h = max(h, c.height+padY)
	}
	h = quantize(h)
	cols := make([]core.Col, len(cells))
	for i, c := range cells {
		cols[i] = col.New(c.size).Add(c.comps...)
		if c.bg != nil {
			cols[i].WithStyle(&props.Cell{BackgroundColor: c.bg})
		}
	}
	rw := row.New(h).Add(cols...)
	if bg != nil {
		rw.WithStyle(&props.Cell{BackgroundColor: bg})
	}
	return rw, h
}

func spacer(h float64) core.Row { return row.New(h).Add(col.New(grid)) }

// header is printed on top of every page: logo, issuer, document title,
// number and dates.
func (r *renderer) header(title string) ([]core.Row, float64) {
	const logoSize = 11
	logo := r.doc.Logo

	co := r.newCell(47, 0)
	body := style{size: 8.5, color: &muted}
	r.addMax(co, r.doc.Company.Name, style{size: 12, bold: true, color: &ink}, 2)
	co.gap(0.6)
	r.addParty(co, r.doc.Company, body)

	info := r.newCell(grid-logoSize-47, 0)
	r.addMax(info, strings.ToUpper(title), style{size: 16, bold: true, color: &accent, align: align.Right}, 2)
	info.gap(0.6)
	if r.doc.Ref != "" {
		r.addMax(info, r.loc.T("ref")+" "+r.doc.Ref, style{size: 10, bold: true, color: &ink, align: align.Right}, 2)
	}
	right := style{size: 8.5, color: &muted, align: align.Right}
	if !r.doc.Date.IsZero() {
		r.add(info, r.loc.T("date")+": "+r.loc.Date(r.doc.Date), right)
	}
	if r.showsDueDate() {
		r.add(info, r.loc.T("due_date."+string(r.doc.Kind))+": "+r.loc.Date(r.doc.DueDate), right)
	}
	r.settledMark(info)
	if r.doc.OrderRef != "" {
		r.addMax(info, r.loc.T("order_ref")+": "+r.doc.OrderRef, right, 1)
	}

	const logoMM = 18.0
	logoCell := &cell{size: logoSize, height: logoMM}
	logoCell.comps = []core.Component{image.NewFromBytes(logo, extension.Png, props.Rect{Top: padY, Percent: 100 * logoMM / colWidth(logoSize)})}

	top, h := makeRow(0, nil, logoCell, co, info)
	const ruleHeight = 6.0
	rule := row.New(ruleHeight).Add(line.NewCol(grid, props.Line{Color: &accent, Thickness: 0.5, SizePercent: 100, OffsetPercent: 30}))
	return []core.Row{top, rule}, h + ruleHeight
}

// addParty writes an address block: address lines, tax id, e-mail, phone.
func (r *renderer) addParty(c *cell, p Party, s style) {
	if p.Address != "" {
		r.addMax(c, p.Address, s, 6)
	}
	if p.TaxID != "" {
		r.addMax(c, r.loc.T("tax_id")+": "+p.TaxID, s, 1)
	}
	contact := []string{}
	if p.Email != "" {
		contact = append(contact, p.Email)
	}
	if p.Phone != "" {
		contact = append(contact, p.Phone)
	}
	if len(contact) > 0 {
		r.addMax(c, strings.Join(contact, "  ·  "), s, 2)
	}
}

// The lines table: columns as percentages of the content width.
var tableCols = []struct {
	label string
	size  int
	align align.Type
}{
	{"col.description", 30, align.Left},
	{"col.qty", 7, align.Right},
	{"col.unit_price", 12, align.Right},
	{"col.discount", 8, align.Right},
	{"col.vat_rate", 8, align.Right},
	{"col.net", 12, align.Right},
	{"col.vat", 11, align.Right},
	{"col.gross", 12, align.Right},
}

func (r *renderer) body(p *pager) error {
	if r.doc.Kind == Shipment {
		return r.deliveryBody(p)
	}
	rows, heights := r.customerRows()
	for i, rw := range rows {
		p.add(rw, heights[i])
	}
	r.references(p)
	p.add(spacer(6), 6)

	note := r.newCell(grid, 0)
	r.add(note, strings.ReplaceAll(r.loc.T("amounts_in"), "{currency}", r.doc.Currency), style{size: 7.5, color: &muted, align: align.Right})
	noteRow, noteH := makeRow(0, nil, note)
	head, headH := r.tableHeader()
	p.add(noteRow, noteH)
	p.add(head, headH)

	for i, ln := range r.doc.Lines {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		var bg *props.Color
		if i%2 == 1 {
			bg = &zebra
		}
		for _, part := range r.lineRows(ln, bg) {
			if !p.fits(part.h) {
				p.newPage()
				p.add(head, headH)
			}
			p.add(part.row, part.h)
		}
	}
	if p.fits(2) { // at the foot of a page the page itself closes the table
		p.add(row.New(2).Add(line.NewCol(grid, props.Line{Color: &accent, Thickness: 0.3, SizePercent: 100, OffsetPercent: 5})), 2)
	}

	if err := r.ctx.Err(); err != nil {
		return err
	}
	rows, heights = r.totals()
	total := 0.0
	for _, h := range heights {
		total += h
	}
	p.keep(4 + total)
	p.add(spacer(4), 4)
	for i, rw := range rows {
		p.add(rw, heights[i])
	}
	r.vatMention(p)
	r.note(p)
	if r.printsPaymentTerms() {
		r.paymentTerms(p)
	}
	r.companyFooter(p)
	return nil
}

func (r *renderer) tableHeader() (core.Row, float64) {
	cells := make([]*cell, len(tableCols))
	for i, tc := range tableCols {
		cells[i] = r.newCell(tc.size, 0)
		r.add(cells[i], r.loc.T(tc.label), style{size: 7.5, bold: true, color: &white, align: tc.align})
	}
	return makeRow(0, &accent, cells...)
}

type sizedRow struct {
	row core.Row
	h   float64
}

// lineRows is one document line: a row with every figure and the start of
// the description, then continuation rows if the description is very long.
func (r *renderer) lineRows(ln Line, bg *props.Color) []sizedRow {
	s := style{size: 8, color: &ink}
	num := s
	num.align = align.Right
	desc := r.regular.wrap(r.lineText(ln), s.size, colWidth(tableCols[0].size)-2*padX)

	var out []sizedRow
	for start := 0; start < len(desc); start += maxLinesPerRow {
		d := r.newCell(tableCols[0].size, 0)
		for _, l := range desc[start:min(start+maxLinesPerRow, len(desc))] {
			d.addLine(l, s)
		}
		cells := []*cell{d}
		if start == 0 {
			discount := ""
			if !ln.DiscountPercent.IsZero() {
				discount = r.loc.Percent(ln.DiscountPercent)
			}
			for i, v := range []string{
				r.loc.Decimal(ln.Qty),
				r.loc.Number(ln.UnitPrice, pricePlacesIn(ln.UnitPrice, r.doc.Currency)),
				discount,
				r.loc.Percent(ln.VATRate),
				r.loc.Amount(ln.Net, r.doc.Currency),
				r.loc.Amount(ln.VAT, r.doc.Currency),
				r.loc.Amount(ln.Gross, r.doc.Currency),
			} {
				c := r.newCell(tableCols[i+1].size, 0)
				r.addFigure(c, v, num)
				cells = append(cells, c)
			}
		} else {
			cells = append(cells, r.newCell(grid-tableCols[0].size, 0))
		}
		rw, h := makeRow(0, bg, cells...)
		out = append(out, sizedRow{rw, h})
	}
	return out
}

// pricePlaces shows a unit price with 2 decimals, or with as many as it
// really has (up to 6) when it is finer than a cent: 0.125 stays 0.125.
func pricePlaces(d decimal.Decimal) int32 { return placesFrom(d, 2) }

// pricePlacesIn is pricePlaces with the currency's decimals for the
// minimum: 1250 JPY, 12.500 BHD, 0.125 JPY.
func pricePlacesIn(d decimal.Decimal, currency string) int32 {
	return placesFrom(d, domain.CurrencyPrecision(currency))
}

func placesFrom(d decimal.Decimal, least int32) int32 {
	exp := -d.Truncate(6).Exponent()
	for exp > least && d.Truncate(6).Equal(d.Truncate(exp-1)) {
		exp--
	}
	return min(max(exp, least), 6)
}

// totals is the VAT breakdown (left) beside the totals (right), row by row.
func (r *renderer) totals() ([]core.Row, []float64) {
	const (
		rateSize, baseSize, vatSize = 12, 19, 17
		gapSize                     = 10
		labelSize, valueSize        = 24, 18
	)
	vat := r.doc.VAT
	entries := r.totalEntries()

	small := style{size: 7.5, bold: true, color: &accent}
	plain := style{size: 8.5, color: &ink}
	var rows []core.Row
	var heights []float64
	n := len(entries)
	if len(vat) > 0 {
		n = max(n, len(vat)+2) // title and column labels, then one row per rate
	}
	for i := range n {
		left := []*cell{r.newCell(rateSize, 0), r.newCell(baseSize, 0), r.newCell(vatSize, 0)}
		switch {
		case len(vat) == 0:
		case i == 0:
			left = []*cell{r.newCell(rateSize+baseSize+vatSize, 0)}
			r.add(left[0], strings.ToUpper(r.loc.T("vat_breakdown")), small)
		case i == 1:
			for j, k := range []string{"vat.rate", "vat.base", "vat.amount"} {
				a := align.Right
				if j == 0 {
					a = align.Left
				}
				left[j].bg = &panel
				r.add(left[j], r.loc.T(k), style{size: 7.5, bold: true, color: &ink, align: a})
			}
		case i-2 < len(vat):
			v := vat[i-2]
			r.add(left[0], r.loc.Percent(v.Rate), plain)
			r.addFigure(left[1], r.loc.Amount(v.Base, r.doc.Currency), style{size: 8.5, color: &ink, align: align.Right})
			r.addFigure(left[2], r.loc.Amount(v.Amount, r.doc.Currency), style{size: 8.5, color: &ink, align: align.Right})
		}
		label, value := r.newCell(labelSize, 0), r.newCell(valueSize, 0)
		if i < len(entries) {
			e := entries[i]
			st := style{size: 8.5, bold: e.strong, color: &ink}
			if e.strong {
				st.color = &white
				label.bg, value.bg = &accent, &accent
			}
			r.add(label, e.label, st)
			st.align = align.Right
			r.addFigure(value, e.value, st)
		}
		cells := append(left, r.newCell(gapSize, 0), label, value)
		rw, h := makeRow(6, nil, cells...)
		rows = append(rows, rw)
		heights = append(heights, h)
	}
	return rows, heights
}

// paymentTerms closes the document: its heading stays with its first lines.
func (r *renderer) paymentTerms(p *pager) {
	terms := r.termsText()
	s := style{size: 8.5, color: &muted}
	lines := r.regular.wrap(terms, s.size, contentWidth-2*padX)

	head := r.newCell(grid, 0)
	r.add(head, r.loc.T("payment_terms"), style{size: 9, bold: true, color: &accent})
	headRow, headH := makeRow(0, nil, head)
	firstH := float64(min(len(lines), 2)) * s.lineHeight()
	p.keep(8 + headH + firstH)
	p.add(spacer(8), 8)
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
