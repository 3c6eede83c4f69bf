package usecase

import (
	"context"
	"time"

	"github.com/doligo/doligo/internal/domain"
)

// CompanyService keeps the company's settings: the issuer printed on every
// document and e-mail, and the default payment terms. Every field not
// stored falls back to the configuration (defaults).
//
// Nothing is cached: each rendering, e-mail and invoice reads the one row in
// its own unit of work, so a worker process sees a change made through
// another process's API at once. The row is one primary-key read, nothing
// next to rendering a PDF.
type CompanyService struct {
	uow      domain.UnitOfWork
	defaults domain.Company
	now      func() time.Time
}

// NewCompanyService returns the service; defaults is the configuration's
// company (config.CompanyDefaults), now its clock.
func NewCompanyService(uow domain.UnitOfWork, defaults domain.Company, now func() time.Time) *CompanyService {
	return &CompanyService{uow: uow, defaults: defaults, now: now}
}

// companyOf is the company as printed, read with r, without its logo.
func companyOf(ctx context.Context, r domain.Readers, defaults domain.Company) (domain.Company, error) {
	s, err := r.Company.Get(ctx)
	if err != nil {
		return domain.Company{}, err
	}
	return s.Resolve(defaults), nil
}

// companyWithLogo is companyOf with the logo, for the documents.
func companyWithLogo(ctx context.Context, r domain.Readers, defaults domain.Company) (domain.Company, error) {
	c, err := companyOf(ctx, r, defaults)
	if err != nil {
		return c, err
	}
	c.Logo, err = r.Company.Logo(ctx)
	return c, err
}

// Get returns the company as printed.
func (s *CompanyService) Get(ctx context.Context) (domain.Company, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Company, error) {
		return companyOf(ctx, r, s.defaults)
	})
}

// Update replaces the stored fields by in (a nil field goes back to the
// configuration's value); the logo stays.
func (s *CompanyService) Update(ctx context.Context, in domain.CompanySettings) (domain.Company, error) {
	in.Normalize()
	if err := in.Check().OrNil(); err != nil {
		return domain.Company{}, err
	}
	in.UpdatedAt = stamp(s.now())
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (domain.Company, error) {
		before, err := companyOf(ctx, r.Readers(), s.defaults)
		if err != nil {
			return domain.Company{}, err
		}
		if err := r.Company.Save(ctx, &in); err != nil {
			return domain.Company{}, err
		}
		after, err := companyOf(ctx, r.Readers(), s.defaults)
		if err != nil {
			return domain.Company{}, err
		}
		return after, audited(ctx, r, "company.update", "company", 1, before, after)
	})
}

// SetLogo stores the uploaded logo of contentType (domain.LogoAsPNG: PNG or
// JPEG, stored as PNG).
func (s *CompanyService) SetLogo(ctx context.Context, contentType string, raw []byte) (domain.Company, error) {
	logo, err := domain.LogoAsPNG(contentType, raw)
	if err != nil {
		return domain.Company{}, err
	}
	at := stamp(s.now())
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (domain.Company, error) {
		if err := r.Company.SaveLogo(ctx, logo, at); err != nil {
			return domain.Company{}, err
		}
		if err := auditedField(ctx, r, "company.logo", "company", 1, "logo_size", nil, len(logo)); err != nil {
			return domain.Company{}, err
		}
		return companyOf(ctx, r.Readers(), s.defaults)
	})
}

// Logo returns the stored logo (a PNG), or a NotFound problem when none is
// stored and documents print the embedded default.
func (s *CompanyService) Logo(ctx context.Context) ([]byte, error) {
	logo, err := unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) ([]byte, error) {
		return r.Company.Logo(ctx)
	})
	if err != nil {
		return nil, err
	}
	if logo == nil {
		return nil, domain.NewProblem(domain.ErrNotFound, "not-found", "no company logo is stored: documents print the default one")
	}
	return logo, nil
}
