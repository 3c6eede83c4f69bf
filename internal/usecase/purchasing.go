package usecase

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

// purchaseOrderTypes is the resource of purchase orders: one type.
var purchaseOrderTypes = []domain.DocType{domain.DocPurchaseOrder}

// PurchaseOptions configure a PurchaseService.
type PurchaseOptions struct {
	// ReceptionMask numbers receptions (DOLIGO_NUMBER_MASK_RECEPTION).
	ReceptionMask domain.NumberMask
	// Now is the clock; time.Now when nil. Dates ("today") are in UTC.
	Now func() time.Time
}

// PurchaseService runs what the buy side adds to the commercial chain: the
// cancellation of purchase orders and the receptions of their goods. Purchase
// orders are otherwise documents of DocumentService (create, edit, validate,
// list), and their PDFs and e-mails those of ArchiveService.
type PurchaseService struct {
	uow   domain.UnitOfWork
	stock *StockService
	mask  domain.NumberMask
	now   func() time.Time
}

// NewPurchaseService returns a PurchaseService writing through uow; stock is
// the one writer of stock, called inside each reception's unit of work.
func NewPurchaseService(uow domain.UnitOfWork, stock *StockService, opt PurchaseOptions) *PurchaseService {
	if stock == nil {
		panic("usecase: a PurchaseService needs the StockService")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &PurchaseService{uow: uow, stock: stock, mask: opt.ReceptionMask, now: opt.Now}
}

// Cancel withdraws a purchase order: a draft, or a validated order that has
// received nothing (409 illegal-transition otherwise).
func (s *PurchaseService) Cancel(ctx context.Context, id int64) (*domain.Document, error) {
	now := stamp(s.now())
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.Document, error) {
		d, err := lockOf(ctx, r, purchaseOrderTypes, id)
		if err != nil {
			return nil, err
		}
		status := d.Status
		if err := d.Cancel(); err != nil {
			return nil, err
		}
		d.UpdatedAt = now
		if err := r.Documents.Update(ctx, d); err != nil {
			return nil, err
		}
		return d, auditStatus(ctx, r, "cancel", d, status, d.Ref)
	})
}

// Receive records a reception of goods of purchase order orderID, in one unit
// of work: lock the order's row with its lines (so receptions of one order
// run one after the other and each sees what the previous received), reading
// in the same statement whether the warehouse exists and which products of
// the lines keep stock → check the transition and the quantities in the
// domain (409 illegal-transition, 409 over-reception, 422 on a field), then
// the warehouse (422) → StockService's writer receives the stocked lines at
// their net unit price (levels locked in the global (product_id,
// warehouse_id) order; weighted average cost), its ledger rows not yet
// pointing at the reception → take the reception's number last (the
// sequence row, shared by every reception, stays locked until commit:
// gapless) → one write of the reception, its lines, its ledger rows' origin
// and label, the lines' qty_received and the order's status. Any error rolls
// everything back, the number included.
func (s *PurchaseService) Receive(ctx context.Context, actor domain.Principal, orderID int64, in domain.ReceptionInput) (*domain.Reception, error) {
	now := stamp(s.now())
	if in.Date.IsZero() {
		in.Date = now.Truncate(24 * time.Hour)
	}
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.Reception, error) {
		// The webhook subscriptions its events need are read before the
		// order's lock (once for the unit of work), as every write does;
		// nothing else is: the warehouse and which products of the lines
		// keep stock come with the order's locking read (LockToReceive), so
		// a reception waiting for the order costs nothing meanwhile
		// (docs/benchmarks.md, "Receptions").
		if err := r.Events.Prefetch(ctx); err != nil {
			return nil, err
		}
		lineIDs := make([]int64, len(in.Lines))
		for i, l := range in.Lines {
			lineIDs[i] = l.OrderLineID
		}
		d, facts, err := r.Documents.LockToReceive(ctx, orderID, in.WarehouseID, lineIDs)
		if err != nil {
			return nil, err
		}
		if err := ofTypes(d, purchaseOrderTypes, orderID); err != nil {
			return nil, err
		}
		before := make(map[int64]decimal.Decimal, len(d.Lines))
		for _, l := range d.Lines {
			before[l.ID] = l.QtyReceived
		}
		lines, err := d.Receive(in)
		if err != nil {
			return nil, err
		}
		if !facts.WarehouseExists {
			return nil, domain.Invalid("warehouse_id", "warehouse %d does not exist", in.WarehouseID)
		}
		rec := &domain.Reception{
			PurchaseOrderID: d.ID, WarehouseID: in.WarehouseID, Date: in.Date,
			Lines: lines, CreatedBy: actor.UserID, CreatedAt: now,
		}
		// The stock it adds, computed under the levels' locks; the average
		// costs are written now, the levels and ledger rows by the
		// reception's one write below.
		p, err := s.stockIn(ctx, r, actor, d, rec, facts)
		if err != nil {
			return nil, err
		}
		if err := p.saveCosts(ctx, r); err != nil {
			return nil, err
		}
		var changed []domain.Line
		for _, l := range d.Lines {
			if !l.QtyReceived.Equal(before[l.ID]) {
				changed = append(changed, l)
			}
		}
		d.UpdatedAt = now
		// The number last, with the reception's one write: the sequence row
		// is shared by every reception, and stays locked from there to the
		// commit (gapless; a rollback gives the number back). The audit row
		// is written there too, not by the unit of work at commit: one round
		// trip less under the order's and the numbering row's locks
		// (docs/benchmarks.md, "Receptions").
		err = r.Receptions.Create(ctx, domain.ReceptionWrite{
			Reception: rec,
			Number:    domain.ReceptionNumber{Sequence: domain.ReceptionSequence, Period: s.mask.Period(in.Date), Mask: s.mask},
			Named: func(rec *domain.Reception) (string, *domain.AuditEntry) {
				entry := domain.NewAuditEntry(ctx, "reception.create", "reception", 0, domain.Diff(nil, receptionAudited(rec)))
				return domain.ReceptionLabel(rec, d), &entry
			},
			Stock: domain.ReceptionStock{Levels: p.levels, Moves: p.moves},
			Order: d, Lines: changed,
		})
		if err != nil {
			return nil, err
		}
		if err := p.emit(ctx, r); err != nil {
			return nil, err
		}
		return rec, r.Events.Emit(ctx, domain.EventReceptionCreated, receptionEventOf(rec))
	})
}

// receptionAudited is what a reception's audit row records of it: every
// field but the ids that its write assigns in the round trip that also
// writes the row (whose object id is the reception's id).
func receptionAudited(rec *domain.Reception) any {
	type line struct {
		OrderLineID, ProductID int64
		Qty, UnitCost          decimal.Decimal
	}
	lines := make([]line, len(rec.Lines))
	for i, l := range rec.Lines {
		lines[i] = line{OrderLineID: l.OrderLineID, ProductID: l.ProductID, Qty: l.Qty, UnitCost: l.UnitCost}
	}
	return struct {
		Ref                          string
		PurchaseOrderID, WarehouseID int64
		Date                         time.Time
		Lines                        []line
		CreatedBy                    int64
		CreatedAt                    time.Time
	}{rec.Ref, rec.PurchaseOrderID, rec.WarehouseID, rec.Date, lines, rec.CreatedBy, rec.CreatedAt}
}

// stockIn plans what the reception's lines of stocked products add to its
// warehouse at their unit cost; free-text lines, services and untracked
// products move no stock (their qty_received is recorded all the same).
//
// facts tell which products of the order's lines keep stock, as read with
// the order's lock, and hold their stock when it was locked then.
func (s *PurchaseService) stockIn(ctx context.Context, r domain.Repositories, actor domain.Principal, d *domain.Document, rec *domain.Reception, facts domain.ReceivingFacts) (stockPlan, error) {
	// The ledger rows' label names the reception by its ref, and their
	// origin by its id: Receive sets the label again once numbered, and
	// Create the origin as it inserts the reception.
	op := domain.StockOperation{Label: domain.ReceptionLabel(rec, d), Origin: domain.Origin{Type: domain.OriginReception}}
	for _, l := range rec.Lines {
		if facts.Stocked[l.ProductID] {
			op.Lines = append(op.Lines, domain.StockLine{
				ProductID: l.ProductID, WarehouseID: rec.WarehouseID, Qty: l.Qty,
				UnitCost: decimal.NewNullDecimal(l.UnitCost),
			})
		}
	}
	if len(op.Lines) == 0 {
		return stockPlan{}, nil
	}
	if err := op.Check(); err != nil {
		return stockPlan{}, err
	}
	// The products were read in this unit of work: every line of op
	// names a stocked one, which is all ApplyIn would read them for.
	return s.stock.plan(ctx, r, actor, op, facts.Stock)
}

// Reception returns one reception with its lines.
func (s *PurchaseService) Reception(ctx context.Context, id int64) (*domain.Reception, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (*domain.Reception, error) {
		return r.Receptions.Get(ctx, id)
	})
}

// Receptions returns a page of receptions with their lines.
func (s *PurchaseService) Receptions(ctx context.Context, f domain.ReceptionFilter) (domain.Page[*domain.Reception], error) {
	return unitBrowse(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Page[*domain.Reception], error) {
		return r.Receptions.List(ctx, f)
	})
}
