package usecase_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

func TestCompanySettings(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			db := testdb.Migrated(t, dialect)
			ctx := context.Background()
			defaults := config.Defaults().CompanyDefaults()
			defaults.Email = "env@doligo.test"
			svc := usecase.NewCompanyService(gormdb.NewUnitOfWork(db.DB), defaults, time.Now)

			c, err := svc.Get(ctx)
			if err != nil || c.Name != "Dolibarr-Go" || c.Email != "env@doligo.test" || c.DefaultPaymentTermsDays != 30 ||
				c.HasLogo || !c.UpdatedAt.IsZero() || len(c.FromEnvironment) != 11 {
				t.Fatalf("nothing stored: %+v, %v", c, err)
			}
			if _, err := svc.Logo(ctx); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("logo before any upload: %v", err)
			}

			in := domain.CompanySettings{
				Name: ptr(" Doligo SAS "), Email: ptr(""), IBAN: ptr("de89 3704 0044 0532 0130 00"), BIC: ptr("cobadeffxxx"),
				RegistrationIDs: ptr([]string{"HRB 12345", " ", "USt-IdNr. DE123456789"}), DefaultPaymentTermsDays: ptr(14),
				LegalNotice: ptr("Geschäftsführer: A. Beispiel"),
			}
			c, err = svc.Update(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if c.Name != "Doligo SAS" || c.Email != "" || c.IBAN != "DE89370400440532013000" || c.BIC != "COBADEFFXXX" ||
				!slices.Equal(c.RegistrationIDs, []string{"HRB 12345", "USt-IdNr. DE123456789"}) || c.DefaultPaymentTermsDays != 14 ||
				c.UpdatedAt.IsZero() || slices.Contains(c.FromEnvironment, "email") || !slices.Contains(c.FromEnvironment, "phone") {
				t.Fatalf("stored: %+v", c)
			}
			// Read back by another service on its own unit of work: nothing is cached.
			other := usecase.NewCompanyService(gormdb.NewUnitOfWork(db.DB), defaults, time.Now)
			if got, err := other.Get(ctx); err != nil || got.IBAN != c.IBAN || got.LegalNotice != "Geschäftsführer: A. Beispiel" || !got.UpdatedAt.Equal(c.UpdatedAt) {
				t.Fatalf("read back: %+v, %v", got, err)
			}

			// Invalid: every field named, nothing written.
			_, err = svc.Update(ctx, domain.CompanySettings{IBAN: ptr("DE89370400440532013001"), BIC: ptr("COBA"), Country: ptr("DEU"),
				DefaultPaymentTermsDays: ptr(-3), Name: ptr("  ")})
			var verr *domain.ValidationError
			if !errors.As(err, &verr) || fmt.Sprint(fields(verr)) != "[name country iban bic default_payment_terms_days]" {
				t.Fatalf("invalid update: %v", err)
			}
			if got, _ := svc.Get(ctx); got.IBAN != c.IBAN || got.Name != "Doligo SAS" {
				t.Fatalf("an invalid update wrote: %+v", got)
			}

			// Logos: a JPEG is stored as a PNG; the settings keep it.
			var jpg bytes.Buffer
			if err := jpeg.Encode(&jpg, image.NewGray(image.Rect(0, 0, 12, 7)), nil); err != nil {
				t.Fatal(err)
			}
			if c, err = svc.SetLogo(ctx, domain.ContentTypeJPEG, jpg.Bytes()); err != nil || !c.HasLogo {
				t.Fatalf("JPEG logo: %+v, %v", c, err)
			}
			logo, err := svc.Logo(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if cfg, err := png.DecodeConfig(bytes.NewReader(logo)); err != nil || cfg.Width != 12 || cfg.Height != 7 {
				t.Fatalf("stored logo: %+v, %v", cfg, err)
			}
			if _, err := svc.SetLogo(ctx, domain.ContentTypePNG, jpg.Bytes()); !errors.As(err, &verr) || verr.Fields[0].Field != "logo" {
				t.Fatalf("a JPEG sent as PNG: %v", err)
			}
			if c, err = svc.Update(ctx, domain.CompanySettings{}); err != nil || !c.HasLogo || c.Name != "Dolibarr-Go" || len(c.FromEnvironment) != 11 {
				t.Fatalf("settings cleared: %+v, %v", c, err)
			}
			if again, _ := svc.Logo(ctx); !bytes.Equal(again, logo) {
				t.Fatal("clearing the settings changed the logo")
			}
		})
	}
}

func fields(v *domain.ValidationError) []string {
	var out []string
	for _, f := range v.Fields {
		out = append(out, f.Field)
	}
	return out
}

// Every rendering and e-mail reads the company when it happens: the worker's
// services, built before the change, print what the API stored after.
func TestDocumentsUseTheStoredCompany(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newArchiveEnv(t, dialect)
			ctx := context.Background()
			d := e.validated(t, invoices, e.draft(t, domain.DocInvoice, "2026-11-02", "2", "10"))
			if _, err := e.tps.Update(ctx, e.tp, domain.ThirdPartyPatch{Email: ptr("billing@acme.test")}); err != nil {
				t.Fatal(err)
			}

			f, err := e.archive.PDF(ctx, invoices, d.ID, "", "")
			if err != nil || !strings.Contains(string(f.Content), "[issuer=Doligo SA logo=0]") {
				t.Fatalf("before any setting: %q, %v", f.Content, err)
			}

			// The API process stores the settings and a logo...
			api := usecase.NewCompanyService(gormdb.NewUnitOfWork(e.db.DB), domain.Company{Name: "Doligo SA"}, time.Now)
			if _, err := api.Update(ctx, domain.CompanySettings{Name: ptr("Doligo Europe GmbH")}); err != nil {
				t.Fatal(err)
			}
			var logo bytes.Buffer
			if err := png.Encode(&logo, image.NewGray(image.Rect(0, 0, 3, 3))); err != nil {
				t.Fatal(err)
			}
			if _, err := api.SetLogo(ctx, domain.ContentTypePNG, logo.Bytes()); err != nil {
				t.Fatal(err)
			}
			// ...and the worker's archive service prints them at once.
			f, err = e.archive.PDF(ctx, invoices, d.ID, "", "")
			want := fmt.Sprintf("[issuer=Doligo Europe GmbH logo=%d]", logo.Len())
			if err != nil || !strings.Contains(string(f.Content), want) {
				t.Fatalf("after the change: %q, %v; want …%s", f.Content, err, want)
			}
			// The e-mail is signed with the stored name.
			id, err := e.archive.Send(ctx, invoices, d.ID, domain.SendDocument{})
			if err != nil {
				t.Fatal(err)
			}
			var payload string
			if err := e.db.Gorm.Table("jobs").Select("payload").Where("id = ?", id).Take(&payload).Error; err != nil {
				t.Fatal(err)
			}
			if p := decode[domain.EmailPayload](t, []byte(payload)); p.Data["company_name"] != "Doligo Europe GmbH" {
				t.Fatalf("e-mail data %v", p.Data)
			}
		})
	}
}

// A supplier invoice drafted from a purchase order is due after the
// supplier's terms; a customer invoice after the company's stored default.
func TestDueDatesFromTerms(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			db := testdb.Migrated(t, dialect)
			e := newDocEnv(t, db)
			ctx := context.Background()
			e.docs = usecase.NewDocumentService(e.uow, usecase.DocumentOptions{
				Masks: config.Defaults().DocumentMasks(), DefaultCurrency: "EUR", Company: config.Defaults().CompanyDefaults(),
			})
			sup := e.supplier(t, "Parts Ltd")
			if _, err := e.tps.Update(ctx, sup, domain.ThirdPartyPatch{PaymentTermsDays: ptr(ptr(60))}); err != nil {
				t.Fatal(err)
			}
			po := e.purchaseOrder(t, sup, domain.StatusValidated, "PO3103-0001", [2]string{"10", "4"})
			inv, err := e.docs.InvoicePurchaseOrder(ctx, e.actor, po.ID)
			if err != nil {
				t.Fatal(err)
			}
			if inv.DueDate == nil || !inv.DueDate.Equal(inv.Date.AddDate(0, 0, 60)) {
				t.Fatalf("supplier invoice dated %s due %v, want 60 days later", inv.Date, inv.DueDate)
			}

			if d := e.draft(t, domain.DocInvoice, "2026-02-01", "1", "10"); !d.DueDate.Equal(date("2026-03-03")) {
				t.Fatalf("environment's 30 days: due %s", d.DueDate)
			}
			company := usecase.NewCompanyService(e.uow, config.Defaults().CompanyDefaults(), time.Now)
			if _, err := company.Update(ctx, domain.CompanySettings{DefaultPaymentTermsDays: ptr(0)}); err != nil {
				t.Fatal(err)
			}
			if d := e.draft(t, domain.DocInvoice, "2026-02-01", "1", "10"); !d.DueDate.Equal(date("2026-02-01")) {
				t.Fatalf("company's 0 days: due %s", d.DueDate)
			}
			if d := e.draft(t, domain.DocCreditNote, "2026-02-01", "1", "10"); !d.DueDate.Equal(date("2026-02-01")) {
				t.Fatalf("a credit note is due on its date: %s", d.DueDate)
			}
		})
	}
}
