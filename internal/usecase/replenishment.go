package usecase

import (
	"context"
	"errors"

	"github.com/doligo/doligo/internal/domain"
)

// ReplenishmentService suggests what to buy and drafts the purchase orders.
type ReplenishmentService struct {
	uow  domain.UnitOfWork
	docs *DocumentService
}

// NewReplenishmentService returns a ReplenishmentService; docs makes the
// purchase-order drafts.
func NewReplenishmentService(uow domain.UnitOfWork, docs *DocumentService) *ReplenishmentService {
	return &ReplenishmentService{uow: uow, docs: docs}
}

// Suggestions lists every active tracked product whose stock (in warehouseID,
// or every warehouse when 0) plus incoming purchases is below its minimum, by
// product id, with the quantity to order and the best supplier price for it.
// An unknown warehouse is a 422 naming warehouse_id.
func (s *ReplenishmentService) Suggestions(ctx context.Context, warehouseID int64) ([]domain.Replenishment, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) ([]domain.Replenishment, error) {
		return suggestions(ctx, r, warehouseID)
	})
}

func suggestions(ctx context.Context, r domain.Readers, warehouseID int64) ([]domain.Replenishment, error) {
	if warehouseID > 0 {
		if _, err := r.Warehouses.Get(ctx, warehouseID); errors.Is(err, domain.ErrNotFound) {
			return nil, domain.Invalid("warehouse_id", "warehouse %d does not exist", warehouseID)
		} else if err != nil {
			return nil, err
		}
	}
	needs, err := r.StockNeeds.StockNeeds(ctx, warehouseID)
	if err != nil {
		return nil, err
	}
	var short []domain.StockNeed
	var ids []int64
	for _, n := range needs {
		if n.Short() {
			short = append(short, n)
			ids = append(ids, n.ProductID)
		}
	}
	prices, err := r.SupplierPrices.ForProducts(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Replenishment, len(short))
	for i, n := range short {
		out[i] = domain.Replenish(n, prices[n.ProductID])
	}
	return out, nil
}

// DraftOrders drafts, in one unit of work, one purchase order per supplier
// from the suggestions: a line per product with the suggested quantity and
// the supplier price's unit price and VAT rate. Products without a supplier
// price are skipped. It returns the orders' ids, by supplier id.
func (s *ReplenishmentService) DraftOrders(ctx context.Context, actor domain.Principal, warehouseID int64) ([]int64, error) {
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) ([]int64, error) {
		rs, err := suggestions(ctx, r.Readers(), warehouseID)
		if err != nil {
			return nil, err
		}
		ids := []int64{}
		for _, group := range domain.ReplenishmentOrders(rs) {
			in := domain.DraftInput{ThirdPartyID: group[0].Price.SupplierID}
			for _, g := range group {
				in.Lines = append(in.Lines, domain.LineInput{
					ProductID: g.ProductID, Qty: g.SuggestedQty,
					UnitPrice: &g.Price.UnitPrice, VATRate: &g.Price.VATRate,
				})
			}
			d, err := s.docs.CreateIn(ctx, r, actor, domain.DocPurchaseOrder, in)
			if err != nil {
				return nil, err
			}
			ids = append(ids, d.ID)
		}
		return ids, nil
	})
}
