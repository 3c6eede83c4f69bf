package usecase

import (
	"context"
	"errors"
	"time"

	"github.com/doligo/doligo/internal/domain"
)

// SupplierPriceService manages what suppliers charge for products.
type SupplierPriceService struct {
	uow domain.UnitOfWork
	now func() time.Time
}

// NewSupplierPriceService returns a SupplierPriceService; now is its clock.
func NewSupplierPriceService(uow domain.UnitOfWork, now func() time.Time) *SupplierPriceService {
	return &SupplierPriceService{uow: uow, now: now}
}

// Create validates and stores a new price, setting its ID. The product must
// exist and the supplier be a third party marked is_supplier (422 naming the
// field otherwise: the ids are in the body).
func (s *SupplierPriceService) Create(ctx context.Context, p *domain.SupplierPrice) error {
	if err := p.Check().OrNil(); err != nil {
		return err
	}
	p.CreatedAt = stamp(s.now())
	p.UpdatedAt = p.CreatedAt
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		v := &domain.ValidationError{}
		if _, err := r.Products.Get(ctx, p.ProductID); errors.Is(err, domain.ErrNotFound) {
			v.Add("product_id", "product %d does not exist", p.ProductID)
		} else if err != nil {
			return err
		}
		if err := checkSupplier(ctx, r.Readers(), p.SupplierID, v); err != nil {
			return err
		}
		if err := v.OrNil(); err != nil {
			return err
		}
		if err := r.SupplierPrices.Create(ctx, p); err != nil {
			return err
		}
		return audited(ctx, r, "supplier_price.create", "supplier_price", p.ID, nil, p)
	})
}

// checkSupplier adds a field error to v unless id is a supplier.
func checkSupplier(ctx context.Context, r domain.Readers, id int64, v *domain.ValidationError) error {
	t, err := r.ThirdParties.Get(ctx, id)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		v.Add("supplier_id", "third party %d does not exist", id)
	case err != nil:
		return err
	case !t.IsSupplier:
		v.Add("supplier_id", "third party %d is not a supplier", id)
	}
	return nil
}

// Get returns one price.
func (s *SupplierPriceService) Get(ctx context.Context, id int64) (*domain.SupplierPrice, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (*domain.SupplierPrice, error) {
		return r.SupplierPrices.Get(ctx, id)
	})
}

// List lists prices, filtered by product and supplier.
func (s *SupplierPriceService) List(ctx context.Context, f domain.SupplierPriceFilter) (domain.Page[*domain.SupplierPrice], error) {
	return unitBrowse(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Page[*domain.SupplierPrice], error) {
		return r.SupplierPrices.List(ctx, f)
	})
}

// Update applies a partial update under the price's row lock.
func (s *SupplierPriceService) Update(ctx context.Context, id int64, patch domain.SupplierPricePatch) (*domain.SupplierPrice, error) {
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.SupplierPrice, error) {
		p, err := r.SupplierPrices.Lock(ctx, id)
		if err != nil {
			return nil, err
		}
		before := *p
		if err := p.Apply(patch); err != nil {
			return nil, err
		}
		p.UpdatedAt = stamp(s.now())
		if err := r.SupplierPrices.Save(ctx, p); err != nil {
			return nil, err
		}
		return p, audited(ctx, r, "supplier_price.update", "supplier_price", p.ID, &before, p)
	})
}

// Delete removes a price.
func (s *SupplierPriceService) Delete(ctx context.Context, id int64) error {
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		p, err := r.SupplierPrices.Get(ctx, id)
		if err != nil {
			return err
		}
		if err := r.SupplierPrices.Delete(ctx, id); err != nil {
			return err
		}
		return audited(ctx, r, "supplier_price.delete", "supplier_price", id, p, nil)
	})
}
