package pdf

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// renderText renders doc in lang and returns the text of each page.
func renderText(t *testing.T, doc Document, lang string) []string {
	t.Helper()
	out, err := Render(context.Background(), doc, lang)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := checkPDF(t, out), layoutPages(t, doc, lang); got != want {
		t.Fatalf("PDF has %d pages, layout %d", got, want)
	}
	return pdfText(t, out)
}

func assertText(t *testing.T, text string, want, not []string) {
	t.Helper()
	for _, s := range want {
		if !strings.Contains(text, s) {
			t.Errorf("%q is missing from the text:\n%s", s, text)
		}
	}
	for _, s := range not {
		if strings.Contains(text, s) {
			t.Errorf("%q is in the text:\n%s", s, text)
		}
	}
}

// The box beside the customer is as tall as what it says: a long customer
// block goes on below it instead of stretching it.
func TestSummaryBoxIsSizedToItsContent(t *testing.T) {
	a, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*Document)
		split bool
	}{
		{"long customer block", func(d *Document) {
			d.Customer.Address = "Avenida Paulista, 1578\nBela Vista\nSão Paulo/SP\n01310-200\nBrasil\nCaixa postal 42"
			d.Contact = Contact{Name: "Joana Ribeiro", Position: "Compradora", Email: "joana@acai-cafe.example"}
		}, true},
		{"short customer block", func(d *Document) { d.Customer = Party{Name: "Bar"} }, false},
	} {
		doc := sampleDoc(Invoice, threeLines())
		tc.edit(&doc)
		r := &renderer{ctx: context.Background(), assets: a, loc: a.catalog.Locale("en"), doc: doc}
		box := quantize(r.summary().height + padY)
		line := style{size: 10.5}.lineHeight() // the tallest line of the panel
		rows, heights := r.customerRows()
		if heights[0] < box || heights[0] > box+line {
			t.Errorf("%s: the row of the box is %.2f mm high, the box's content %.2f mm", tc.name, heights[0], box)
		}
		if split := len(rows) == 2; split != tc.split {
			t.Errorf("%s: customer block in %d rows", tc.name, len(rows))
		}
		out, err := Render(context.Background(), doc, "en")
		if err != nil {
			t.Fatal(err)
		}
		// Nothing of the customer block is lost in the split.
		assertText(t, strings.Join(pdfText(t, out), "\n"), []string{doc.Customer.Name, "AMOUNT DUE"}, nil)
		if tc.split {
			assertText(t, strings.Join(pdfText(t, out), "\n"), []string{"Caixa postal 42", "Contact: Joana Ribeiro, Compradora", "joana@acai-cafe.example"}, nil)
		}
	}
}

func TestNotePrintedWhenPresent(t *testing.T) {
	doc := sampleDoc(Order, threeLines())
	doc.Note = "Livraison au quai n° 3.\nMerci de rappeler notre référence."
	assertText(t, strings.Join(renderText(t, doc, "en"), "\n"), []string{"Note", "Livraison au quai n° 3.", "Merci de rappeler notre référence."}, nil)
	doc.Note = "  "
	assertText(t, strings.Join(renderText(t, doc, "en"), "\n"), nil, []string{"Note\n"})
}

func TestCustomerRefAndSourcePrinted(t *testing.T) {
	for _, tc := range []struct {
		kind   Kind
		source Source
		lang   string
		want   []string
	}{
		{Invoice, Source{Order, "CO2612-0003"}, "en", []string{"YOUR REFERENCE", "PO-ACME-7781", "ORDER", "CO2612-0003"}},
		{Invoice, Source{Order, "CO2612-0003"}, "fr", []string{"VOTRE RÉFÉRENCE", "PO-ACME-7781", "COMMANDE", "CO2612-0003"}},
		{Order, Source{Proposal, "PR2612-0007"}, "pt-BR", []string{"SUA REFERÊNCIA", "PO-ACME-7781", "PROPOSTA COMERCIAL", "PR2612-0007"}},
		{Order, Source{Proposal, "PR2612-0007"}, "es", []string{"SU REFERENCIA", "PO-ACME-7781", "PRESUPUESTO", "PR2612-0007"}},
	} {
		doc := sampleDoc(tc.kind, threeLines())
		doc.CustomerRef, doc.Source = "PO-ACME-7781", tc.source
		assertText(t, strings.Join(renderText(t, doc, tc.lang), "\n"), tc.want, nil)
	}
	doc := sampleDoc(Invoice, threeLines()) // none: no empty labels
	assertText(t, strings.Join(renderText(t, doc, "en"), "\n"), nil, []string{"YOUR REFERENCE", "ORDER"})
}

func TestContactPrintedWhenPresent(t *testing.T) {
	doc := sampleDoc(Proposal, threeLines())
	doc.Contact = Contact{Name: "Joana Ribeiro", Position: "Compradora", Email: "joana@acai-cafe.example", Phone: "+55 11 3000-0000"}
	assertText(t, strings.Join(renderText(t, doc, "fr"), "\n"),
		[]string{"Contact: Joana Ribeiro, Compradora", "joana@acai-cafe.example · +55 11 3000-0000"}, nil)
	doc.Contact = Contact{}
	assertText(t, strings.Join(renderText(t, doc, "fr"), "\n"), nil, []string{"Contact:"})
}

// A paid invoice says so on every page, and asks for nothing more.
func TestPaidInvoiceIsMarkedPaid(t *testing.T) {
	doc := sampleDoc(Invoice, manyLines(120))
	doc.Paid, doc.AmountPaid, doc.AmountDue = true, doc.TotalGross, d("0")
	pages := renderText(t, doc, "en")
	if len(pages) < 2 {
		t.Fatalf("%d page(s): the mark on every page is not tested", len(pages))
	}
	for i, p := range pages {
		if !strings.Contains(p, "PAID") {
			t.Errorf("page %d has no PAID mark", i+1)
		}
	}
	assertText(t, strings.Join(pages, "\n"), []string{"Amount paid", "Amount due"}, []string{"Payment terms", "AMOUNT DUE"})

	doc.Paid, doc.AmountPaid, doc.AmountDue = false, d("500"), doc.TotalGross.Sub(d("500"))
	assertText(t, strings.Join(renderText(t, doc, "en"), "\n"), []string{"AMOUNT DUE", "Payment terms"}, []string{"PAID"})
	for lang, mark := range map[string]string{"fr": "PAYÉE", "es": "PAGADA", "pt-BR": "PAGA"} {
		doc := sampleDoc(Invoice, threeLines())
		doc.Paid = true
		assertText(t, strings.Join(renderText(t, doc, lang), "\n"), []string{mark}, nil)
	}
}

var negative = regexp.MustCompile(`(^|[\s(])[-−]\s?\d`)

// A credit note names the invoice it corrects and says what it credits and
// what was refunded, in positive amounts; nothing in it asks for payment.
func TestCreditNoteNamesItsInvoiceAndIsACredit(t *testing.T) {
	for _, tc := range []struct {
		lang string
		want []string
		not  []string
	}{
		{"en", []string{"CREDIT NOTE", "Credit note for invoice FA2612-0001", "TOTAL CREDITED", "Total credited", "Amount refunded", "To be refunded"},
			[]string{"Amount due", "AMOUNT DUE", "Payment terms", "Due date", "Amount paid", "Payment due"}},
		{"fr", []string{"AVOIR", "Avoir sur la facture FA2612-0001", "TOTAL DE L'AVOIR", "Déjà remboursé", "Reste à rembourser"},
			[]string{"Reste à payer", "Conditions de règlement", "Échéance", "Déjà réglé"}},
		{"es", []string{"FACTURA RECTIFICATIVA", "Rectifica la factura FA2612-0001", "TOTAL ABONADO", "Importe reembolsado", "Pendiente de reembolso"},
			[]string{"Importe pendiente", "Condiciones de pago", "Vencimiento", "Importe pagado"}},
		{"pt-BR", []string{"NOTA DE CRÉDITO", "Nota de crédito referente à fatura FA2612-0001", "TOTAL CREDITADO", "Valor reembolsado", "A reembolsar"},
			[]string{"Valor a pagar", "Condições de pagamento", "Vencimento", "Valor pago"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			doc := sampleDoc(CreditNote, threeLines())
			doc.Ref, doc.Source = "AV2612-0001", Source{Invoice, "FA2612-0001"}
			text := strings.Join(renderText(t, doc, tc.lang), "\n")
			assertText(t, text, tc.want, tc.not)
			if m := negative.FindString(text); m != "" {
				t.Errorf("a negative amount %q on a credit note:\n%s", m, text)
			}
		})
	}
	doc := sampleDoc(CreditNote, threeLines())
	doc.AmountPaid, doc.AmountDue = d("0"), doc.TotalGross // nothing refunded yet: no refund lines
	assertText(t, strings.Join(renderText(t, doc, "en"), "\n"), []string{"TOTAL CREDITED"}, []string{"Amount refunded", "To be refunded", "REFUNDED"})
	doc.Paid, doc.AmountPaid, doc.AmountDue = true, doc.TotalGross, d("0")
	assertText(t, strings.Join(renderText(t, doc, "en"), "\n"), []string{"REFUNDED"}, []string{"PAID"})
}

// The new blocks keep the pagination exact: the PDF has the pages the layout
// planned, whatever falls at a page break (references, a long note).
func TestPaginationWithReferencesAndNote(t *testing.T) {
	for _, kind := range []Kind{Proposal, Invoice, CreditNote} {
		for _, n := range []int{0, 30, 47, 74, 120} {
			doc := lookDoc(kind)
			doc.Lines = manyLines(n)
			doc.Note = strings.Repeat("Remarque importante sur la livraison et le montage. ", 80)
			doc.Customer.Address = "Avenida Paulista, 1578\nBela Vista\nSão Paulo/SP\n01310-200\nBrasil\nCaixa postal 42"
			out, err := Render(context.Background(), doc, "fr")
			if err != nil {
				t.Fatal(err)
			}
			want := layoutPages(t, doc, "fr")
			if got := checkPDF(t, out); got != want {
				t.Errorf("%s, %d lines: PDF has %d pages, layout %d", kind, n, got, want)
			}
			pages := pdfText(t, out)
			for i, p := range pages {
				if !strings.Contains(p, "Page "+strconv.Itoa(i+1)+" sur "+strconv.Itoa(want)) {
					t.Errorf("%s, %d lines: page %d lacks its number", kind, n, i+1)
				}
			}
			if !strings.Contains(strings.Join(pages, "\n"), "Remarque importante") {
				t.Errorf("%s, %d lines: note missing", kind, n)
			}
		}
	}
}
