package usecase

import (
	"context"
	"time"

	"github.com/doligo/doligo/internal/domain"
)

// CatalogService manages products and warehouses. Stock itself changes only
// through StockService.
type CatalogService struct {
	uow domain.UnitOfWork
	now func() time.Time
}

// NewCatalogService returns a CatalogService; now is its clock.
func NewCatalogService(uow domain.UnitOfWork, now func() time.Time) *CatalogService {
	return &CatalogService{uow: uow, now: now}
}

func (s *CatalogService) stamp() time.Time { return stamp(s.now()) }

// CreateProduct validates and stores a new product, setting its ID.
func (s *CatalogService) CreateProduct(ctx context.Context, p *domain.Product) error {
	if err := p.Check().OrNil(); err != nil {
		return err
	}
	p.CreatedAt = s.stamp()
	p.UpdatedAt = p.CreatedAt
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		if err := r.Products.Create(ctx, p); err != nil {
			return err
		}
		if err := r.Events.Emit(ctx, domain.EventProductCreated, productEventOf(p)); err != nil {
			return err
		}
		return audited(ctx, r, "product.create", "product", p.ID, nil, p)
	})
}

// Product returns a product and its stock: the levels that are not zero, by
// warehouse id.
func (s *CatalogService) Product(ctx context.Context, id int64) (*domain.Product, []*domain.StockLevel, error) {
	var stock []*domain.StockLevel
	p, err := unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (*domain.Product, error) {
		p, levels, err := r.Products.GetWithLevels(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, l := range levels {
			if !l.Qty.IsZero() {
				stock = append(stock, l)
			}
		}
		return p, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return p, stock, nil
}

// Products lists products.
func (s *CatalogService) Products(ctx context.Context, f domain.ProductFilter) (domain.Page[*domain.Product], error) {
	return unitBrowse(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Page[*domain.Product], error) {
		return r.Products.List(ctx, f)
	})
}

// UpdateProduct applies a partial update under the product's row lock, so two
// concurrent patches of different fields both survive.
func (s *CatalogService) UpdateProduct(ctx context.Context, id int64, patch domain.ProductPatch) (*domain.Product, error) {
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.Product, error) {
		p, err := r.Products.Lock(ctx, id)
		if err != nil {
			return nil, err
		}
		before := *p
		if err := p.Apply(patch); err != nil {
			return nil, err
		}
		p.UpdatedAt = s.stamp()
		if err := r.Products.Save(ctx, p); err != nil {
			return nil, err
		}
		return p, audited(ctx, r, "product.update", "product", p.ID, &before, p)
	})
}

// DeleteProduct removes a product that the stock ledger does not mention.
func (s *CatalogService) DeleteProduct(ctx context.Context, id int64) error {
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		p, err := r.Products.Lock(ctx, id)
		if err != nil {
			return err
		}
		used, err := r.Movements.ExistsForProduct(ctx, id)
		if err != nil {
			return err
		}
		if used {
			return domain.ErrHasMovements("product", id)
		}
		// A movement committed after the check is still caught: its foreign
		// key makes Delete fail with a conflict.
		if err := r.Products.Delete(ctx, id); err != nil {
			return err
		}
		return audited(ctx, r, "product.delete", "product", id, p, nil)
	})
}

// CreateWarehouse validates and stores a new warehouse, setting its ID.
func (s *CatalogService) CreateWarehouse(ctx context.Context, w *domain.Warehouse) error {
	if err := w.Check().OrNil(); err != nil {
		return err
	}
	w.CreatedAt = s.stamp()
	w.UpdatedAt = w.CreatedAt
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		if err := r.Warehouses.Create(ctx, w); err != nil {
			return err
		}
		return audited(ctx, r, "warehouse.create", "warehouse", w.ID, nil, w)
	})
}

// Warehouse returns one warehouse.
func (s *CatalogService) Warehouse(ctx context.Context, id int64) (*domain.Warehouse, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (*domain.Warehouse, error) {
		return r.Warehouses.Get(ctx, id)
	})
}

// Warehouses lists warehouses; Search matches ref and label.
func (s *CatalogService) Warehouses(ctx context.Context, q domain.ListQuery) (domain.Page[*domain.Warehouse], error) {
	return unitBrowse(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Page[*domain.Warehouse], error) {
		return r.Warehouses.List(ctx, q)
	})
}

// UpdateWarehouse applies a partial update under the warehouse's row lock.
func (s *CatalogService) UpdateWarehouse(ctx context.Context, id int64, patch domain.WarehousePatch) (*domain.Warehouse, error) {
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.Warehouse, error) {
		w, err := r.Warehouses.Lock(ctx, id)
		if err != nil {
			return nil, err
		}
		before := *w
		if err := w.Apply(patch); err != nil {
			return nil, err
		}
		w.UpdatedAt = s.stamp()
		if err := r.Warehouses.Save(ctx, w); err != nil {
			return nil, err
		}
		return w, audited(ctx, r, "warehouse.update", "warehouse", w.ID, &before, w)
	})
}

// DeleteWarehouse removes a warehouse that the stock ledger does not mention.
func (s *CatalogService) DeleteWarehouse(ctx context.Context, id int64) error {
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		w, err := r.Warehouses.Lock(ctx, id)
		if err != nil {
			return err
		}
		used, err := r.Movements.ExistsForWarehouse(ctx, id)
		if err != nil {
			return err
		}
		if used {
			return domain.ErrHasMovements("warehouse", id)
		}
		if err := r.Warehouses.Delete(ctx, id); err != nil {
			return err
		}
		return audited(ctx, r, "warehouse.delete", "warehouse", id, w, nil)
	})
}
