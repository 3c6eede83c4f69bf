package pdf

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
)

// sampleCompany is a company as the database stores it.
func sampleCompany() domain.Company {
	return domain.Company{
		Name: "Doligo Conseil SAS", Address: "12 rue de la Paix\n75002 Paris", Country: "FR", VATID: "FR40303265045",
		RegistrationIDs: []string{"SIRET 732 829 320 00074", "RCS Paris B 732 829 320"},
		Email:           "billing@doligo.example", Phone: "+33 1 23 45 67 89",
		IBAN: "FR1420041010050500013M02606", BIC: "BNPAFRPPXXX",
		LegalNotice:             "SAS au capital de 10 000 €. Pénalités de retard : trois fois le taux d'intérêt légal. Indemnité forfaitaire pour frais de recouvrement : 40 €.",
		DefaultPaymentTermsDays: 30,
	}
}

func withSampleCompany(doc Document, c domain.Company, customer *domain.ThirdParty) Document {
	withCompany(&doc, c, customer)
	return doc
}

// renderJoined renders doc in lang and returns the text of all its pages.
func renderJoined(t *testing.T, doc Document, lang string) string {
	t.Helper()
	return strings.Join(renderText(t, doc, lang), "\n")
}

// An invoice prints the bank details, the registration ids and the legal
// notice; a proposal all but the bank details (nothing to pay yet).
func TestCompanyFooter(t *testing.T) {
	c := sampleCompany()
	inv := renderJoined(t, withSampleCompany(sampleDoc(Invoice, threeLines()), c, &domain.ThirdParty{}), "en")
	for _, s := range []string{"Bank details", "IBAN FR14 2004 1010 0505 0001 3M02 606 · BIC BNPAFRPPXXX",
		"SIRET 732 829 320 00074", "RCS Paris B 732 829 320", "SAS au capital de 10 000 €", "Doligo Conseil SAS", "Tax ID: FR40303265045"} {
		if !strings.Contains(inv, s) {
			t.Errorf("invoice: %q missing:\n%s", s, inv)
		}
	}
	prop := renderJoined(t, withSampleCompany(sampleDoc(Proposal, threeLines()), c, &domain.ThirdParty{}), "fr")
	if strings.Contains(prop, "FR14") || strings.Contains(prop, "Coordonnées bancaires") {
		t.Errorf("a proposal prints the bank details:\n%s", prop)
	}
	for _, s := range []string{"SIRET 732 829 320 00074", "Indemnité forfaitaire"} {
		if !strings.Contains(prop, s) {
			t.Errorf("proposal: %q missing:\n%s", s, prop)
		}
	}
	// Nothing set, nothing printed.
	bare := renderJoined(t, withSampleCompany(sampleDoc(Invoice, threeLines()), domain.Company{Name: "Bare"}, &domain.ThirdParty{}), "en")
	if strings.Contains(bare, "Bank details") || strings.Contains(bare, "IBAN") {
		t.Errorf("bank details printed without an IBAN:\n%s", bare)
	}
}

// The payment terms state what the due date says, not a fixed promise.
func TestPaymentTermsFollowTheDueDate(t *testing.T) {
	day := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	forty := 40
	for _, tc := range []struct {
		name, lang string
		kind       Kind
		date, due  string
		terms      *int // the customer's, for a proposal or order
		want       string
		not        string
	}{
		{"invoice 30 days", "en", Invoice, "2027-01-01", "2027-01-31", nil, "Payment due within 30 days, by 31 Jan 2027.", "Payment due within 30 days of the invoice date"},
		{"invoice 45 days", "fr", Invoice, "2027-01-01", "2027-02-15", &forty, "Paiement à 45 jours, au plus tard le 15/02/2027.", "30 jours"},
		{"invoice on receipt", "pt-BR", Invoice, "2027-01-01", "2027-01-01", nil, "Pagamento no recebimento, até 01/01/2027.", "30 dias"},
		{"invoice 45 days es", "es", Invoice, "2027-01-01", "2027-02-15", nil, "Pago a 45 días, a más tardar el 15/02/2027.", "30 días"},
		{"proposal", "en", Proposal, "2027-01-01", "2027-03-01", &forty, "Payment due within 40 days of the invoice date.", "by 1 Mar 2027"},
		{"order on receipt", "en", Order, "2027-01-01", "", new(int), "Payment due on receipt of the invoice.", "30 days"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := sampleDoc(tc.kind, threeLines())
			doc.Date, doc.DueDate = day(tc.date), time.Time{}
			if tc.due != "" {
				doc.DueDate = day(tc.due)
			}
			doc.Issuer.PaymentTermsDays = tc.terms
			doc.PaymentTerms = "By bank transfer."
			text := strings.Join(strings.Fields(renderJoined(t, doc, tc.lang)), " ")
			if !strings.Contains(text, tc.want+" By bank transfer.") {
				t.Errorf("%q (then the configured text) missing:\n%s", tc.want, text)
			}
			if strings.Contains(text, tc.not) {
				t.Errorf("%q printed:\n%s", tc.not, text)
			}
		})
	}
}

var imageSize = regexp.MustCompile(`/Width (\d+)\s*/Height (\d+)`)

// embeddedImages lists the sizes of the images a PDF embeds.
func embeddedImages(out []byte) []string {
	var sizes []string
	for _, m := range imageSize.FindAllSubmatch(out, -1) {
		sizes = append(sizes, string(m[1])+"x"+string(m[2]))
	}
	return sizes
}

// The logo stored in the database is the one printed; none, the embedded one.
func TestRendererPrintsTheCompanyLogo(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 37, 23))
	for x := range 37 {
		for y := range 23 {
			img.Set(x, y, color.RGBA{R: 200, G: uint8(4 * x), B: uint8(8 * y), A: 255})
		}
	}
	var logo bytes.Buffer
	if err := png.Encode(&logo, img); err != nil {
		t.Fatal(err)
	}
	doc := &domain.Document{ID: 1, Type: domain.DocInvoice, Ref: "FA1", Date: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Currency: "EUR"}
	customer := &domain.ThirdParty{Name: "Customer"}
	c := sampleCompany()
	c.Logo = logo.Bytes()
	out, err := NewRenderer("").Render(context.Background(), doc, customer, domain.DocumentLinks{}, c, "en")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(embeddedImages(out)); got != "[37x23]" {
		t.Errorf("images with the stored logo = %s, want [37x23]", got)
	}
	c.Logo = nil
	out, err = NewRenderer("").Render(context.Background(), doc, customer, domain.DocumentLinks{}, c, "en")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(embeddedImages(out)); got != "[160x160]" {
		t.Errorf("images with no stored logo = %s, want the embedded [160x160]", got)
	}
	if text := strings.Join(pdfText(t, out), "\n"); !strings.Contains(text, "Doligo Conseil SAS") || !strings.Contains(text, "IBAN FR14") {
		t.Errorf("the renderer did not print the company it was given:\n%s", text)
	}
}

// TestWriteCompanySamples writes sample invoices to $PDF_SAMPLES_DIR, to be
// looked at (pdftoppm -png -r 60).
func TestWriteCompanySamples(t *testing.T) {
	dir := os.Getenv("PDF_SAMPLES_DIR")
	if dir == "" {
		t.Skip("PDF_SAMPLES_DIR not set")
	}
	c := sampleCompany()
	logo, err := os.ReadFile(filepath.Join("..", "..", "..", "embed", "images", "logo.png"))
	if err != nil {
		t.Fatal(err)
	}
	c.Logo = logo
	for _, lang := range []string{"en", "fr", "de", "pt-BR"} {
		for _, k := range []Kind{Invoice, Proposal} {
			doc := withSampleCompany(sampleDoc(k, threeLines()), c, &domain.ThirdParty{})
			out, err := Render(context.Background(), doc, lang)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%s.pdf", k, lang)), out, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// The footer is cut into pages like the rest: wherever the lines end, the
// PDF has the pages the layout planned and none is overfilled.
func TestCompanyFooterPagination(t *testing.T) {
	c := sampleCompany()
	c.LegalNotice = strings.Repeat(c.LegalNotice+"\n", 6)
	lines := manyLines(60)
	for n := 20; n <= 60; n += 2 {
		doc := withSampleCompany(sampleDoc(Invoice, lines[:n]), c, &domain.ThirdParty{})
		out, err := Render(context.Background(), doc, "en")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := checkPDF(t, out), layoutPages(t, doc, "en"); got != want {
			t.Errorf("%d lines: PDF has %d pages, layout %d", n, got, want)
		}
	}
	// The layout alone, in every language and kind: no page overfilled.
	a, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []Kind{Proposal, Order, Invoice, CreditNote, PurchaseOrder} {
		for _, lang := range a.catalog.Tags() {
			for n := 0; n <= len(lines); n += 3 {
				r := &renderer{ctx: context.Background(), assets: a, loc: a.catalog.Locale(lang),
					doc: withSampleCompany(sampleDoc(kind, lines[:n]), c, &domain.ThirdParty{})}
				_, headerHeight := r.header("x")
				lay, err := r.layout()
				if err != nil {
					t.Fatal(err)
				}
				for i, rows := range lay.pages {
					sum := 0.0
					for _, rw := range rows {
						sum += rw.GetHeight(nil, nil)
					}
					if sum > bodyHeight-headerHeight {
						t.Fatalf("%s %s, %d lines: page %d holds %.3f mm, only %.3f fit", kind, lang, n, i+1, sum, bodyHeight-headerHeight)
					}
				}
			}
		}
	}
}

// A logo is flattened once, not at every rendering; the cache stays small.
func TestFlattenLogoCached(t *testing.T) {
	logos := make([][]byte, maxFlatLogos+1)
	for i := range logos {
		var b bytes.Buffer
		if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 10+i, 10))); err != nil {
			t.Fatal(err)
		}
		logos[i] = b.Bytes()
	}
	first, err := flattenLogoCached(logos[0])
	if err != nil {
		t.Fatal(err)
	}
	again, err := flattenLogoCached(bytes.Clone(logos[0]))
	if err != nil || &again[0] != &first[0] {
		t.Fatalf("the same logo was flattened twice (%v)", err)
	}
	for _, l := range logos[1:] {
		if _, err := flattenLogoCached(l); err != nil {
			t.Fatal(err)
		}
	}
	flatLogos.Lock()
	n := len(flatLogos.byHash)
	_, kept := flatLogos.byHash[sha256.Sum256(logos[0])]
	flatLogos.Unlock()
	if n != maxFlatLogos || kept {
		t.Fatalf("%d logos cached (the oldest kept: %v), want %d without the oldest", n, kept, maxFlatLogos)
	}
	if _, err := flattenLogoCached([]byte("not a PNG")); err == nil {
		t.Fatal("a bad logo was accepted")
	}
}
