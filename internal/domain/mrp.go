package domain

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// OriginManufacturing is the origin type of the movements a manufacturing
// order writes when it is produced; the origin id is the order's.
const OriginManufacturing = "manufacturing_order"

// MaxBOMLines bounds a bill of materials: producing an order locks and
// writes every component in one transaction.
const MaxBOMLines = 500

// BOM is a bill of materials: the components (Lines) that make Qty units of
// a product.
type BOM struct {
	ID        int64
	Ref       string // unique
	Label     string
	ProductID int64           // the product made
	Qty       decimal.Decimal // the output quantity the lines make
	Lines     []BOMLine
	CreatedAt time.Time
	UpdatedAt time.Time
}

// BOMLine is one component of a BOM.
type BOMLine struct {
	ProductID int64
	Qty       decimal.Decimal // consumed per BOM.Qty units made, before loss
	// LossPercent is the share of the component lost in making (scrap,
	// offcuts): consumption is Qty × (1 + LossPercent/100).
	LossPercent decimal.Decimal
}

// Check validates every field of the BOM except whether its products exist,
// are stocked and make no cycle (the use case checks those). Never nil.
func (b *BOM) Check() *ValidationError {
	v := &ValidationError{}
	checkCatalogRef(v, b.Ref)
	checkCatalogLabel(v, "label", b.Label, false)
	if b.ProductID <= 0 {
		v.Add("product_id", "is required")
	}
	checkPositiveQty(v, "qty", b.Qty)
	checkLineCount(v, len(b.Lines), MaxBOMLines)
	seen := map[int64]bool{}
	for i, l := range b.Lines {
		f := func(name string) string { return fmt.Sprintf("lines[%d].%s", i, name) }
		switch {
		case l.ProductID <= 0:
			v.Add(f("product_id"), "is required")
		case l.ProductID == b.ProductID:
			v.Add(f("product_id"), "is the product the BOM makes: a product cannot be made from itself")
		case seen[l.ProductID]:
			v.Add(f("product_id"), "product %d is listed twice", l.ProductID)
		}
		seen[l.ProductID] = true
		checkPositiveQty(v, f("qty"), l.Qty)
		CheckRate(v, f("loss_percent"), l.LossPercent)
	}
	return v
}

// checkLineCount wants between 1 and limit lines.
func checkLineCount(v *ValidationError, n, limit int) {
	switch {
	case n == 0:
		v.Add("lines", "must hold at least one line")
	case n > limit:
		v.Add("lines", "must hold at most %d lines", limit)
	}
}

func checkPositiveQty(v *ValidationError, field string, d decimal.Decimal) {
	if !d.IsPositive() {
		v.Add(field, "must be greater than 0")
		return
	}
	CheckQty(v, field, d)
}

// Components returns the distinct products of the lines, in line order.
func (b *BOM) Components() []int64 {
	ids := make([]int64, 0, len(b.Lines))
	for _, l := range b.Lines {
		if !slices.Contains(ids, l.ProductID) {
			ids = append(ids, l.ProductID)
		}
	}
	return ids
}

// Requirement is the quantity of the line's component that making qty units
// consumes:
//
//	line.Qty × qty ÷ BOM.Qty × (1 + LossPercent/100)
//
// computed exactly and rounded up to QtyScale decimals only when the ratio
// does not end there (2 per 3 units makes 0.666667 for one unit): an order
// never consumes less than its recipe.
func (b *BOM) Requirement(l BOMLine, qty decimal.Decimal) decimal.Decimal {
	num := l.Qty.Mul(qty).Mul(percent.Add(l.LossPercent))
	den := b.Qty.Mul(percent)
	q, r := num.QuoRem(den, QtyScale)
	if r.Sign() > 0 {
		q = q.Add(decimal.New(1, -QtyScale))
	}
	return q
}

var percent = decimal.NewFromInt(100)

// BOMPatch is a partial update of a BOM; nil fields stay as they are, and
// Lines, when set, replaces every line.
type BOMPatch struct {
	Ref       *string
	Label     *string
	ProductID *int64
	Qty       *decimal.Decimal
	Lines     *[]BOMLine
}

// Apply changes b as the patch says and validates the result.
func (b *BOM) Apply(p BOMPatch) error {
	patchField(&b.Ref, p.Ref)
	patchField(&b.Label, p.Label)
	patchField(&b.ProductID, p.ProductID)
	patchField(&b.Qty, p.Qty)
	patchField(&b.Lines, p.Lines)
	return b.Check().OrNil()
}

// ComponentLookup returns, for each product of ids that has BOMs, the
// products their lines list.
type ComponentLookup func(ctx context.Context, ids []int64) (map[int64][]int64, error)

// CheckBOMCycle refuses a BOM that would make its product from itself
// through sub-BOMs: it walks down from the BOM's components through the BOMs
// of those components, level by level, and reports the first chain that
// leads back to the product, naming the line it starts from. (A direct
// self-reference is Check's to refuse.)
func CheckBOMCycle(ctx context.Context, b *BOM, components ComponentLookup) error {
	parent := map[int64]int64{} // how each product was reached
	var frontier []int64
	for _, id := range b.Components() {
		parent[id] = b.ProductID
		frontier = append(frontier, id)
	}
	for len(frontier) > 0 {
		children, err := components(ctx, frontier)
		if err != nil {
			return err
		}
		var next []int64
		for _, p := range frontier {
			for _, c := range children[p] {
				if c == b.ProductID {
					return bomCycleError(b, parent, p)
				}
				if _, seen := parent[c]; !seen {
					parent[c] = p
					next = append(next, c)
				}
			}
		}
		frontier = next
	}
	return nil
}

// bomCycleError names the chain product → … → last → product.
func bomCycleError(b *BOM, parent map[int64]int64, last int64) error {
	chain := []int64{b.ProductID}
	for p := last; p != b.ProductID; p = parent[p] {
		chain = append(chain, p)
	}
	slices.Reverse(chain[1:])
	line := slices.IndexFunc(b.Lines, func(l BOMLine) bool { return l.ProductID == chain[1] })
	steps := make([]string, 0, len(chain)+1)
	for _, p := range append(chain, b.ProductID) {
		steps = append(steps, fmt.Sprint(p))
	}
	return Invalid(fmt.Sprintf("lines[%d].product_id", line),
		"product %d would be made from itself through sub-BOMs: %s", b.ProductID, strings.Join(steps, " → "))
}

// BOMFilter selects BOMs for a list.
type BOMFilter struct {
	ListQuery       // Search matches ref and label; Sort: id, ref, created_at, updated_at
	ProductID int64 // 0 for any
}

// BOMSortFields are the fields a BOM list may be sorted by.
var BOMSortFields = []string{"id", "ref", "created_at", "updated_at"}

// BOMReader is the read side of BOMRepository: what a unit of work's Read hands
// out, which can neither lock nor write.
type BOMReader interface {
	Get(ctx context.Context, id int64) (*BOM, error)
	List(ctx context.Context, f BOMFilter) (Page[*BOM], error)
	// Components returns, for each of productIDs that has BOMs, the
	// products their lines list, leaving out the BOM excludeID (0: none).
	Components(ctx context.Context, productIDs []int64, excludeID int64) (map[int64][]int64, error)
}

// BOMRepository stores bills of materials with their lines.
type BOMRepository interface {
	BOMReader
	// LockGraph serialises the changes of BOMs until the unit of work ends.
	// A cycle check reads the graph of every BOM: without one lock for all,
	// two concurrent changes could each close half of a cycle that neither
	// sees.
	LockGraph(ctx context.Context) error
	// Create inserts b and its lines and sets its ID; a taken ref is
	// ErrDuplicateRef.
	Create(ctx context.Context, b *BOM) error
	// Save writes every field of an existing BOM and replaces its lines.
	Save(ctx context.Context, b *BOM) error
	// Delete removes a BOM; one that orders refer to is a conflict.
	Delete(ctx context.Context, id int64) error
}

// MOStatus is the lifecycle state of a manufacturing order.
type MOStatus string

const (
	MODraft     MOStatus = "draft"     // planned; changes nothing
	MOValidated MOStatus = "validated" // released to the shop floor: may be produced
	MOProduced  MOStatus = "produced"  // components consumed, product received
	MOCancelled MOStatus = "cancelled" // abandoned before production
)

// MOStatuses lists every status, in lifecycle order.
var MOStatuses = []MOStatus{MODraft, MOValidated, MOProduced, MOCancelled}

// MOAction is what moves a manufacturing order through its lifecycle.
type MOAction string

const (
	MOValidate MOAction = "validate"
	MOProduce  MOAction = "produce"
	MOCancel   MOAction = "cancel"
)

// moLifecycle: draft → validated → produced | cancelled (a draft may be
// cancelled too). Produced and cancelled are final.
var moLifecycle = map[MOAction]struct {
	from []MOStatus
	to   MOStatus
}{
	MOValidate: {[]MOStatus{MODraft}, MOValidated},
	MOProduce:  {[]MOStatus{MOValidated}, MOProduced},
	MOCancel:   {[]MOStatus{MODraft, MOValidated}, MOCancelled},
}

// ManufacturingOrder makes Qty units of a BOM's product in a warehouse,
// consuming the components from the same warehouse.
type ManufacturingOrder struct {
	ID          int64
	BOMID       int64
	ProductID   int64 // the BOM's product when the order was made
	WarehouseID int64
	Qty         decimal.Decimal
	Status      MOStatus
	Label       string
	// Lines are the components to consume, computed from the BOM when the
	// order is made (BOM.Requirement): later changes of the BOM do not
	// change an existing order.
	Lines []MOLine
	// UnitCost is the cost of one unit produced: set by production.
	UnitCost    decimal.NullDecimal
	CreatedBy   int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ValidatedAt *time.Time
	ProducedAt  *time.Time
	CancelledAt *time.Time
}

// MOLine is the quantity of one component an order consumes.
type MOLine struct {
	ProductID int64
	Qty       decimal.Decimal
}

// NewManufacturingOrder drafts an order of qty units of b's product.
func NewManufacturingOrder(b *BOM, qty decimal.Decimal, warehouseID int64, label string, by int64, at time.Time) (*ManufacturingOrder, error) {
	v := &ValidationError{}
	checkPositiveQty(v, "qty", qty)
	if warehouseID <= 0 {
		v.Add("warehouse_id", "is required")
	}
	checkCatalogLabel(v, "label", label, false)
	if err := v.OrNil(); err != nil {
		return nil, err
	}
	mo := &ManufacturingOrder{
		BOMID: b.ID, ProductID: b.ProductID, WarehouseID: warehouseID, Qty: qty, Status: MODraft,
		Label: label, CreatedBy: by, CreatedAt: at, UpdatedAt: at,
	}
	for _, l := range b.Lines {
		need := b.Requirement(l, qty)
		if !FitsQty(need) {
			v.Add("qty", "is too large: product %d would need %s", l.ProductID, need)
		}
		mo.Lines = append(mo.Lines, MOLine{ProductID: l.ProductID, Qty: need})
	}
	return mo, v.OrNil()
}

// Apply moves the order through action a at time at. It returns the statuses
// the action starts from, for the repository to guard its write with, or an
// ErrConflict ("illegal-transition") naming the order's status.
func (mo *ManufacturingOrder) Apply(a MOAction, at time.Time) ([]MOStatus, error) {
	t, ok := moLifecycle[a]
	if !ok || !slices.Contains(t.from, mo.Status) {
		return nil, Conflictf("illegal-transition", "cannot %s manufacturing order %d: it is %s", a, mo.ID, mo.Status)
	}
	mo.Status, mo.UpdatedAt = t.to, at
	switch t.to {
	case MOValidated:
		mo.ValidatedAt = &at
	case MOProduced:
		mo.ProducedAt = &at
	case MOCancelled:
		mo.CancelledAt = &at
	}
	return t.from, nil
}

// ProducedUnitCost is the cost of one unit made: what the components consumed
// are worth at their average costs, divided by the quantity made, rounded
// half away from zero to MoneyScale decimals. A product missing from costs
// counts at zero.
func (mo *ManufacturingOrder) ProducedUnitCost(costs map[int64]decimal.Decimal) decimal.Decimal {
	total := decimal.Zero
	for _, l := range mo.Lines {
		total = total.Add(l.Qty.Mul(costs[l.ProductID]))
	}
	return total.DivRound(mo.Qty, MoneyScale)
}

// Components returns the products the order consumes.
func (mo *ManufacturingOrder) Components() []int64 {
	ids := make([]int64, len(mo.Lines))
	for i, l := range mo.Lines {
		ids[i] = l.ProductID
	}
	return ids
}

// Operation is the stock operation that produces the order: a debit of each
// component and the receipt of the product at unitCost, all in the order's
// warehouse, so that StockService applies them in one transaction with its
// global lock order.
func (mo *ManufacturingOrder) Operation(unitCost decimal.Decimal) StockOperation {
	label := mo.Label
	if strings.TrimSpace(label) == "" {
		label = fmt.Sprintf("Manufacturing order %d", mo.ID)
	}
	op := StockOperation{Label: label, Origin: Origin{Type: OriginManufacturing, ID: mo.ID}}
	for _, l := range mo.Lines {
		op.Lines = append(op.Lines, StockLine{ProductID: l.ProductID, WarehouseID: mo.WarehouseID, Qty: l.Qty.Neg()})
	}
	op.Lines = append(op.Lines, StockLine{
		ProductID: mo.ProductID, WarehouseID: mo.WarehouseID, Qty: mo.Qty, UnitCost: decimal.NewNullDecimal(unitCost),
	})
	return op
}

// MOFilter selects manufacturing orders for a list; zero fields select anything.
type MOFilter struct {
	ListQuery // Sort: id, created_at, updated_at; newest first by default
	Status    MOStatus
	BOMID     int64
	ProductID int64
}

// MOSortFields are the fields an order list may be sorted by.
var MOSortFields = []string{"id", "created_at", "updated_at"}

// ManufacturingOrderReader is the read side of ManufacturingOrderRepository: what a unit of work's Read hands
// out, which can neither lock nor write.
type ManufacturingOrderReader interface {
	Get(ctx context.Context, id int64) (*ManufacturingOrder, error)
	List(ctx context.Context, f MOFilter) (Page[*ManufacturingOrder], error)
}

// ManufacturingOrderRepository stores manufacturing orders with their lines.
type ManufacturingOrderRepository interface {
	ManufacturingOrderReader
	// Create inserts mo and its lines and sets its ID.
	Create(ctx context.Context, mo *ManufacturingOrder) error
	// SetStatus writes mo's status, status times and unit cost, but only if
	// the stored status is one of from, and reports whether it did. The
	// guard makes transitions of one order exclusive: of two concurrent
	// produce calls, the second waits for the first's row lock and then
	// finds the order produced.
	SetStatus(ctx context.Context, mo *ManufacturingOrder, from []MOStatus) (bool, error)
}
