package pdf

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/doligo/doligo/embed"
)

var pageCount = regexp.MustCompile(`/Type /Pages\s*/Kids \[[^\]]*\]\s*/Count (\d+)`)

// checkPDF asserts out is a complete PDF and returns its number of pages.
func checkPDF(t *testing.T, out []byte) int {
	t.Helper()
	if !bytes.HasPrefix(out, []byte("%PDF-")) {
		t.Fatalf("not a PDF: starts with %q", out[:min(len(out), 16)])
	}
	if !bytes.HasSuffix(bytes.TrimSpace(out), []byte("%%EOF")) {
		t.Fatal("PDF is truncated: no end-of-file trailer")
	}
	m := pageCount.FindSubmatch(out)
	if m == nil {
		t.Fatal("PDF has no page tree")
	}
	n, _ := strconv.Atoi(string(m[1]))
	if n < 1 {
		t.Fatalf("PDF has %d pages", n)
	}
	return n
}

// pdfText extracts the text of out with poppler's pdftotext, one string per
// page; it skips the test when pdftotext is not installed.
func pdfText(t *testing.T, out []byte) []string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not installed (apt-get install poppler-utils): text assertions skipped")
	}
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, out, 0o600); err != nil {
		t.Fatal(err)
	}
	txt, err := exec.Command(bin, "-enc", "UTF-8", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	// pdftotext ends each page with a form feed; it writes no-break spaces as spaces.
	s := strings.NewReplacer("\u202f", " ", "\u00a0", " ").Replace(string(txt))
	return strings.Split(strings.TrimSuffix(s, "\f"), "\f")
}

// nbsp normalises the no-break spaces of expected strings like pdfText does.
func nbsp(s string) string { return strings.NewReplacer("\u202f", " ", "\u00a0", " ").Replace(s) }

// layoutPages is how many pages our pagination cut doc into.
func layoutPages(t testing.TB, doc Document, lang string) int {
	t.Helper()
	a, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	r := &renderer{ctx: context.Background(), assets: a, loc: a.catalog.Locale(lang), doc: doc}
	lay, err := r.layout()
	if err != nil {
		t.Fatal(err)
	}
	return len(lay.pages)
}

func TestRenderInvoiceInEachLanguage(t *testing.T) {
	for _, tc := range []struct {
		lang string
		want []string // labels, number and date formats of that language
		not  []string // what another language would have printed
	}{
		{"en", []string{"INVOICE", "No. FA2026-0042", "Date: 7 Mar 2026", "Due date: 6 Apr 2026", "Description", "Unit price",
			"1,250.00", "1,297.35", "89.125", "2.5", "5.5%", "10%", "3,291.88 EUR", "Amount due", "2,791.88 EUR", "VAT BREAKDOWN",
			"Payment terms", "Payment due within 30 days", "Page 1 of 1", "Amounts in EUR"},
			[]string{"1.250,00", "Fatura", "Facture"}},
		{"pt-BR", []string{"FATURA", "Nº FA2026-0042", "Data: 07/03/2026", "Vencimento: 06/04/2026", "Descrição", "Preço unit.",
			"1.250,00", "1.297,35", "89,125", "2,5", "5,5%", "EUR 3.291,88", "Valor a pagar", "EUR 2.791,88", "RESUMO DOS IMPOSTOS",
			"Condições de pagamento", "Pagamento em até 30 dias", "Página 1 de 1", "Valores em EUR"},
			[]string{"1,250.00", "Invoice", "Amount due"}},
		{"fr", []string{"FACTURE", "N° FA2026-0042", "Date: 07/03/2026", "Échéance: 06/04/2026", "Désignation", "P.U. HT",
			nbsp("1\u202f250,00"), nbsp("1\u202f297,35"), "89,125", "2,5", nbsp("5,5\u00a0%"), nbsp("3\u202f291,88\u00a0EUR"), "Reste à payer",
			"RÉCAPITULATIF TVA", "Total TTC", "Conditions de règlement", "Page 1 sur 1", "Montants exprimés en EUR"},
			[]string{"1,250.00", "1.250,00", "Amount due"}},
		{"es", []string{"FACTURA", "Nº FA2026-0042", "Fecha: 07/03/2026", "Vencimiento: 06/04/2026", "Descripción", "Precio unit.",
			"1250,00", "1297,35", "89,125", "2,5", "5,5 %", "3291,88 EUR", "Importe pendiente", "DESGLOSE DE IVA",
			"Condiciones de pago", "Página 1 de 1", "Importes en EUR"},
			[]string{"1,250.00", "Amount due"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			out, err := Render(context.Background(), sampleDoc(Invoice, threeLines()), tc.lang)
			if err != nil {
				t.Fatal(err)
			}
			if n := checkPDF(t, out); n != 1 {
				t.Fatalf("a 3-line invoice has %d pages", n)
			}
			text := strings.Join(pdfText(t, out), "\n")
			// The accented letters come from the customer's name and the labels:
			// a font without them would print nothing or boxes.
			for _, s := range append([]string{"ç", "é", "ã", "Açaí & Café São João", "Licença anual"}, tc.want...) {
				if !strings.Contains(text, s) {
					t.Errorf("%q is missing from the text:\n%s", s, text)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(text, s) {
					t.Errorf("%q (another language) is in the text", s)
				}
			}
		})
	}
}

// The language is negotiated: "pt" is Brazilian Portuguese, "de-DE" German, anything unknown English.
func TestRenderNegotiatesTheLanguage(t *testing.T) {
	for lang, want := range map[string]string{"pt": "Descrição", "fr-CA": "Désignation", "de-DE": "Beschreibung", "it": "Description", "": "Description"} {
		out, err := Render(context.Background(), sampleDoc(Order, threeLines()), lang)
		if err != nil {
			t.Fatal(err)
		}
		checkPDF(t, out)
		if text := strings.Join(pdfText(t, out), "\n"); !strings.Contains(text, want) {
			t.Errorf("lang %q: %q missing", lang, want)
		}
	}
}

// linesForPages finds the most sample lines that fit in n pages: the last
// page is then full, lines and totals.
func linesForPages(t testing.TB, n int, lang string) []Line {
	t.Helper()
	lines := manyLines(n * 60)
	lo, hi := 1, len(lines)
	for lo < hi { // smallest count that needs more than n pages
		mid := (lo + hi) / 2
		if layoutPages(t, sampleDoc(Proposal, lines[:mid]), lang) > n {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if got := layoutPages(t, sampleDoc(Proposal, lines[:lo-1]), lang); got != n {
		t.Fatalf("no line count gives %d pages (got %d)", n, got)
	}
	return lines[:lo-1]
}

func TestRenderFiftyPages(t *testing.T) {
	lines := linesForPages(t, 50, "en")
	out, err := Render(context.Background(), sampleDoc(Proposal, lines), "en")
	if err != nil {
		t.Fatal(err)
	}
	if n := checkPDF(t, out); n != 50 {
		t.Fatalf("PDF has %d pages, want 50", n)
	}
	pages := pdfText(t, out)
	if len(pages) != 50 {
		t.Fatalf("pdftotext found %d pages", len(pages))
	}
	next := 1 // every line, in order, once; every page numbered and with the table header
	for i, p := range pages {
		if want := fmt.Sprintf("Page %d of 50", i+1); !strings.Contains(p, want) {
			t.Errorf("page %d lacks %q", i+1, want)
		}
		if strings.Contains(p, "Article n°") && !strings.Contains(p, "Unit price") {
			t.Errorf("page %d has lines but no table header", i+1)
		}
		for _, m := range regexp.MustCompile(`Article n° (\d+) `).FindAllStringSubmatch(p, -1) {
			if got, _ := strconv.Atoi(m[1]); got != next {
				t.Fatalf("page %d: line %d where %d was expected", i+1, got, next)
			}
			next++
		}
	}
	if next != len(lines)+1 {
		t.Errorf("%d lines printed, want %d", next-1, len(lines))
	}
	if !strings.Contains(pages[49], "Payment terms") {
		t.Error("the payment terms are not on the last page")
	}
	if c := strings.Count(strings.Join(pages, "\n"), "Total net"); c != 1 {
		t.Errorf("the totals are printed %d times", c)
	}
}

// Our pagination must match the pages gofpdf really makes. Two past bugs
// made it break a page one row early and draw every later row out of place,
// with one page more than maroto numbered: row heights whose sum was a hair
// over the page (floating point), and a closing rule added to a full page.
func TestPaginationMatchesThePDF(t *testing.T) {
	for _, tc := range []struct {
		kind Kind
		lang string
		n    int
	}{
		{Invoice, "fr", 0}, {Invoice, "fr", 1}, {Proposal, "fr", 74}, {Proposal, "fr", 120},
		{Invoice, "en", 236}, {Invoice, "es", 236}, {Order, "pt-BR", 160},
	} {
		doc := sampleDoc(tc.kind, manyLines(tc.n))
		out, err := Render(context.Background(), doc, tc.lang)
		if err != nil {
			t.Fatal(err)
		}
		want := layoutPages(t, doc, tc.lang)
		if got := checkPDF(t, out); got != want {
			t.Errorf("%s %s, %d lines: PDF has %d pages, layout %d", tc.kind, tc.lang, tc.n, got, want)
		}
		pages := pdfText(t, out)
		a, _ := loadAssets()
		pattern := a.catalog.Locale(tc.lang).T("page")
		for i, p := range pages {
			s := strings.NewReplacer("{current}", strconv.Itoa(i+1), "{total}", strconv.Itoa(want)).Replace(pattern)
			if !strings.Contains(p, s) {
				t.Errorf("%s %s, %d lines: page %d lacks %q", tc.kind, tc.lang, tc.n, i+1, s)
			}
		}
	}
}

// The same two rules, checked on the layout alone for many documents: no
// page holds more than fits, and every row height is a multiple of 1/64 mm.
func TestLayoutNeverOverfillsAPage(t *testing.T) {
	a, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	lines := manyLines(300)
	for _, kind := range []Kind{Proposal, Order, Invoice, CreditNote} {
		for _, lang := range a.catalog.Tags() {
			for n := 0; n <= len(lines); n += 7 {
				r := &renderer{ctx: context.Background(), assets: a, loc: a.catalog.Locale(lang), doc: sampleDoc(kind, lines[:n])}
				header, headerHeight := r.header("x")
				lay, err := r.layout()
				if err != nil {
					t.Fatal(err)
				}
				for _, rw := range header {
					if h := rw.GetHeight(nil, nil); h*64 != float64(int(h*64)) {
						t.Fatalf("header row height %v is not a multiple of 1/64 mm", h)
					}
				}
				for i, rows := range lay.pages {
					sum := 0.0
					for _, rw := range rows {
						h := rw.GetHeight(nil, nil)
						if h*64 != float64(int(h*64)) {
							t.Fatalf("%s %s, %d lines: row height %v is not a multiple of 1/64 mm", kind, lang, n, h)
						}
						sum += h
					}
					if sum > bodyHeight-headerHeight {
						t.Fatalf("%s %s, %d lines: page %d holds %.3f mm, only %.3f fit", kind, lang, n, i+1, sum, bodyHeight-headerHeight)
					}
				}
			}
		}
	}
}

// Long texts wrap and long blocks are capped; nothing may outgrow a page.
func TestRenderLongTexts(t *testing.T) {
	doc := sampleDoc(CreditNote, []Line{
		sampleLine(strings.Repeat("Très longue désignation avec beaucoup de mots ", 120), "1", "10", "0", "20"),
		sampleLine("Référence_sans_espace_"+strings.Repeat("x", 200), "1", "10", "0", "20"),
		sampleLine("Multi\nligne\n\nfin", "1", "99999999.99", "0", "20"),
	})
	doc.Customer.Address = strings.Repeat("Rua das Flores, 100\n", 30)
	doc.Customer.Name = strings.Repeat("Nome Muito Comprido ", 20)
	doc.PaymentTerms = strings.Repeat("Conditions particulières de paiement. ", 200)
	out, err := Render(context.Background(), doc, "fr")
	if err != nil {
		t.Fatal(err)
	}
	want := layoutPages(t, doc, "fr")
	if got := checkPDF(t, out); got != want {
		t.Errorf("PDF has %d pages, layout %d", got, want)
	}
	text := strings.Join(pdfText(t, out), "\n")
	for _, s := range []string{"AVOIR", nbsp("99\u202f999\u202f999,99"), "Multi", "ligne", "fin", "…"} {
		if !strings.Contains(text, s) {
			t.Errorf("%q missing", s)
		}
	}
	if c := strings.Count(text, "Rua das Flores"); c > 6 {
		t.Errorf("customer address printed on %d lines, want at most 6", c)
	}
}

func TestRenderRejectsBadInput(t *testing.T) {
	doc := sampleDoc("receipt", threeLines())
	if _, err := Render(context.Background(), doc, "en"); err == nil {
		t.Error("unknown kind accepted")
	}
	doc = sampleDoc(Invoice, threeLines())
	doc.Logo = []byte("GIF89a not a png")
	if _, err := Render(context.Background(), doc, "en"); err == nil {
		t.Error("a logo that is not a PNG was accepted")
	}
	doc.Logo = embed.Logo
	out, err := Render(context.Background(), doc, "en")
	if err != nil {
		t.Fatal(err)
	}
	checkPDF(t, out)
}

// Proposals and orders owe nothing yet: no amount paid or due. A credit
// note owes nothing either: it says what was refunded (render_refs_test.go).
func TestRenderKinds(t *testing.T) {
	for kind, want := range map[Kind][]string{
		Proposal:   {"PROPOSAL", "Valid until: 6 Apr 2026", "TOTAL"},
		Order:      {"ORDER", "Delivery date: 6 Apr 2026"},
		Invoice:    {"INVOICE", "Amount paid", "AMOUNT DUE"},
		CreditNote: {"CREDIT NOTE", "Amount refunded", "TOTAL CREDITED"},
	} {
		out, err := Render(context.Background(), sampleDoc(kind, threeLines()), "en")
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(pdfText(t, out), "\n")
		for _, s := range want {
			if !strings.Contains(text, s) {
				t.Errorf("%s: %q missing", kind, s)
			}
		}
		if paid := strings.Contains(text, "Amount paid"); paid != (kind == Invoice) {
			t.Errorf("%s: amount paid printed = %v", kind, paid)
		}
	}
}

// Renders share the fonts and translations: they must not race.
func TestRenderConcurrently(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := range 4 {
		wg.Go(func() {
			out, err := Render(context.Background(), sampleDoc(Invoice, manyLines(40)), []string{"en", "fr", "es", "pt-BR"}[i])
			if err == nil && !bytes.HasPrefix(out, []byte("%PDF-")) {
				err = fmt.Errorf("render %d: not a PDF", i)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// Without a breakdown only the totals are printed.
func TestRenderWithoutVATBreakdown(t *testing.T) {
	doc := sampleDoc(Invoice, threeLines())
	doc.VAT = nil
	out, err := Render(context.Background(), doc, "en")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(pdfText(t, out), "\n")
	if strings.Contains(text, "VAT BREAKDOWN") || !strings.Contains(text, "Total VAT") {
		t.Errorf("breakdown printed or totals missing:\n%s", text)
	}
}

func TestPricePlaces(t *testing.T) {
	for in, want := range map[string]int32{"12": 2, "12.5": 2, "12.50": 2, "0.125": 3, "0.12500": 3, "1.1234567": 6, "1e3": 2} {
		if got := pricePlaces(d(in)); got != want {
			t.Errorf("pricePlaces(%s) = %d, want %d", in, got, want)
		}
	}
}

func TestWrap(t *testing.T) {
	a, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	m := a.regular
	const size, width = 8.0, 40.0
	text := "Licença anual do software de gestão, com atualizações e suporte técnico\n\nsuper" + strings.Repeat("long", 30)
	lines := m.wrap(text, size, width)
	if len(lines) < 5 {
		t.Fatalf("wrapped into %d lines: %q", len(lines), lines)
	}
	for _, l := range lines {
		if w := m.textWidth(l, size); w > width {
			t.Errorf("line %q is %.1f mm wide, more than %.0f", l, w, width)
		}
	}
	squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
	if squash(strings.Join(lines, " ")) != squash(text) {
		t.Errorf("characters lost or reordered: %q", lines)
	}
	if !slices.Contains(lines, "") {
		t.Error("the blank line between paragraphs is lost")
	}
	if got := m.wrap("short", size, width); len(got) != 1 || got[0] != "short" {
		t.Errorf("wrap(short) = %q", got)
	}
	if m.textWidth("ç", size) == 0 || m.textWidth("W", size) <= m.textWidth("i", size) {
		t.Error("the font's widths were not read")
	}
}

// Column headings may wrap between words, never inside one.
func TestTableHeadingsFitTheirColumns(t *testing.T) {
	a, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range a.catalog.Tags() {
		l := a.catalog.Locale(lang)
		for _, c := range tableCols {
			for _, w := range strings.Fields(l.T(c.label)) {
				if got, room := a.bold.textWidth(w, 7.5), colWidth(c.size)-2*padX-0.2; got > room {
					t.Errorf("%s: %q of %s is %.1f mm wide, the column has %.1f", lang, w, c.label, got, room)
				}
			}
		}
	}
}

func TestPageLabel(t *testing.T) {
	for _, tc := range [][3]string{
		{"FA1", "Page {current} of {total}", "FA1  ·  Page {current} of {total}"},
		{"", "Page {current} of {total}", "Page {current} of {total}"},
		{"X{total}", "broken", "X(total)  ·  {current} / {total}"},
	} {
		if got := pageLabel(tc[0], tc[1]); got != tc[2] {
			t.Errorf("pageLabel(%q, %q) = %q", tc[0], tc[1], got)
		}
	}
}

func TestFlattenLogo(t *testing.T) {
	out, err := flattenLogo(embed.Logo) // has an alpha channel
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ColorModel != color.RGBAModel { // decoded from an opaque 8-bit RGB PNG
		t.Errorf("flattened logo still has an alpha channel or another depth: %T", cfg.ColorModel)
	}
	img, _ := png.Decode(bytes.NewReader(out))
	if r, g, b, _ := img.At(0, 0).RGBA(); r>>8 != 255 || g>>8 != 255 || b>>8 != 255 { // a transparent corner
		t.Errorf("transparent corner became %d,%d,%d, want white", r>>8, g>>8, b>>8)
	}

	var big bytes.Buffer
	if err := png.Encode(&big, image.NewGray(image.Rect(0, 0, 2000, 1000))); err != nil {
		t.Fatal(err)
	}
	if _, err := flattenLogo(big.Bytes()); err == nil {
		t.Error("a 2000x1000 logo was accepted")
	}
}

// A purchase order is titled as one and addressed to its supplier in every
// language; it prints neither the amounts paid and due nor the payment terms
// the company gives its customers. PURCHASE_ORDER_PNG=dir also writes each
// page as PNG (pdftoppm -png -r 60) to look at.
func TestRenderPurchaseOrderInEachLanguage(t *testing.T) {
	for _, tc := range []struct {
		lang string
		want []string
		not  []string
	}{
		{"en", []string{"PURCHASE ORDER", "SUPPLIER", "Expected delivery: 6 Apr 2026"}, []string{"CUSTOMER", "Amount due", "Payment terms"}},
		{"fr", []string{"BON DE COMMANDE", "FOURNISSEUR", "Livraison prévue: 06/04/2026"}, []string{"CLIENT", "Reste à payer", "Conditions de règlement"}},
		{"es", []string{"ORDEN DE COMPRA", "PROVEEDOR", "Entrega prevista: 06/04/2026"}, []string{"CLIENTE", "Importe pendiente", "Condiciones de pago"}},
		{"pt-BR", []string{"PEDIDO DE COMPRA", "FORNECEDOR", "Entrega prevista: 06/04/2026"}, []string{"CLIENTE", "Valor a pagar", "Condições de pagamento"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			doc := sampleDoc(PurchaseOrder, threeLines())
			doc.Ref = "PO2603-0001"
			out, err := Render(context.Background(), doc, tc.lang)
			if err != nil {
				t.Fatal(err)
			}
			if n := checkPDF(t, out); n != 1 {
				t.Fatalf("a 3-line purchase order has %d pages", n)
			}
			text := strings.Join(pdfText(t, out), "\n")
			for _, s := range append([]string{"PO2603-0001", "Açaí & Café São João"}, tc.want...) {
				if !strings.Contains(text, s) {
					t.Errorf("%q is missing from the text:\n%s", s, text)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(text, s) {
					t.Errorf("%q is in the text of a purchase order", s)
				}
			}
			if dir := os.Getenv("PURCHASE_ORDER_PNG"); dir != "" {
				f := filepath.Join(dir, "po-"+tc.lang)
				if err := os.WriteFile(f+".pdf", out, 0o644); err != nil {
					t.Fatal(err)
				}
				if b, err := exec.Command("pdftoppm", "-png", "-r", "60", f+".pdf", f).CombinedOutput(); err != nil {
					t.Fatalf("pdftoppm: %v %s", err, b)
				}
			}
		})
	}
}
