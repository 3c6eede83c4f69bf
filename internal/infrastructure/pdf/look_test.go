package pdf

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestLookAtEveryKind writes every kind of document in every language as
// PDF and PNG pages (pdftoppm -png -r 60) into $DOC_PNG, to look at them;
// skipped without it.
func TestLookAtEveryKind(t *testing.T) {
	dir := os.Getenv("DOC_PNG")
	if dir == "" {
		t.Skip("DOC_PNG=dir writes the pages to look at")
	}
	docs := map[string]Document{}
	for _, kind := range []Kind{Proposal, Order, Invoice, CreditNote, PurchaseOrder} {
		docs[string(kind)] = lookDoc(kind)
	}
	paid := lookDoc(Invoice)
	paid.Paid, paid.AmountPaid, paid.AmountDue = true, paid.TotalGross, d("0")
	docs["invoice_paid"] = paid
	refunded := lookDoc(CreditNote)
	refunded.Paid, refunded.AmountPaid, refunded.AmountDue = true, refunded.TotalGross, d("0")
	docs["credit_note_refunded"] = refunded
	bare := sampleDoc(Invoice, threeLines())
	docs["invoice_bare"] = bare
	long := lookDoc(Invoice)
	long.Customer.Address = "Avenida Paulista, 1578\nBela Vista\nSão Paulo/SP\n01310-200\nBrasil\nCaixa postal 42"
	long.Lines = manyLines(90)
	docs["invoice_long"] = long
	reverse := lookDoc(Invoice)
	reverse.VATMention = "vat_mention.intra_eu_reverse_charge"
	docs["invoice_reverse_charge"] = reverse
	for name, doc := range docs {
		for _, lang := range []string{"en", "fr", "de", "pt-BR", "es"} {
			out, err := Render(context.Background(), doc, lang)
			if err != nil {
				t.Fatal(err)
			}
			f := filepath.Join(dir, name+"-"+lang)
			if err := os.WriteFile(f+".pdf", out, 0o644); err != nil {
				t.Fatal(err)
			}
			if b, err := exec.Command("pdftoppm", "-png", "-r", "60", f+".pdf", f).CombinedOutput(); err != nil {
				t.Fatalf("pdftoppm: %v %s", err, b)
			}
		}
	}
}

// lookDoc is a document of the kind with everything a customer may see.
func lookDoc(kind Kind) Document {
	doc := sampleDoc(kind, threeLines())
	doc.CustomerRef = "PO-ACME-7781"
	doc.Note = "Livraison au quai n° 3, entre 8 h et 12 h.\nMerci de rappeler notre référence sur vos règlements."
	doc.Contact = Contact{Name: "Joana Ribeiro", Position: "Compradora", Email: "joana@acai-cafe.example", Phone: "+55 11 3000-0000"}
	switch kind {
	case Order:
		doc.Source = Source{Kind: Proposal, Ref: "PR2612-0007"}
	case Invoice:
		doc.Source = Source{Kind: Order, Ref: "CO2612-0003"}
	case CreditNote:
		doc.Ref = "AV2612-0001"
		doc.Source = Source{Kind: Invoice, Ref: "FA2612-0001"}
		doc.AmountPaid, doc.AmountDue = d("1000"), doc.TotalGross.Sub(d("1000"))
	}
	return doc
}
