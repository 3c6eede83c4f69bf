package domain

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// OriginShipment is the origin type of the stock movements a shipment of an
// order causes (DOLIGO_STOCK_TRIGGER=shipment); their origin id is the
// shipment's.
const OriginShipment = "shipment"

// ShipmentSequence is the numbering sequence of shipments (their own mask,
// DOLIGO_NUMBER_MASK_SHIPMENT).
const ShipmentSequence = "shipment"

// QtyToShip is what remains to ship of an order line: ordered minus shipped.
func (l Line) QtyToShip() decimal.Decimal { return l.Qty.Sub(l.QtyShipped) }

// ShipmentLineInput is one line of a shipment as a client sends it.
type ShipmentLineInput struct {
	OrderLineID int64
	Qty         decimal.Decimal
}

// ShipmentInput is a shipment of goods of a customer order from a warehouse.
type ShipmentInput struct {
	WarehouseID int64
	Date        time.Time // zero: today
	Lines       []ShipmentLineInput
}

// Check validates the input's own fields (not against the order). Never nil.
func (in ShipmentInput) Check() *ValidationError {
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

// ShipmentLine is one shipped line: what left of an order line.
type ShipmentLine struct {
	ID          int64
	OrderLineID int64
	ProductID   int64 // 0 for a free-text line
	Qty         decimal.Decimal
}

// Shipment is goods of a customer order sent from a warehouse: the delivery
// note.
type Shipment struct {
	ID           int64
	Ref          string
	OrderID      int64
	ThirdPartyID int64 // the order's customer, copied: a validated order's never changes
	WarehouseID  int64
	Date         time.Time
	Lines        []ShipmentLine
	CreatedBy    int64
	CreatedAt    time.Time
}

// Ship records the shipment in on d, a customer order: each line's
// qty_shipped grows. The order's status does not change: the order lifecycle
// has no shipping states (an order is validated, then invoiced, and may be
// invoiced before or after its goods leave), so what was shipped is read from
// the lines. It returns the shipment's lines (in the input's order) without
// touching d when anything is wrong: an order that cannot ship (a draft) is
// 409 illegal-transition, a line that is not the order's or a date before
// the order's is 422 naming it,
// and shipping more than ordered minus shipped (lines naming the same order
// line add up) is 409 over-shipment.
func (d *Document) Ship(in ShipmentInput) ([]ShipmentLine, error) {
	if err := d.Can(ActShip); err != nil {
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
		v.Add("date", "must not be before the order's date, %s", d.Date.Format(time.DateOnly))
	}
	want := map[int64]decimal.Decimal{}
	out := make([]ShipmentLine, 0, len(in.Lines))
	for i, sl := range in.Lines {
		j, ok := index[sl.OrderLineID]
		if !ok {
			v.Add(lineField(i, "order_line_id"), "line %d is not a line of order %s", sl.OrderLineID, d.DisplayRef())
			continue
		}
		l := d.Lines[j]
		want[l.ID] = want[l.ID].Add(sl.Qty)
		out = append(out, ShipmentLine{OrderLineID: l.ID, ProductID: l.ProductID, Qty: sl.Qty})
	}
	if err := v.OrNil(); err != nil {
		return nil, err
	}
	for _, l := range d.Lines {
		if q, ok := want[l.ID]; ok && q.GreaterThan(l.QtyToShip()) {
			return nil, Conflictf("over-shipment", "cannot ship %s of line %d of order %s: %s ordered, %s already shipped",
				q, l.ID, d.DisplayRef(), l.Qty, l.QtyShipped)
		}
	}
	for i := range d.Lines {
		l := &d.Lines[i]
		l.QtyShipped = l.QtyShipped.Add(want[l.ID])
	}
	return out, nil
}

// ShipmentFilter narrows a list of shipments; zero values do not filter.
type ShipmentFilter struct {
	ListQuery    // Sort: id, date, created_at; newest first by default
	OrderID      int64
	ThirdPartyID int64
}

// ShipmentSortFields are the fields a shipment list may be sorted by.
var ShipmentSortFields = []string{"id", "date", "created_at"}

// ShipmentReader is the read side of ShipmentRepository.
type ShipmentReader interface {
	// Get returns the shipment with its lines, or a NotFound problem.
	Get(ctx context.Context, id int64) (*Shipment, error)
	// List returns one page with every shipment's lines.
	List(ctx context.Context, f ShipmentFilter) (Page[*Shipment], error)
	// OrderStockMoved reports whether a shipment of the order moved stock.
	OrderStockMoved(ctx context.Context, orderID int64) (bool, error)
}

// ShipmentRepository stores shipments with their lines.
type ShipmentRepository interface {
	ShipmentReader
	// Create inserts the shipment and its lines and sets their IDs; an
	// empty Ref is stored as none, until Number.
	Create(ctx context.Context, sh *Shipment) error
	// Number is the shipment's final write, once numbered: it stores
	// sh.Ref, sets label on the ledger rows movementIDs (those of the
	// shipment, which name it), and stores the qty_shipped of the lines
	// shipped of order and the order's updated_at (lines are otherwise
	// frozen once it is validated).
	Number(ctx context.Context, sh *Shipment, order *Document, shipped []Line, label string, movementIDs []int64) error
}

// ShipmentLabel names a shipment on its ledger rows.
func ShipmentLabel(sh *Shipment, order *Document) string {
	return fmt.Sprintf("Shipment %s (order %s)", sh.Ref, order.DisplayRef())
}

// PDFFileName is the delivery note's file name: its ref with anything but
// letters, digits, '-', '.' and '_' replaced.
func (sh *Shipment) PDFFileName() string {
	ref := sh.Ref
	if ref == "" {
		ref = fmt.Sprintf("shipment-%d", sh.ID)
	}
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_' {
			return r
		}
		return '_'
	}, ref)
	return strings.Trim(safe, "_") + ".pdf"
}
