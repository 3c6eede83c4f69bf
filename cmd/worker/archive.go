package main

import (
	"context"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/pdf"
	"github.com/doligo/doligo/internal/usecase"
)

// archive is the worker's side of the documents: it renders the PDFs that
// pdf.render jobs ask for and archives them, and loads (or renders) the PDFs
// that e-mails attach. The issuer block is the configuration's, as in the
// API's GET …/pdf.
func archive(cfg config.Config, db *gormdb.DB) *usecase.ArchiveService {
	issuer := pdf.Party{Name: cfg.CompanyName, Address: cfg.CompanyAddressLines(), TaxID: cfg.CompanyTaxID,
		Email: cfg.CompanyEmail, Phone: cfg.CompanyPhone}
	render := func(ctx context.Context, d *domain.Document, customer *domain.ThirdParty, lang string) ([]byte, error) {
		return pdf.Render(ctx, pdf.FromDomain(d, customer, issuer, cfg.PaymentTerms), lang)
	}
	return usecase.NewArchiveService(gormdb.NewUnitOfWork(db), usecase.ArchiveOptions{Render: render, CompanyName: cfg.CompanyName})
}
