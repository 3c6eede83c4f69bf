// Package usecase orchestrates the entities of internal/domain: one unit of
// work per business change, rules on entities, no SQL and no HTTP.
package usecase

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

// StockOptions configure a StockService.
type StockOptions struct {
	// AllowNegative lets debits take levels below zero
	// (DOLIGO_STOCK_ALLOW_NEGATIVE); refused by default.
	AllowNegative bool
	// Now is the clock of the ledger; time.Now when nil.
	Now func() time.Time
}

// StockService is the only writer of stock: every change — a manual
// movement, a transfer, an inventory count, and later manufacturing and
// invoice validation — is a domain.StockOperation applied by Apply or ApplyIn,
// so the locking order lives in one place.
type StockService struct {
	uow           domain.UnitOfWork
	allowNegative bool
	now           func() time.Time
}

// NewStockService returns a StockService writing through uow.
func NewStockService(uow domain.UnitOfWork, opt StockOptions) *StockService {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &StockService{uow: uow, allowNegative: opt.AllowNegative, now: opt.Now}
}

// Apply applies op in a unit of work of its own and returns the movements it
// wrote, in the order of op's lines (a count line whose level already equals
// the counted quantity writes none).
func (s *StockService) Apply(ctx context.Context, actor domain.Principal, op domain.StockOperation) ([]*domain.Movement, error) {
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) ([]*domain.Movement, error) {
		ms, err := s.ApplyIn(ctx, r, actor, op)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if err := audited(ctx, r, "stock.move", "stock_movement", m.ID, nil, m); err != nil {
				return nil, err
			}
		}
		return ms, nil
	})
}

// ApplyIn applies op inside the caller's unit of work (r), so that a document
// can change stock in the transaction that validates it. Nothing is written
// when it returns an error; the caller must then roll back.
//
// Steps: validate → check products → lock the levels in (product_id,
// warehouse_id) order (creating missing ones: an unknown warehouse is
// NotFound there) → compute every new balance (refusing a debit below zero)
// → write levels, ledger rows and average costs.
func (s *StockService) ApplyIn(ctx context.Context, r domain.Repositories, actor domain.Principal, op domain.StockOperation) ([]*domain.Movement, error) {
	if err := op.Check(); err != nil {
		return nil, err
	}
	// The subscriptions that stock.moved may need, read before the levels'
	// locks (a caller that locked before already read them, or pays here).
	if err := r.Events.Prefetch(ctx); err != nil {
		return nil, err
	}
	if err := checkStockedProducts(ctx, r, op.ProductIDs()); err != nil {
		return nil, err
	}
	return s.applyChecked(ctx, r, actor, op)
}

// applyChecked is ApplyIn once op is checked and its products are known to
// exist and be stocked — read by the caller in this unit of work, as
// PurchaseService does to pick the stocked lines of a reception: reading them
// a second time would be one more round trip under the caller's locks.
func (s *StockService) applyChecked(ctx context.Context, r domain.Repositories, actor domain.Principal, op domain.StockOperation) ([]*domain.Movement, error) {
	p, err := s.plan(ctx, r, actor, op, nil)
	if err != nil {
		return nil, err
	}
	if err := r.Stock.SaveLevelsAndMovements(ctx, p.levels, p.moves); err != nil {
		return nil, err
	}
	if err := p.saveCosts(ctx, r); err != nil {
		return nil, err
	}
	return p.moves, p.emit(ctx, r)
}

// stockPlan is what an operation does to stock, computed under the levels'
// locks and not yet written: the levels it changes (in lock order), its
// ledger rows and the average costs it moves.
type stockPlan struct {
	levels []*domain.StockLevel
	moves  []*domain.Movement
	costs  map[int64]decimal.Decimal // product id → new average cost, for those that changed
	now    time.Time
}

// plan locks op's levels (and its products' cost basis) — unless pre, locked
// by the caller in this unit of work, holds them all — and computes every
// new balance, refusing a debit below zero, and the weighted average costs.
// Writing is the caller's: applyChecked writes at once, a reception with its
// own write (PurchaseService.Receive).
func (s *StockService) plan(ctx context.Context, r domain.Repositories, actor domain.Principal, op domain.StockOperation, pre *domain.LockedStock) (stockPlan, error) {
	locked, costs, ok := pre.For(op.LevelLocks())
	if !ok {
		var err error
		if locked, costs, err = r.Stock.LockLevels(ctx, op.LevelLocks()); err != nil {
			return stockPlan{}, err
		}
	}
	levels := make(map[domain.StockKey]*domain.StockLevel, len(locked))
	for _, l := range locked {
		levels[l.Key()] = l
	}
	onHand := onHandOf(costs, locked)
	costsBefore := maps.Clone(costs)

	now := stamp(s.now())
	moves := make([]*domain.Movement, 0, len(op.Lines))
	touched := map[domain.StockKey]bool{}
	for _, line := range op.Lines {
		lvl := levels[line.Key()]
		if lvl == nil {
			return stockPlan{}, fmt.Errorf("stock level %+v was not locked", line.Key()) // a repository bug, not bad input
		}
		delta := line.Qty
		if line.Counted.Valid {
			delta = line.Counted.Decimal.Sub(lvl.Qty)
			if delta.IsZero() {
				continue
			}
		}
		if line.UnitCost.Valid {
			costs[line.ProductID] = domain.WeightedAverageCost(onHand[line.ProductID], costs[line.ProductID], delta, line.UnitCost.Decimal)
		}
		if err := lvl.Change(delta, s.allowNegative); err != nil {
			return stockPlan{}, err
		}
		onHand[line.ProductID] = onHand[line.ProductID].Add(delta)
		lvl.UpdatedAt = now
		touched[lvl.Key()] = true
		moves = append(moves, &domain.Movement{
			ProductID: line.ProductID, WarehouseID: line.WarehouseID,
			Qty: delta, BalanceAfter: lvl.Qty, UnitCost: line.UnitCost,
			Label: op.Label, Origin: op.Origin,
			UserID: actor.UserID, RequestID: domain.RequestID(ctx), CreatedAt: now,
		})
	}

	p := stockPlan{levels: make([]*domain.StockLevel, 0, len(touched)), moves: moves, costs: map[int64]decimal.Decimal{}, now: now}
	for _, l := range locked { // in lock order
		if touched[l.Key()] {
			p.levels = append(p.levels, l)
		}
	}
	for id, cost := range costs {
		if !cost.Equal(costsBefore[id]) {
			p.costs[id] = cost
		}
	}
	return p, nil
}

// saveCosts writes the average costs p moved (their products' rows were
// locked by plan).
func (p stockPlan) saveCosts(ctx context.Context, r domain.Repositories) error {
	for _, id := range slices.Sorted(maps.Keys(p.costs)) {
		if err := r.Products.SetCostPrice(ctx, id, p.costs[id], p.now); err != nil {
			return err
		}
	}
	return nil
}

// emit records stock.moved for p's ledger rows, once written (it names
// their ids).
func (p stockPlan) emit(ctx context.Context, r domain.Repositories) error {
	if len(p.moves) == 0 {
		return nil
	}
	return r.Events.Emit(ctx, domain.EventStockMoved, stockMovedEventOf(p.moves))
}

// checkStockedProducts refuses unknown products (404) and those without a
// stock ledger (422).
func checkStockedProducts(ctx context.Context, r domain.Repositories, ids []int64) error {
	products, err := r.Products.GetMany(ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		p, ok := products[id]
		switch {
		case !ok:
			return domain.NotFound("product", id)
		case p.Type == domain.ProductTypeService:
			return domain.Invalid("product_id", "product %d is a service: services never carry stock", id)
		case !p.Stocked():
			return domain.Invalid("product_id", "product %d does not track stock (track_stock is false)", id)
		}
	}
	return nil
}

// onHandOf returns, for each product receiving at a unit cost (those whose
// cost price LockLevels returned), its stock over every warehouse. Every
// level of such a product is locked (LevelLocks), so its total cannot move;
// its row is locked too, after the levels as everywhere, so that a concurrent
// manual edit of cost_price (which locks the row) is either seen whole or
// waits for this receipt.
func onHandOf(costs map[int64]decimal.Decimal, locked []*domain.StockLevel) map[int64]decimal.Decimal {
	onHand := map[int64]decimal.Decimal{}
	for _, l := range locked {
		if _, ok := costs[l.ProductID]; ok {
			onHand[l.ProductID] = onHand[l.ProductID].Add(l.Qty)
		}
	}
	return onHand
}

// ProductStock returns the levels of a product, by warehouse id; an unknown
// product is NotFound.
func (s *StockService) ProductStock(ctx context.Context, productID int64) ([]*domain.StockLevel, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) ([]*domain.StockLevel, error) {
		if _, err := r.Products.Get(ctx, productID); err != nil {
			return nil, err
		}
		return r.Stock.ProductLevels(ctx, productID)
	})
}

// Movement returns one ledger row.
func (s *StockService) Movement(ctx context.Context, id int64) (*domain.Movement, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (*domain.Movement, error) {
		return r.Movements.Get(ctx, id)
	})
}

// Movements lists ledger rows.
func (s *StockService) Movements(ctx context.Context, f domain.MovementFilter) (domain.Page[*domain.Movement], error) {
	return unitBrowse(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Page[*domain.Movement], error) {
		return r.Movements.List(ctx, f)
	})
}
