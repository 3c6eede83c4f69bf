package pdf

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
)

func TestFromDomain(t *testing.T) {
	due := time.Date(2026, 4, 6, 0, 0, 0, 0, time.UTC)
	doc := &domain.Document{
		ID: 7, Type: domain.DocInvoice, Date: time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC), DueDate: &due, Currency: "BRL",
		Lines: []domain.Line{
			{Description: "Café", Qty: d("2"), UnitPrice: d("10"), VATRate: d("20"), TotalNet: d("20"), TotalVAT: d("4"), TotalGross: d("24")},
			{Description: "Pão", Qty: d("1"), UnitPrice: d("5"), VATRate: d("5.5"), TotalNet: d("5"), TotalVAT: d("0.28"), TotalGross: d("5.28")},
		},
		TotalNet: d("25"), TotalVAT: d("4.28"), TotalGross: d("29.28"), AmountPaid: d("9.28"),
	}
	customer := &domain.ThirdParty{Name: "João", Address: "Rua 1", TaxID: "123", Email: "j@example.com", Locale: "pt-BR"}
	v := FromDomain(doc, customer, domain.DocumentLinks{}, Party{Name: "Dolibarr-Go"}, "")
	if v.Kind != Invoice || v.Ref != "(PROV7)" || !v.DueDate.Equal(due) || v.Customer.Name != "João" || len(v.Lines) != 2 {
		t.Fatalf("view = %+v", v)
	}
	if !v.AmountDue.Equal(d("20")) || len(v.VAT) != 2 || !v.VAT[0].Rate.Equal(d("5.5")) || !v.Lines[1].VAT.Equal(d("0.28")) {
		t.Errorf("amounts: due %s, breakdown %+v", v.AmountDue, v.VAT)
	}
	out, err := Render(context.Background(), v, customer.Locale)
	if err != nil {
		t.Fatal(err)
	}
	if text := strings.Join(pdfText(t, out), "\n"); !strings.Contains(text, "BRL 20,00") || !strings.Contains(text, "(PROV7)") {
		t.Errorf("amount due or provisional ref missing:\n%s", text)
	}
}

// The note, the customer's reference, the contact, the source document and
// the settled status reach the printed view.
func TestFromDomainLinks(t *testing.T) {
	doc := &domain.Document{
		ID: 9, Type: domain.DocCreditNote, Ref: "AV2612-0001", Status: domain.StatusPaid, Currency: "EUR",
		Note: "Retour de marchandise", CustomerRef: "PO-7781", ContactID: 3, SourceID: 4,
		TotalGross: d("12"), AmountPaid: d("12"),
	}
	links := domain.DocumentLinks{
		Source:  &domain.Document{ID: 4, Type: domain.DocInvoice, Ref: "FA2612-0001"},
		Contact: &domain.Contact{ID: 3, FirstName: "Joana", LastName: "Ribeiro", Position: "Compradora", Email: "j@example.com"},
	}
	v := FromDomain(doc, &domain.ThirdParty{Name: "João"}, links, Party{Name: "Dolibarr-Go"}, "")
	if v.Note != doc.Note || v.CustomerRef != "PO-7781" || !v.Paid ||
		v.Source != (Source{Kind: Invoice, Ref: "FA2612-0001"}) ||
		v.Contact != (Contact{Name: "Joana Ribeiro", Position: "Compradora", Email: "j@example.com"}) {
		t.Fatalf("view = %+v", v)
	}
	doc.Status, doc.AmountPaid = domain.StatusValidated, d("0")
	if v := FromDomain(doc, &domain.ThirdParty{}, domain.DocumentLinks{}, Party{}, ""); v.Paid || v.Source != (Source{}) || v.Contact != (Contact{}) {
		t.Errorf("view without links = %+v", v)
	}
}
