package pdf

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
)

// sampleShipment is a shipment of two of the three lines of an order, the
// second partly.
func sampleShipment() (*domain.Shipment, *domain.Document, *domain.ThirdParty) {
	order := &domain.Document{
		ID: 9, Type: domain.DocOrder, Ref: "CO2603-0007", Currency: "EUR",
		Date: time.Date(2026, time.March, 2, 0, 0, 0, 0, time.UTC),
		Lines: []domain.Line{
			{ID: 101, ProductID: 1, Description: "Conception graphique — façade et vitrine", Qty: d("1"), UnitPrice: d("1250"), TotalGross: d("1500")},
			{ID: 102, ProductID: 2, Description: "Licença anual do software de gestão", Qty: d("12.5"), UnitPrice: d("480.5"), TotalGross: d("7207.50")},
			{ID: 103, Description: "Déplacement", Qty: d("2"), UnitPrice: d("89.125"), TotalGross: d("213.90")},
		},
	}
	sh := &domain.Shipment{
		ID: 4, Ref: "SH2603-0003", OrderID: 9, WarehouseID: 1, Date: time.Date(2026, time.March, 7, 0, 0, 0, 0, time.UTC),
		Lines: []domain.ShipmentLine{{OrderLineID: 101, ProductID: 1, Qty: d("1")}, {OrderLineID: 102, ProductID: 2, Qty: d("4.25")}},
	}
	customer := &domain.ThirdParty{
		Name: "Açaí & Café São João", Address: "Avenida Paulista, 1578\nBela Vista — São Paulo/SP\n01310-200 Brasil",
		Email: "compras@acai-cafe.example",
	}
	return sh, order, customer
}

// A delivery note is titled as one in every language, names the order it
// delivers and where the goods go, shows per line what was ordered and what
// this shipment delivers, and prints no price, total or payment terms.
// DELIVERY_NOTE_PNG=dir also writes each page as PNG (pdftoppm -png -r 60)
// to look at.
func TestRenderDeliveryNoteInEachLanguage(t *testing.T) {
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"en", []string{"DELIVERY NOTE", "Order: CO2603-0007", "DELIVER TO", "Ordered", "Delivered", "Order date: 2 Mar 2026", "Date: 7 Mar 2026", "Name, date and signature"}},
		{"fr", []string{"BON DE LIVRAISON", "Commande: CO2603-0007", "LIVRER À", "Commandé", "Livré", "Date de commande: 02/03/2026"}},
		{"es", []string{"ALBARÁN DE ENTREGA", "Pedido: CO2603-0007", "ENTREGAR A", "Entregado"}},
		{"de", []string{"LIEFERSCHEIN", "Auftrag: CO2603-0007", "LIEFERUNG AN", "Bestellt", "Geliefert", "Auftragsdatum: 02.03.2026", "Name, Datum und Unterschrift"}},
		{"pt-BR", []string{"NOTA DE ENTREGA", "Pedido: CO2603-0007", "ENTREGAR A", "Entregue", "Data do pedido: 02/03/2026"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			sh, order, customer := sampleShipment()
			out, err := NewRenderer("").RenderShipment(context.Background(), sh, order, customer,
				domain.Company{Name: "Dolibarr-Go", Address: "12 rue de la Paix\n75002 Paris", RegistrationIDs: []string{"SIRET 123 456 789 00012"}}, tc.lang)
			if err != nil {
				t.Fatal(err)
			}
			if n := checkPDF(t, out); n != 1 {
				t.Fatalf("a 2-line delivery note has %d pages", n)
			}
			text := strings.Join(pdfText(t, out), "\n")
			for _, s := range append([]string{"SH2603-0003", "Açaí & Café São João", "Avenida Paulista, 1578", "SIRET 123 456 789 00012",
				"Conception graphique", "Licença anual", "12.5", "4.25"}, tc.want...) {
				if !strings.Contains(text, nbsp(s)) && !strings.Contains(text, strings.ReplaceAll(s, ".", ",")) {
					t.Errorf("%q is missing from the text:\n%s", s, text)
				}
			}
			// No prices nor totals: 1250, 480.5, the gross totals; the line
			// not shipped is not listed.
			for _, s := range []string{"1250", "1,250", "1.250", "480", "1500", "7207", "Déplacement", "EUR"} {
				if strings.Contains(text, s) {
					t.Errorf("%q is in the text of a delivery note:\n%s", s, text)
				}
			}
			if dir := os.Getenv("DELIVERY_NOTE_PNG"); dir != "" {
				f := filepath.Join(dir, "dn-"+tc.lang)
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

// A long delivery note repeats its table heading on every page and keeps the
// signature box whole.
func TestRenderLongDeliveryNote(t *testing.T) {
	sh, order, customer := sampleShipment()
	order.Lines, sh.Lines = nil, nil
	for i := range 120 {
		id := int64(1000 + i)
		order.Lines = append(order.Lines, domain.Line{ID: id, Description: "Pièce détachée n° " + strings.Repeat("x", i%40), Qty: d("3")})
		sh.Lines = append(sh.Lines, domain.ShipmentLine{OrderLineID: id, Qty: d("2")})
	}
	out, err := NewRenderer("").RenderShipment(context.Background(), sh, order, customer, domain.Company{Name: "Dolibarr-Go"}, "en")
	if err != nil {
		t.Fatal(err)
	}
	n := checkPDF(t, out)
	if n < 2 || n != layoutPages(t, FromShipment(sh, order, customer, Party{Name: "Dolibarr-Go"}), "en") {
		t.Fatalf("%d pages, laid out as %d", n, layoutPages(t, FromShipment(sh, order, customer, Party{}), "en"))
	}
	if dir := os.Getenv("DELIVERY_NOTE_PNG"); dir != "" {
		f := filepath.Join(dir, "dn-long")
		if err := os.WriteFile(f+".pdf", out, 0o644); err != nil {
			t.Fatal(err)
		}
		if b, err := exec.Command("pdftoppm", "-png", "-r", "60", f+".pdf", f).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v %s", err, b)
		}
	}
	pages := pdfText(t, out)
	for i, p := range pages {
		if !strings.Contains(p, "Delivered") {
			t.Errorf("page %d has no table heading", i+1)
		}
	}
	if last := pages[len(pages)-1]; !strings.Contains(last, "RECEIVED IN GOOD CONDITION BY") || !strings.Contains(last, "Name, date and signature") {
		t.Errorf("the signature box is not whole on the last page:\n%s", last)
	}
}

func TestDeliveryHeadingsFitTheirColumns(t *testing.T) {
	a, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range a.catalog.Tags() {
		l := a.catalog.Locale(lang)
		for _, c := range deliveryCols {
			for _, w := range strings.Fields(l.T(c.label)) {
				if got, room := a.bold.textWidth(w, 7.5), colWidth(c.size)-2*padX-0.2; got > room {
					t.Errorf("%s: %q of %s is %.1f mm wide, the column has %.1f", lang, w, c.label, got, room)
				}
			}
		}
	}
}
