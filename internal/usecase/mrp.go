package usecase

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

// stockApplier applies a stock operation inside the caller's unit of work:
// StockService.ApplyIn, which owns the global lock order.
type stockApplier interface {
	ApplyIn(ctx context.Context, r domain.Repositories, actor domain.Principal, op domain.StockOperation) ([]*domain.Movement, error)
}

// MRPService manages bills of materials and manufacturing orders. Producing
// an order changes stock only through the stock service.
type MRPService struct {
	uow   domain.UnitOfWork
	stock stockApplier
	now   func() time.Time
}

// NewMRPService returns an MRPService; now is its clock.
func NewMRPService(uow domain.UnitOfWork, stock stockApplier, now func() time.Time) *MRPService {
	return &MRPService{uow: uow, stock: stock, now: now}
}

// CreateBOM validates and stores a new BOM.
func (s *MRPService) CreateBOM(ctx context.Context, in domain.BOM) (*domain.BOM, error) {
	if err := in.Check().OrNil(); err != nil {
		return nil, err
	}
	now := stamp(s.now())
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.BOM, error) {
		if err := r.BOMs.LockGraph(ctx); err != nil {
			return nil, err
		}
		b := in // a fresh copy on every attempt
		b.CreatedAt, b.UpdatedAt = now, now
		if err := checkBOMGraph(ctx, r, &b); err != nil {
			return nil, err
		}
		if err := r.BOMs.Create(ctx, &b); err != nil {
			return nil, err
		}
		return &b, audited(ctx, r, "bom.create", "bom", b.ID, nil, &b)
	})
}

// UpdateBOM applies a partial update; lines, when given, replace the BOM's.
// Existing orders keep the components they were made with.
func (s *MRPService) UpdateBOM(ctx context.Context, id int64, patch domain.BOMPatch) (*domain.BOM, error) {
	now := stamp(s.now())
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.BOM, error) {
		// The graph lock comes first: it also serialises updates of this BOM.
		if err := r.BOMs.LockGraph(ctx); err != nil {
			return nil, err
		}
		b, err := r.BOMs.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		before := *b
		if err := b.Apply(patch); err != nil {
			return nil, err
		}
		b.UpdatedAt = now
		if err := checkBOMGraph(ctx, r, b); err != nil {
			return nil, err
		}
		if err := r.BOMs.Save(ctx, b); err != nil {
			return nil, err
		}
		return b, audited(ctx, r, "bom.update", "bom", b.ID, &before, b)
	})
}

// checkBOMGraph checks the products of b, under the graph lock: the product
// made and the components exist and carry stock (production moves them), and
// no component is made from b's product through sub-BOMs.
func checkBOMGraph(ctx context.Context, r domain.Repositories, b *domain.BOM) error {
	ids := append([]int64{b.ProductID}, b.Components()...)
	products, err := r.Products.GetMany(ctx, ids)
	if err != nil {
		return err
	}
	v := &domain.ValidationError{}
	checkStocked := func(field string, id int64) {
		p, ok := products[id]
		switch {
		case !ok:
			v.Add(field, "product %d does not exist", id)
		case !p.Stocked():
			v.Add(field, "product %d carries no stock (a service, or track_stock is false): production cannot move it", id)
		}
	}
	checkStocked("product_id", b.ProductID)
	for i, l := range b.Lines {
		checkStocked(fmt.Sprintf("lines[%d].product_id", i), l.ProductID)
	}
	if err := v.OrNil(); err != nil {
		return err
	}
	return domain.CheckBOMCycle(ctx, b, func(ctx context.Context, ids []int64) (map[int64][]int64, error) {
		return r.BOMs.Components(ctx, ids, b.ID)
	})
}

// BOM returns one BOM with its lines.
func (s *MRPService) BOM(ctx context.Context, id int64) (*domain.BOM, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (*domain.BOM, error) {
		return r.BOMs.Get(ctx, id)
	})
}

// BOMs lists BOMs with their lines.
func (s *MRPService) BOMs(ctx context.Context, f domain.BOMFilter) (domain.Page[*domain.BOM], error) {
	return unitBrowse(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Page[*domain.BOM], error) {
		return r.BOMs.List(ctx, f)
	})
}

// DeleteBOM removes a BOM that no manufacturing order refers to.
func (s *MRPService) DeleteBOM(ctx context.Context, id int64) error {
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		b, err := r.BOMs.Get(ctx, id)
		if err != nil {
			return err
		}
		if err := r.BOMs.Delete(ctx, id); err != nil {
			return err
		}
		return audited(ctx, r, "bom.delete", "bom", id, b, nil)
	})
}

// NewOrder is what a client asks for to draft a manufacturing order.
type NewOrder struct {
	BOMID       int64
	Qty         decimal.Decimal
	WarehouseID int64
	Label       string
}

// CreateOrder drafts a manufacturing order; the components it will consume
// are computed from the BOM now.
func (s *MRPService) CreateOrder(ctx context.Context, actor domain.Principal, in NewOrder) (*domain.ManufacturingOrder, error) {
	now := stamp(s.now())
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.ManufacturingOrder, error) {
		// The BOM and warehouse are fields of the request: unknown ones are
		// invalid input (422) listed with the other invalid fields, not a
		// missing resource.
		v := &domain.ValidationError{}
		b, err := r.BOMs.Get(ctx, in.BOMID)
		switch {
		case errors.Is(err, domain.ErrNotFound):
			v.Add("bom_id", "BOM %d does not exist", in.BOMID)
			b = &domain.BOM{} // the other fields are still checked
		case err != nil:
			return nil, err
		}
		if in.WarehouseID > 0 {
			exists, err := r.Warehouses.Existing(ctx, []int64{in.WarehouseID})
			if err != nil {
				return nil, err
			}
			if !exists[in.WarehouseID] {
				v.Add("warehouse_id", "warehouse %d does not exist", in.WarehouseID)
			}
		}
		mo, err := domain.NewManufacturingOrder(b, in.Qty, in.WarehouseID, in.Label, actor.UserID, now)
		var verr *domain.ValidationError
		if errors.As(err, &verr) {
			v.Fields = append(v.Fields, verr.Fields...)
		} else if err != nil {
			return nil, err
		}
		if err := v.OrNil(); err != nil {
			return nil, err
		}
		if err := r.ManufacturingOrders.Create(ctx, mo); err != nil {
			return nil, err
		}
		return mo, audited(ctx, r, "manufacturing_order.create", "manufacturing_order", mo.ID, nil, mo)
	})
}

// Order returns one manufacturing order with its lines.
func (s *MRPService) Order(ctx context.Context, id int64) (*domain.ManufacturingOrder, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (*domain.ManufacturingOrder, error) {
		return r.ManufacturingOrders.Get(ctx, id)
	})
}

// Orders lists manufacturing orders, newest first unless sorted.
func (s *MRPService) Orders(ctx context.Context, f domain.MOFilter) (domain.Page[*domain.ManufacturingOrder], error) {
	return unitBrowse(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Page[*domain.ManufacturingOrder], error) {
		return r.ManufacturingOrders.List(ctx, f)
	})
}

// ValidateOrder releases a draft order for production.
func (s *MRPService) ValidateOrder(ctx context.Context, id int64) (*domain.ManufacturingOrder, error) {
	return s.transition(ctx, id, domain.MOValidate)
}

// CancelOrder abandons a draft or validated order.
func (s *MRPService) CancelOrder(ctx context.Context, id int64) (*domain.ManufacturingOrder, error) {
	return s.transition(ctx, id, domain.MOCancel)
}

func (s *MRPService) transition(ctx context.Context, id int64, a domain.MOAction) (*domain.ManufacturingOrder, error) {
	now := stamp(s.now())
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.ManufacturingOrder, error) {
		mo, err := r.ManufacturingOrders.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		status := mo.Status
		from, err := mo.Apply(a, now)
		if err != nil {
			return nil, err
		}
		if err := setStatus(ctx, r, mo, a, from, now); err != nil {
			return nil, err
		}
		return mo, auditedField(ctx, r, "manufacturing_order."+string(a), "manufacturing_order", mo.ID, "status", status, mo.Status)
	})
}

// setStatus writes mo's new status, guarded by the statuses it may come
// from. When another transaction changed the order since it was read, the
// refusal names the status it found.
func setStatus(ctx context.Context, r domain.Repositories, mo *domain.ManufacturingOrder, a domain.MOAction, from []domain.MOStatus, now time.Time) error {
	ok, err := r.ManufacturingOrders.SetStatus(ctx, mo, from)
	if err != nil || ok {
		return err
	}
	current, err := r.ManufacturingOrders.Get(ctx, mo.ID)
	if err != nil {
		return err
	}
	if _, err := current.Apply(a, now); err != nil {
		return err
	}
	return domain.Conflictf("illegal-transition", "manufacturing order %d changed while it was being %sd: try again", mo.ID, a)
}

// Produce consumes every component of a validated order and receives the
// product, in the order's warehouse and in one transaction with the status
// change. A component short of stock is a 409 insufficient-stock and nothing
// changes. The product is received at the cost of what was consumed (the
// components' weighted average costs), so its own average cost follows.
//
// Steps: read the order → lock every level the production touches, in the
// stock service's global order (no receipt can then change the components'
// average costs until commit) → compute the unit cost → claim the order (UPDATE … WHERE
// status = 'validated': of two concurrent calls, one produces and the other
// finds the order produced) → apply the stock operation.
func (s *MRPService) Produce(ctx context.Context, actor domain.Principal, id int64) (*domain.ManufacturingOrder, []*domain.Movement, error) {
	now := stamp(s.now())
	var moves []*domain.Movement
	mo, err := unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.ManufacturingOrder, error) {
		mo, err := r.ManufacturingOrders.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		status := mo.Status
		from, err := mo.Apply(domain.MOProduce, now)
		if err != nil {
			return nil, err
		}
		// Same locks as the final operation: its receipt carries a unit cost,
		// whatever its value.
		if _, _, err := r.Stock.LockLevels(ctx, mo.Operation(decimal.Zero).LevelLocks()); err != nil {
			return nil, err
		}
		costs, err := r.Products.GetMany(ctx, mo.Components())
		if err != nil {
			return nil, err
		}
		avg := make(map[int64]decimal.Decimal, len(costs))
		for id, p := range costs {
			avg[id] = p.CostPrice
		}
		unitCost := mo.ProducedUnitCost(avg)
		mo.UnitCost = decimal.NewNullDecimal(unitCost)
		if err := setStatus(ctx, r, mo, domain.MOProduce, from, now); err != nil {
			return nil, err
		}
		if moves, err = s.stock.ApplyIn(ctx, r, actor, mo.Operation(unitCost)); err != nil {
			return nil, err
		}
		return mo, auditedField(ctx, r, "manufacturing_order.produce", "manufacturing_order", mo.ID, "status", status, mo.Status)
	})
	if err != nil {
		return nil, nil, err
	}
	return mo, moves, nil
}
