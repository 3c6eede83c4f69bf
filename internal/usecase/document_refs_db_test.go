package usecase_test

// The customer's reference and the contact of a document, on every dialect:
// stored and read back, carried along the chain, refused (422 contact_id)
// when the contact is not one of the document's third party, printed on the
// PDF with the source document's number; and the largest documents
// DOLIGO_MAX_DOCUMENT_LINES allows created, validated and rendered.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/pdf"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

func (e *docEnv) contact(t *testing.T, tp int64, first, last string) *domain.Contact {
	t.Helper()
	c, err := e.tps.CreateContact(context.Background(), domain.Contact{ThirdPartyID: tp, FirstName: first, LastName: last, Email: strings.ToLower(first) + "@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func oneLine() []domain.LineInput {
	return []domain.LineInput{{Description: "work", Qty: num("2"), UnitPrice: numPtr("50"), VATRate: numPtr("20")}}
}

func TestDocumentCustomerRefAndContact(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newDocEnv(t, testdb.Migrated(t, dialect))
			ctx := context.Background()
			joana := e.contact(t, e.tp, "Joana", "Ribeiro")
			other, err := e.tps.Create(ctx, domain.ThirdParty{Name: "Other", IsCustomer: true})
			if err != nil {
				t.Fatal(err)
			}
			stranger := e.contact(t, other.ID, "Sam", "Stranger")

			prop, err := e.docs.Create(ctx, e.actor, domain.DocProposal, domain.DraftInput{
				ThirdPartyID: e.tp, CustomerRef: "PO-ACME-7781", ContactID: joana.ID, Lines: oneLine(),
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := e.get(t, prop.ID); got.CustomerRef != "PO-ACME-7781" || got.ContactID != joana.ID {
				t.Fatalf("read back: customer_ref %q, contact %d", got.CustomerRef, got.ContactID)
			}

			// A contact of another third party, or none at all: 422 on contact_id, nothing written.
			before := e.count(t, "commercial_documents")
			for _, c := range []int64{stranger.ID, stranger.ID + 1000} {
				_, err := e.docs.Create(ctx, e.actor, domain.DocInvoice, domain.DraftInput{ThirdPartyID: e.tp, ContactID: c, Lines: oneLine()})
				if !slices.Equal(invalidFields(err), []string{"contact_id"}) {
					t.Errorf("contact %d of another third party: %v", c, err)
				}
			}
			if _, err := e.docs.Create(ctx, e.actor, domain.DocInvoice, domain.DraftInput{ThirdPartyID: e.tp, CustomerRef: strings.Repeat("x", 129), Lines: oneLine()}); !slices.Equal(invalidFields(err), []string{"customer_ref"}) {
				t.Errorf("129-character customer_ref: %v", err)
			}
			if n := e.count(t, "commercial_documents"); n != before {
				t.Fatalf("%d documents after refused creations, want %d", n, before)
			}

			// Edits: another third party's contact is refused, as is moving the
			// document to a third party the contact is not of; 0 removes it.
			if _, err := e.docs.Edit(ctx, proposals, prop.ID, domain.DraftPatch{ContactID: &stranger.ID}); !slices.Equal(invalidFields(err), []string{"contact_id"}) {
				t.Errorf("edit to a stranger: %v", err)
			}
			if _, err := e.docs.Edit(ctx, proposals, prop.ID, domain.DraftPatch{ThirdPartyID: &other.ID}); !slices.Equal(invalidFields(err), []string{"contact_id"}) {
				t.Errorf("third party changed under the contact: %v", err)
			}
			if got := e.get(t, prop.ID); got.ContactID != joana.ID || got.ThirdPartyID != e.tp {
				t.Fatalf("a refused edit changed the document: %+v", got)
			}
			ref := "PO-ACME-7782"
			edited, err := e.docs.Edit(ctx, proposals, prop.ID, domain.DraftPatch{CustomerRef: &ref, ClearContact: true})
			if err != nil || edited.CustomerRef != ref || edited.ContactID != 0 {
				t.Fatalf("edit: %+v, %v", edited, err)
			}
			if got := e.get(t, prop.ID); got.CustomerRef != ref || got.ContactID != 0 {
				t.Fatalf("after edit: customer_ref %q, contact %d", got.CustomerRef, got.ContactID)
			}
			if _, err := e.docs.Edit(ctx, proposals, prop.ID, domain.DraftPatch{ContactID: &joana.ID}); err != nil {
				t.Fatal(err)
			}

			// Along the chain: the order and the invoice keep both.
			e.validated(t, proposals, prop)
			if _, err := e.docs.Accept(ctx, prop.ID); err != nil {
				t.Fatal(err)
			}
			order, err := e.docs.Convert(ctx, e.actor, domain.ActOrder, prop.ID)
			if err != nil {
				t.Fatal(err)
			}
			order = e.validated(t, orders, order)
			inv, err := e.docs.Convert(ctx, e.actor, domain.ActInvoice, order.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range []*domain.Document{e.get(t, order.ID), e.get(t, inv.ID)} {
				if d.CustomerRef != ref || d.ContactID != joana.ID {
					t.Errorf("%s %d: customer_ref %q, contact %d", d.Type, d.ID, d.CustomerRef, d.ContactID)
				}
			}

			// The PDF names the contact, the customer's reference and the order.
			inv = e.validated(t, invoices, inv)
			archive := usecase.NewArchiveService(e.uow, usecase.ArchiveOptions{Render: pdf.NewRenderer("").Render, Company: domain.Company{Name: "Doligo"}})
			text := pdfTextOf(t, archive, inv.ID, "en")
			for _, want := range []string{"Contact: Joana Ribeiro", "joana@example.com", "YOUR REFERENCE", ref, "ORDER", order.Ref, "AMOUNT DUE", "Payment terms"} {
				if !strings.Contains(text, want) {
					t.Errorf("invoice PDF lacks %q:\n%s", want, text)
				}
			}
			// Paid, it says so; its credit note names it and asks for nothing.
			if _, err := e.docs.AddPayment(ctx, e.actor, invoices, inv.ID, domain.Payment{Amount: inv.TotalGross, Method: domain.PaymentMethod("bank_transfer")}); err != nil {
				t.Fatal(err)
			}
			if text := pdfTextOf(t, archive, inv.ID, "fr"); !strings.Contains(text, "PAYÉE") || strings.Contains(text, "Conditions de règlement") {
				t.Errorf("paid invoice PDF:\n%s", text)
			}
			cn, err := e.docs.Convert(ctx, e.actor, domain.ActCreditNote, inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			text = pdfTextOf(t, archive, cn.ID, "fr")
			for _, want := range []string{"AVOIR", "Avoir sur la facture " + inv.Ref, "TOTAL DE L'AVOIR"} {
				if !strings.Contains(text, want) {
					t.Errorf("credit note PDF lacks %q:\n%s", want, text)
				}
			}
			if strings.Contains(text, "Reste à payer") || strings.Contains(text, "Conditions de règlement") {
				t.Errorf("credit note PDF asks for payment:\n%s", text)
			}

			// A deleted contact leaves the documents without one (and their PDF renders).
			if err := e.tps.DeleteContact(ctx, e.tp, joana.ID); err != nil {
				t.Fatal(err)
			}
			if got := e.get(t, inv.ID); got.ContactID != 0 {
				t.Errorf("contact %d still on the invoice after its deletion", got.ContactID)
			}
			if text := pdfTextOf(t, archive, inv.ID, "en"); strings.Contains(text, "Joana") {
				t.Errorf("deleted contact printed:\n%s", text)
			}
		})
	}
}

// pdfTextOf renders document id through archive and extracts its text with
// poppler's pdftotext (the test is skipped without it).
func pdfTextOf(t *testing.T, archive *usecase.ArchiveService, id int64, lang string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not installed (apt-get install poppler-utils)")
	}
	f, err := archive.PDF(context.Background(), nil, id, lang, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, f.Content, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.NewReplacer("\u202f", " ", "\u00a0", " ").Replace(string(out))
}

// largeLines makes n lines, a product line every tenth (over 50 products).
func largeLines(n int, products []*domain.Product) []domain.LineInput {
	lines := make([]domain.LineInput, n)
	for i := range lines {
		lines[i] = domain.LineInput{
			Description: fmt.Sprintf("Article n° %d — pièce détachée", i+1),
			Qty:         num(fmt.Sprint(1 + i%5)), UnitPrice: numPtr(fmt.Sprintf("%d.%02d", 10+i%90, i%100)), VATRate: numPtr([]string{"20", "10", "5.5"}[i%3]),
		}
		if i%10 == 0 && len(products) > 0 {
			lines[i].ProductID = products[(i/10)%len(products)].ID
		}
	}
	return lines
}

// A document of DOLIGO_MAX_DOCUMENT_LINES lines is created, read back in
// order, validated (its stock debited) and rendered; one more line is a 422
// on lines with nothing written. Edits are held to the same limit.
func TestLargestDocumentCreatedValidatedRendered(t *testing.T) {
	limit := config.Defaults().MaxDocumentLines
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			e := newSalesEnv(t, dialect)
			wh := e.warehouse(t, "W")
			svc := usecase.NewDocumentService(e.uow, usecase.DocumentOptions{
				Masks: config.Defaults().DocumentMasks(), DefaultCurrency: "EUR", MaxLines: limit,
				Stock: usecase.NewDocumentStock(e.stock, usecase.DocumentStockOptions{DefaultWarehouseID: wh.ID}),
			})
			var products []*domain.Product
			for i := range 50 {
				p := e.product(t, fmt.Sprintf("P%02d", i))
				e.apply(t, move(p, wh, "100000"))
				products = append(products, p)
			}

			before := e.docs.count(t, "commercial_document_lines")
			if _, err := svc.Create(ctx, e.docs.actor, domain.DocInvoice, domain.DraftInput{ThirdPartyID: e.docs.tp, Lines: largeLines(limit+1, products)}); !slices.Equal(invalidFields(err), []string{"lines"}) {
				t.Fatalf("%d lines: %v, want 422 on lines", limit+1, err)
			}
			if n := e.docs.count(t, "commercial_document_lines"); n != before {
				t.Fatalf("a refused document wrote %d lines", n-before)
			}

			d, err := svc.Create(ctx, e.docs.actor, domain.DocInvoice, domain.DraftInput{ThirdPartyID: e.docs.tp, Lines: largeLines(limit, products)})
			if err != nil {
				t.Fatal(err)
			}
			tooMany := largeLines(limit+1, nil)
			if _, err := svc.Edit(ctx, invoices, d.ID, domain.DraftPatch{Lines: &tooMany}); !slices.Equal(invalidFields(err), []string{"lines"}) {
				t.Fatalf("edit to %d lines: %v, want 422 on lines", limit+1, err)
			}
			got, err := svc.Get(ctx, invoices, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Lines) != limit || !got.TotalGross.Equal(d.TotalGross) {
				t.Fatalf("read back %d lines, total %s; want %d, %s", len(got.Lines), got.TotalGross, limit, d.TotalGross)
			}
			for i, l := range got.Lines {
				if want := fmt.Sprintf("Article n° %d — pièce détachée", i+1); l.Description != want || l.ID != d.Lines[i].ID {
					t.Fatalf("line %d: %q (id %d), want %q (id %d)", i, l.Description, l.ID, want, d.Lines[i].ID)
				}
			}

			v, err := svc.Validate(ctx, e.docs.actor, invoices, d.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			if v.Status != domain.StatusValidated || len(e.moves(t, domain.DocInvoice, d.ID)) != len(products) {
				t.Fatalf("validated %s with %d movements, want %d", v.Status, len(e.moves(t, domain.DocInvoice, d.ID)), len(products))
			}

			archive := usecase.NewArchiveService(e.uow, usecase.ArchiveOptions{Render: pdf.NewRenderer("").Render, Company: domain.Company{Name: "Doligo"}})
			text := pdfTextOf(t, archive, d.ID, "en")
			pages := strings.Split(strings.TrimSuffix(text, "\f"), "\f")
			if len(pages) < 50 {
				t.Fatalf("%d pages for %d lines", len(pages), limit)
			}
			for i, p := range pages {
				if !strings.Contains(p, fmt.Sprintf("Page %d of %d", i+1, len(pages))) || !strings.Contains(p, "INVOICE") {
					t.Fatalf("page %d lacks its number or the header:\n%s", i+1, p)
				}
			}
			last := fmt.Sprintf("Article n° %d — pièce détachée", limit)
			if !strings.Contains(pages[len(pages)-1], last) && !strings.Contains(pages[len(pages)-2], last) {
				t.Errorf("the last line is not on the last pages")
			}
		})
	}
}
