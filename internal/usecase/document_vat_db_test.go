package usecase_test

// VAT by country on every dialect: a French company's sales documents take
// the regime of their customer (reverse charge within the EU, export,
// domestic) when drafted, edited, converted and validated; lines without a
// rate take their product's on both sides; the VAT report nets collected
// against deductible VAT per month and rate.
//
// To see these tests fail, make settleVATRegime (usecase/document_vat.go)
// return at once: the German business's invoice keeps its 20 %.

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

type vatEnv struct {
	*docEnv
	product int64
}

func newVATEnv(t *testing.T, db *testdb.DB) *vatEnv {
	t.Helper()
	e := newDocEnv(t, db)
	company := config.Defaults().CompanyDefaults()
	company.Country = "FR"
	e.docs = usecase.NewDocumentService(e.uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(),
		DefaultCurrency: "EUR", Company: company})
	ctx := context.Background()
	p := domain.Product{Ref: "CONSULT", Label: "Consulting day", Type: domain.ProductTypeService, UnitPrice: num("100"),
		VATRate: num("20"), Active: true, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := e.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error { return r.Products.Create(ctx, &p) }); err != nil {
		t.Fatal(err)
	}
	return &vatEnv{docEnv: e, product: p.ID}
}

func (e *vatEnv) party(t *testing.T, name, country, vatID string, supplier bool) int64 {
	t.Helper()
	tp, err := e.tps.Create(context.Background(), domain.ThirdParty{Name: name, Country: country, VATID: vatID, IsCustomer: !supplier, IsSupplier: supplier})
	if err != nil {
		t.Fatalf("third party %s: %v", name, err)
	}
	return tp.ID
}

// sale drafts a document of typ for tp dated on: qty consulting days at the
// product's price and rate (no vat_rate sent).
func (e *vatEnv) sale(t *testing.T, typ domain.DocType, tp int64, on, qty string) *domain.Document {
	t.Helper()
	d, err := e.docs.Create(context.Background(), e.actor, typ, domain.DraftInput{ThirdPartyID: tp, Date: date(on),
		Lines: []domain.LineInput{{ProductID: e.product, Qty: num(qty)}}})
	if err != nil {
		t.Fatalf("create %s: %v", typ, err)
	}
	return d
}

func vatOf(d *domain.Document) string {
	return fmt.Sprintf("%s %s@%s net %s vat %s", d.VATRegime, d.Lines[0].VATRate, d.Lines[0].TotalNet, d.TotalNet, d.TotalVAT)
}

func TestVATRegimeOfSales(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newVATEnv(t, testdb.Migrated(t, dialect))
			ctx := context.Background()
			deBiz := e.party(t, "Müller GmbH", "", "DE 136 695 976", false) // country from the VAT number
			dePerson := e.party(t, "Hans Meier", "DE", "", false)
			us := e.party(t, "Acme Inc.", "US", "", false)
			frBiz := e.party(t, "Dupont SA", "FR", "FR40303265045", false)

			for _, tc := range []struct {
				name string
				tp   int64
				want string
			}{
				{"EU business", deBiz, "intra_eu_reverse_charge 0@200 net 200 vat 0"},
				{"EU consumer", dePerson, "domestic 20@200 net 200 vat 40"},
				{"outside the EU", us, "export 0@200 net 200 vat 0"},
				{"same country", frBiz, "domestic 20@200 net 200 vat 40"},
			} {
				d := e.sale(t, domain.DocInvoice, tc.tp, "2026-11-10", "2")
				if got := vatOf(e.get(t, d.ID)); got != tc.want {
					t.Errorf("%s: draft %q, want %q", tc.name, got, tc.want)
				}
			}

			// Edit: another customer, another regime; back to domestic the
			// product line takes its product's rate again.
			d := e.sale(t, domain.DocProposal, deBiz, "2026-11-10", "1")
			if _, err := e.docs.Edit(ctx, proposals, d.ID, domain.DraftPatch{ThirdPartyID: &frBiz}); err != nil {
				t.Fatal(err)
			}
			if got := vatOf(e.get(t, d.ID)); got != "domestic 20@100 net 100 vat 20" {
				t.Fatalf("proposal moved to a French business: %s", got)
			}
			if _, err := e.docs.Edit(ctx, proposals, d.ID, domain.DraftPatch{ThirdPartyID: &us}); err != nil {
				t.Fatal(err)
			}
			if got := vatOf(e.get(t, d.ID)); got != "export 0@100 net 100 vat 0" {
				t.Fatalf("proposal moved to the US: %s", got)
			}
			// Conversions keep deciding: the order and its invoice are exports.
			d = e.validated(t, proposals, d)
			if _, err := e.docs.Accept(ctx, d.ID); err != nil {
				t.Fatal(err)
			}
			order, err := e.docs.Convert(ctx, e.actor, domain.ActOrder, d.ID)
			if err != nil || vatOf(order) != "export 0@100 net 100 vat 0" {
				t.Fatalf("order: %v", err)
			}

			// Validation decides again: the consumer registered for VAT
			// since the draft, so the invoice is reverse charged.
			inv := e.sale(t, domain.DocInvoice, dePerson, "2026-11-12", "1")
			if inv.VATRegime != domain.VATDomestic {
				t.Fatalf("draft %s", inv.VATRegime)
			}
			vatID := "DE136695976"
			if _, err := e.tps.Update(ctx, dePerson, domain.ThirdPartyPatch{VATID: &vatID}); err != nil {
				t.Fatal(err)
			}
			inv = e.validated(t, invoices, inv)
			if got := vatOf(e.get(t, inv.ID)); got != "intra_eu_reverse_charge 0@100 net 100 vat 0" || inv.TotalGross.String() != "100" {
				t.Fatalf("validated: %s, gross %s", got, inv.TotalGross)
			}
			// Its credit note keeps the invoice's regime even once the
			// customer has no VAT number any more.
			none := ""
			if _, err := e.tps.Update(ctx, dePerson, domain.ThirdPartyPatch{VATID: &none}); err != nil {
				t.Fatal(err)
			}
			cn, err := e.docs.Convert(ctx, e.actor, domain.ActCreditNote, inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			cn = e.validated(t, invoices, cn)
			if got := vatOf(e.get(t, cn.ID)); got != "intra_eu_reverse_charge 0@100 net 100 vat 0" {
				t.Fatalf("credit note: %s", got)
			}

			// The buy side: a line without vat_rate takes the product's, and
			// a German supplier's invoice stays as the supplier wrote it.
			sup := e.party(t, "Lieferant AG", "DE", "DE136695976", true)
			si, err := e.docs.Create(ctx, e.actor, domain.DocSupplierInvoice, domain.DraftInput{ThirdPartyID: sup, Date: date("2026-11-15"),
				SupplierRef: "R-1", Lines: []domain.LineInput{{ProductID: e.product, Qty: num("1"), UnitPrice: numPtr("50")}}})
			if err != nil || vatOf(si) != "domestic 20@50 net 50 vat 10" {
				t.Fatalf("supplier invoice: %v", err)
			}

			// A VAT number that is not one, or not of the country, is named.
			_, err = e.tps.Create(ctx, domain.ThirdParty{Name: "Bad", Country: "FR", VATID: "DE136695976"})
			var verr *domain.ValidationError
			if !errors.As(err, &verr) || fmt.Sprint(fields(verr)) != "[vat_id]" {
				t.Fatalf("mismatched VAT number: %v", err)
			}
		})
	}
}

// The VAT report: per month and rate, VAT collected on sales (credit notes
// subtract) minus VAT deductible on purchases (supplier credit notes
// subtract), over validated documents of the currency only.
func TestVATReport(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newVATEnv(t, testdb.Migrated(t, dialect))
			ctx := context.Background()
			frBiz := e.party(t, "Dupont SA", "FR", "FR40303265045", false)
			deBiz := e.party(t, "Müller GmbH", "DE", "DE136695976", false)
			sup := e.party(t, "Fournisseur SARL", "FR", "", true)

			e.validated(t, invoices, e.sale(t, domain.DocInvoice, frBiz, "2026-11-03", "2"))       // 200 @ 20 → 40
			rc := e.validated(t, invoices, e.sale(t, domain.DocInvoice, deBiz, "2026-11-04", "3")) // 300 @ 0
			e.sale(t, domain.DocInvoice, frBiz, "2026-11-05", "9")                                 // a draft: not counted
			cn, err := e.docs.Convert(ctx, e.actor, domain.ActCreditNote, rc.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.docs.Edit(ctx, invoices, cn.ID, domain.DraftPatch{Date: ptr(date("2026-11-25")),
				Lines: &[]domain.LineInput{{ProductID: e.product, Qty: num("1")}}}); err != nil {
				t.Fatal(err)
			}
			e.validated(t, invoices, &domain.Document{ID: cn.ID}) // −100 @ 0
			supplierTypes := []domain.DocType{domain.DocSupplierInvoice, domain.DocSupplierCreditNote}
			for i, tc := range []struct{ on, price, rate string }{{"2026-11-20", "50", "20"}, {"2026-12-01", "10", "5.5"}} {
				si, err := e.docs.Create(ctx, e.actor, domain.DocSupplierInvoice, domain.DraftInput{ThirdPartyID: sup, Date: date(tc.on),
					SupplierRef: fmt.Sprint("F-", i), Lines: []domain.LineInput{{Description: "goods", Qty: num("1"), UnitPrice: numPtr(tc.price), VATRate: numPtr(tc.rate)}}})
				if err != nil {
					t.Fatal(err)
				}
				e.validated(t, supplierTypes, si)
			}
			usd, err := e.docs.Create(ctx, e.actor, domain.DocInvoice, domain.DraftInput{ThirdPartyID: frBiz, Date: date("2026-11-06"), Currency: "USD",
				CurrencyRate: numPtr("1.1"), // the rate given on the draft: no rate table needed
				Lines:        []domain.LineInput{{ProductID: e.product, Qty: num("1")}}})
			if err != nil {
				t.Fatal(err)
			}
			e.validated(t, invoices, usd) // 100 USD @ 20 at 1.1: 90.91 and 18.18 in euros

			q := domain.VATQuery{SalesPeriodQuery: domain.SalesPeriodQuery{From: date("2026-11-01"), To: date("2026-12-31"), Currency: "EUR"}}
			var got []string
			for row, err := range gormdb.NewVATReports(e.db.DB).VAT(ctx, q) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, fmt.Sprintf("%s %s: sales %s/%s purchases %s/%s due %s", row.Period, row.Rate,
					row.SalesBase.StringFixed(2), row.Collected.StringFixed(2), row.PurchasesBase.StringFixed(2), row.Deductible.StringFixed(2), row.Due().StringFixed(2)))
			}
			want := []string{
				"2026-11 0: sales 200.00/0.00 purchases 0.00/0.00 due 0.00",
				"2026-11 20: sales 290.91/58.18 purchases 50.00/10.00 due 48.18",
				"2026-12 5.5: sales 0.00/0.00 purchases 10.00/0.55 due -0.55",
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("report\n%v\nwant\n%v", got, want)
			}
		})
	}
}
