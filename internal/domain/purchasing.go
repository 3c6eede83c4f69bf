package domain

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// OriginReception is the origin type of the stock movements a reception of a
// purchase order causes; their origin id is the reception's.
const OriginReception = "reception"

// ReceptionSequence is the numbering sequence of receptions (its own mask,
// DOLIGO_NUMBER_MASK_RECEPTION).
const ReceptionSequence = "reception"

// Cancel withdraws a purchase order: from draft, or validated while nothing
// was received. Anything else is 409 illegal-transition.
func (d *Document) Cancel() error { return d.move(ActCancel, StatusCancelled) }

// NetUnitPrice is the line's unit price after its discount, unit_price × (1 −
// discount/100), rounded half away from zero to MoneyScale decimals: the unit
// cost at which a reception brings the line's goods into stock.
func (l Line) NetUnitPrice() decimal.Decimal {
	return l.UnitPrice.Mul(hundred.Sub(l.DiscountPercent)).Shift(-2).Round(MoneyScale)
}

// QtyToReceive is what remains to receive of the line: ordered minus received.
func (l Line) QtyToReceive() decimal.Decimal { return l.Qty.Sub(l.QtyReceived) }

// ReceptionLineInput is one line of a reception as a client sends it.
type ReceptionLineInput struct {
	OrderLineID int64
	Qty         decimal.Decimal
}

// ReceptionInput is a reception of goods of a purchase order into a warehouse.
type ReceptionInput struct {
	WarehouseID int64
	Date        time.Time // zero: today
	Lines       []ReceptionLineInput
}

// Check validates the input's own fields (not against the order). Never nil.
func (in ReceptionInput) Check() *ValidationError {
	v := &ValidationError{}
	if in.WarehouseID <= 0 {
		v.Add("warehouse_id", "is required")
	}
	checkLineCount(v, len(in.Lines), DefaultMaxLines)
	for i, l := range in.Lines {
		if l.OrderLineID <= 0 {
			v.Add(lineField(i, "order_line_id"), "is required")
		}
		if !l.Qty.IsPositive() {
			v.Add(lineField(i, "qty"), "must be greater than 0")
		} else {
			CheckQty(v, lineField(i, "qty"), l.Qty)
		}
	}
	return v
}

// ReceptionLine is one received line: what came in of an order line, at the
// line's net unit price.
type ReceptionLine struct {
	ID          int64
	OrderLineID int64
	ProductID   int64 // 0 for a free-text line
	Qty         decimal.Decimal
	UnitCost    decimal.Decimal
}

// ReceivingFacts is what DocumentRepository.LockToReceive reads besides the
// order: not locked, as fresh as the statement that locked the order.
type ReceivingFacts struct {
	// Stocked tells, for every product of the order's lines, whether it
	// keeps a stock ledger (Product.Stocked).
	Stocked map[int64]bool
	// WarehouseExists is false when the reception's warehouse is unknown.
	WarehouseExists bool
	// Stock, when not nil, is the stock of the received lines' products,
	// locked after the order and its lines in the same round trip
	// (MySQL): every level of each product, and the cost basis of those
	// that have a level in the reception's warehouse (the others are left
	// to StockRepository.LockLevels, which creates the level first).
	Stock *LockedStock
}

// LockedStock is stock levels locked with their products' cost basis, as
// StockRepository.LockLevels returns them.
type LockedStock struct {
	Levels []*StockLevel             // in (product, warehouse) order
	Costs  map[int64]decimal.Decimal // product id → cost price, for the products locked
}

// For is what LockLevels would return for locks, and whether s holds all
// of it: every level named, every level of a product locked in all its
// warehouses, and that product's cost.
func (s *LockedStock) For(locks []LevelLock) ([]*StockLevel, map[int64]decimal.Decimal, bool) {
	if s == nil {
		return nil, nil, false
	}
	var levels []*StockLevel
	costs := map[int64]decimal.Decimal{}
	for _, lk := range NormalizeLevelLocks(locks) {
		cost, ok := s.Costs[lk.ProductID]
		if !ok {
			return nil, nil, false
		}
		found := 0
		for _, l := range s.Levels {
			if l.ProductID != lk.ProductID {
				continue
			}
			named := slices.Contains(lk.WarehouseIDs, l.WarehouseID)
			if named {
				found++
			}
			if named || lk.AllWarehouses {
				levels = append(levels, l)
			}
		}
		if found != len(lk.WarehouseIDs) {
			return nil, nil, false
		}
		if lk.AllWarehouses {
			costs[lk.ProductID] = cost
		}
	}
	return levels, costs, true
}

// Reception is goods of a purchase order received into a warehouse.
type Reception struct {
	ID              int64
	Ref             string
	PurchaseOrderID int64
	WarehouseID     int64
	Date            time.Time
	Lines           []ReceptionLine
	CreatedBy       int64
	CreatedAt       time.Time
}

// Receive records the reception in on d, a purchase order: each line's
// qty_received grows, and the order becomes partially_received or, once every
// line is received in full, received. It returns the reception's lines (in the
// input's order) without touching d when anything is wrong: an order that
// cannot receive (draft, cancelled, received) is 409 illegal-transition, a
// line that is not the order's is 422 naming it, and receiving more than
// ordered minus received (lines naming the same order line add up) is 409
// over-reception.
func (d *Document) Receive(in ReceptionInput) ([]ReceptionLine, error) {
	if err := d.Can(ActReceive); err != nil {
		return nil, err
	}
	if err := in.Check().OrNil(); err != nil {
		return nil, err
	}
	index := make(map[int64]int, len(d.Lines))
	for i, l := range d.Lines {
		index[l.ID] = i
	}
	v := &ValidationError{}
	if !in.Date.IsZero() && in.Date.Before(d.Date) {
		// Goods cannot arrive before they were ordered: such a date is a typo
		// that would also put the receipt before the order in the ledger.
		v.Add("date", "%s is before the purchase order's date %s", in.Date.Format(time.DateOnly), d.Date.Format(time.DateOnly))
	}
	want := map[int64]decimal.Decimal{}
	out := make([]ReceptionLine, 0, len(in.Lines))
	for i, rl := range in.Lines {
		j, ok := index[rl.OrderLineID]
		if !ok {
			v.Add(lineField(i, "order_line_id"), "line %d is not a line of purchase order %s", rl.OrderLineID, d.DisplayRef())
			continue
		}
		l := d.Lines[j]
		want[l.ID] = want[l.ID].Add(rl.Qty)
		out = append(out, ReceptionLine{OrderLineID: l.ID, ProductID: l.ProductID, Qty: rl.Qty, UnitCost: l.NetUnitPrice()})
	}
	if err := v.OrNil(); err != nil {
		return nil, err
	}
	for _, l := range d.Lines {
		if q, ok := want[l.ID]; ok && q.GreaterThan(l.QtyToReceive()) {
			return nil, Conflictf("over-reception", "cannot receive %s of line %d of purchase order %s: %s ordered, %s already received",
				q, l.ID, d.DisplayRef(), l.Qty, l.QtyReceived)
		}
	}
	complete := true
	for i := range d.Lines {
		l := &d.Lines[i]
		l.QtyReceived = l.QtyReceived.Add(want[l.ID])
		if l.QtyReceived.LessThan(l.Qty) {
			complete = false
		}
	}
	d.Status = StatusPartiallyReceived
	if complete {
		d.Status = StatusReceived
	}
	return out, nil
}

// ReceptionFilter narrows a list of receptions; zero values do not filter.
type ReceptionFilter struct {
	ListQuery       // Sort: id, date, created_at; newest first by default
	PurchaseOrderID int64
}

// ReceptionSortFields are the fields a reception list may be sorted by.
var ReceptionSortFields = []string{"id", "date", "created_at"}

// ReceptionReader is the read side of ReceptionRepository.
type ReceptionReader interface {
	// Get returns the reception with its lines, or a NotFound problem.
	Get(ctx context.Context, id int64) (*Reception, error)
	// List returns one page with every reception's lines.
	List(ctx context.Context, f ReceptionFilter) (Page[*Reception], error)
}

// ReceptionRepository stores receptions with their lines.
type ReceptionRepository interface {
	ReceptionReader
	// Create is a reception's one write: it numbers rec (w.Number), inserts
	// it with its lines (setting their IDs), writes the stock it adds (the
	// levels' new balances, and the ledger rows, whose IDs it sets, whose
	// origin it points at rec and whose label is w.Named's), stores what the
	// reception did to its order (the qty_received of w.Lines — lines are
	// otherwise frozen once the order is validated — with the order's
	// status and updated_at), and writes w.Named's audit row with the
	// reception's id as its object id. All of it in one round trip on
	// PostgreSQL and MySQL, the number included: every round trip saved is
	// time the other receptions of the order, and of the numbering row,
	// wait (docs/benchmarks.md, "Receptions").
	Create(ctx context.Context, w ReceptionWrite) error
}

// ReceptionWrite is what ReceptionRepository.Create writes.
type ReceptionWrite struct {
	Reception *Reception
	// Number is the sequence and mask that number it; its number is the
	// sequence's next value, and stays locked until the unit of work ends
	// (NumberingRepository.Next).
	Number ReceptionNumber
	// Named is the label of its ledger rows and its audit row (nil: none),
	// once it has a ref. They must name it by rec.Ref as text only: Create
	// may call it with a stand-in ref (ReceptionRefStandIn) and put the
	// number in their place in the database's statement.
	Named func(rec *Reception) (label string, audit *AuditEntry)
	Stock ReceptionStock
	Order *Document
	Lines []Line // the order's lines whose qty_received changed
}

// ReceptionNumber is how a reception is numbered.
type ReceptionNumber struct {
	Sequence, Period string
	Mask             NumberMask
}

// ReceptionRefStandIn is the ref ReceptionWrite.Named may be called with.
// A mask's literal text cannot hold braces, so no number contains it.
const ReceptionRefStandIn = "{reception-ref}"

// ReceptionStock is the stock a reception adds, computed under the levels'
// locks and written by ReceptionRepository.Create.
type ReceptionStock struct {
	Levels []*StockLevel // the levels it changes, with their new balance, in lock order
	Moves  []*Movement   // its ledger rows; Create sets their label, origin id and ID
}

// ReceptionLabel names a reception on its ledger rows.
func ReceptionLabel(rec *Reception, order *Document) string {
	return fmt.Sprintf("Reception %s (purchase order %s)", rec.Ref, order.DisplayRef())
}
