package pdf

import (
	"strings"
	"testing"

	"github.com/doligo/doligo/internal/domain"
)

// A sale without VAT prints its legal mention in the document's language,
// under the totals; a domestic sale prints none.
func TestRenderVATMentionInEachLanguage(t *testing.T) {
	for _, tc := range []struct {
		regime domain.VATRegime
		lang   string
		want   string
	}{
		{domain.VATReverseCharge, "en", "Reverse charge — VAT to be accounted for by the customer (art. 196 Directive 2006/112/EC)"},
		{domain.VATReverseCharge, "fr", "Autoliquidation — TVA due par le preneur (art. 196 de la directive 2006/112/CE)"},
		{domain.VATReverseCharge, "de", "Steuerschuldnerschaft des Leistungsempfängers"},
		{domain.VATReverseCharge, "es", "Inversión del sujeto pasivo"},
		{domain.VATReverseCharge, "pt-BR", "Autoliquidação — IVA devido pelo adquirente"},
		{domain.VATExport, "en", "VAT exempt: export outside the EU (art. 146 Directive 2006/112/EC)"},
		{domain.VATExport, "fr", "Exonération de TVA, article 262 I du CGI"},
		{domain.VATExport, "de", "Steuerfreie Ausfuhrlieferung außerhalb der EU"},
		{domain.VATExport, "es", "Exento de IVA: exportación fuera de la UE"},
		{domain.VATExport, "pt-BR", "Isento de IVA: exportação para fora da UE"},
	} {
		doc := sampleDoc(Invoice, threeLines())
		doc.VATMention = tc.regime.MentionKey()
		text := strings.Join(renderText(t, doc, tc.lang), "\n")
		if !strings.Contains(nbsp(strings.Join(strings.Fields(text), " ")), tc.want) {
			t.Errorf("%s in %s: %q missing from\n%s", tc.regime, tc.lang, tc.want, text)
		}
	}
	doc := sampleDoc(Invoice, threeLines())
	doc.VATMention = domain.VATDomestic.MentionKey()
	assertText(t, strings.Join(renderText(t, doc, "en"), "\n"), nil, []string{"art. 196", "art. 146", "vat_mention"})
}

// The view carries the regime's mention and the customer's VAT number.
func TestFromDomainVATRegime(t *testing.T) {
	doc := &domain.Document{ID: 3, Type: domain.DocInvoice, Currency: "EUR", VATRegime: domain.VATReverseCharge}
	customer := &domain.ThirdParty{Name: "Müller GmbH", Country: "DE", VATID: "DE136695976", TaxID: "HRB 1234"}
	v := FromDomain(doc, customer, domain.DocumentLinks{}, Party{Name: "Doligo"}, "")
	if v.VATMention != "vat_mention.intra_eu_reverse_charge" || v.Customer.TaxID != "DE136695976" {
		t.Fatalf("view: mention %q, tax id %q", v.VATMention, v.Customer.TaxID)
	}
	customer.VATID = ""
	doc.VATRegime = domain.VATDomestic
	if v = FromDomain(doc, customer, domain.DocumentLinks{}, Party{}, ""); v.VATMention != "" || v.Customer.TaxID != "HRB 1234" {
		t.Fatalf("domestic view: mention %q, tax id %q", v.VATMention, v.Customer.TaxID)
	}
}
