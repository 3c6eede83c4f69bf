package pdf

import (
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

var d = decimal.RequireFromString

// sampleLine computes a line's amounts the way the domain does (round per
// line), so the printed totals are consistent.
func sampleLine(desc, qty, price, discount, rate string) Line {
	q, p, disc, vr := d(qty), d(price), d(discount), d(rate)
	net := q.Mul(p).Mul(decimal.NewFromInt(100).Sub(disc)).Div(decimal.NewFromInt(100)).Round(2)
	vat := net.Mul(vr).Div(decimal.NewFromInt(100)).Round(2)
	return Line{Description: desc, Qty: q, UnitPrice: p, DiscountPercent: disc, VATRate: vr, Net: net, VAT: vat, Gross: net.Add(vat)}
}

func sampleDoc(kind Kind, lines []Line) Document {
	doc := Document{
		Kind:     kind,
		Ref:      "FA2026-0042",
		Date:     time.Date(2026, time.March, 7, 0, 0, 0, 0, time.UTC),
		DueDate:  time.Date(2026, time.April, 6, 0, 0, 0, 0, time.UTC),
		Currency: "EUR",
		Company: Party{
			Name:    "Dolibarr-Go Comércio Ltda.",
			Address: "12 rue de la Paix\n75002 Paris\nFrance",
			TaxID:   "FR40303265045",
			Email:   "billing@doligo.example",
			Phone:   "+33 1 23 45 67 89",
		},
		Customer: Party{
			Name:    "Açaí & Café São João",
			Address: "Avenida Paulista, 1578\nBela Vista — São Paulo/SP\n01310-200 Brasil",
			TaxID:   "12.345.678/0001-95",
			Email:   "compras@acai-cafe.example",
		},
		Lines: lines,
	}
	byRate := map[string]int{} // the domain's breakdown: per rate, sums of the rounded lines
	for _, l := range lines {
		doc.TotalNet = doc.TotalNet.Add(l.Net)
		doc.TotalVAT = doc.TotalVAT.Add(l.VAT)
		doc.TotalGross = doc.TotalGross.Add(l.Gross)
		k := l.VATRate.String()
		if _, ok := byRate[k]; !ok {
			byRate[k] = len(doc.VAT)
			doc.VAT = append(doc.VAT, VATAmount{Rate: l.VATRate})
		}
		v := &doc.VAT[byRate[k]]
		v.Base, v.Amount = v.Base.Add(l.Net), v.Amount.Add(l.VAT)
	}
	slices.SortFunc(doc.VAT, func(a, b VATAmount) int { return a.Rate.Cmp(b.Rate) })
	doc.AmountPaid = d("500")
	doc.AmountDue = doc.TotalGross.Sub(doc.AmountPaid)
	return doc
}

func threeLines() []Line {
	return []Line{
		sampleLine("Conception graphique — façade et vitrine (création française)", "1", "1250", "0", "20"),
		sampleLine("Licença anual do software de gestão, com atualizações e suporte técnico por e-mail durante doze meses", "3", "480.5", "10", "20"),
		sampleLine("Déplacement et hébergement", "2.5", "89.125", "0", "5.5"),
	}
}

// manyLines makes n lines with descriptions of varying length.
func manyLines(n int) []Line {
	lines := make([]Line, n)
	for i := range lines {
		desc := fmt.Sprintf("Article n° %d — pièce détachée", i+1)
		if i%7 == 3 {
			desc += " avec montage, réglage et vérification complète sur site par un technicien qualifié"
		}
		lines[i] = sampleLine(desc, fmt.Sprint(1+i%5), fmt.Sprintf("%d.%02d", 10+i%90, i%100), []string{"0", "5", "0"}[i%3], []string{"20", "10", "5.5"}[i%3])
	}
	return lines
}
