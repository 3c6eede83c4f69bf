package domain

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Origin types of stock movements: what caused them. Later features add
// theirs (manufacturing orders, invoices) next to these.
const (
	OriginManual    = "manual"
	OriginTransfer  = "transfer"
	OriginInventory = "inventory"

	MaxOriginTypeLen = 32
	// MaxStockLines bounds one operation: its lines are locked and written in
	// one transaction.
	MaxStockLines = 1000
)

// OriginTypes lists every origin type a movement may have, for the filters
// that name one; a feature adding an origin adds it here.
func OriginTypes() []string {
	return []string{OriginManual, OriginTransfer, OriginInventory, OriginManufacturing,
		OriginOrder, OriginInvoice, OriginCreditNote, OriginReception, OriginShipment}
}

// Origin names the document that caused a movement; ID is 0 when there is none.
type Origin struct {
	Type string
	ID   int64
}

// StockKey names one stock level: a product in a warehouse.
type StockKey struct {
	ProductID   int64
	WarehouseID int64
}

// CompareStockKeys orders keys by (product, warehouse): the one order in which
// every writer locks stock levels, so that two writers never wait for each
// other in a cycle.
func CompareStockKeys(a, b StockKey) int {
	if c := cmp.Compare(a.ProductID, b.ProductID); c != 0 {
		return c
	}
	return cmp.Compare(a.WarehouseID, b.WarehouseID)
}

// StockLevel is the quantity of a product in a warehouse: the sum of its
// movements.
type StockLevel struct {
	ProductID   int64
	WarehouseID int64
	Qty         decimal.Decimal
	UpdatedAt   time.Time
}

// Key returns the level's key.
func (l *StockLevel) Key() StockKey { return StockKey{l.ProductID, l.WarehouseID} }

// Change adds the signed delta to the level. A debit that would take the level
// below zero is an InsufficientStockError unless allowNegative; a balance that
// no longer fits the column is refused too.
func (l *StockLevel) Change(delta decimal.Decimal, allowNegative bool) error {
	next := l.Qty.Add(delta)
	if delta.IsNegative() && next.IsNegative() && !allowNegative {
		return &InsufficientStockError{
			ProductID: l.ProductID, WarehouseID: l.WarehouseID, Available: l.Qty, Requested: delta.Neg(),
		}
	}
	if !FitsQty(next) {
		return NewProblem(ErrInvalid, "stock-overflow",
			"the stock of product %d in warehouse %d would reach %s, beyond what a quantity can hold",
			l.ProductID, l.WarehouseID, next)
	}
	l.Qty = next
	return nil
}

// CodeInsufficientStock is the problem code of a refused debit.
const CodeInsufficientStock = "insufficient-stock"

// InsufficientStockError refuses a debit larger than the stock. It is a
// conflict with the code insufficient-stock.
type InsufficientStockError struct {
	ProductID   int64
	WarehouseID int64
	Available   decimal.Decimal
	Requested   decimal.Decimal
}

func (e *InsufficientStockError) Error() string {
	return fmt.Sprintf("insufficient stock of product %d in warehouse %d: %s available, %s requested",
		e.ProductID, e.WarehouseID, e.Available, e.Requested)
}

// Unwrap makes the error a Problem of kind ErrConflict for the error handler.
func (e *InsufficientStockError) Unwrap() error {
	return &Problem{Kind: ErrConflict, Code: CodeInsufficientStock, Detail: e.Error()}
}

// WeightedAverageCost is a product's average unit cost after receiving qty
// units at unitCost while onHand units — its stock over every warehouse — were
// valued at avg:
//
//	new_avg = (onHand × avg + qty × unitCost) / (onHand + qty)
//
// rounded half away from zero to MoneyScale decimals. When onHand is zero or
// negative (nothing on hand, or units owed by debits made with negative stock
// allowed) the old average values nothing, and the receipt's unit cost becomes
// the average. qty must be positive: only receipts carry a unit cost.
func WeightedAverageCost(onHand, avg, qty, unitCost decimal.Decimal) decimal.Decimal {
	if !onHand.IsPositive() {
		return unitCost
	}
	return onHand.Mul(avg).Add(qty.Mul(unitCost)).DivRound(onHand.Add(qty), MoneyScale)
}

// StockLine is one change of a stock operation.
type StockLine struct {
	ProductID   int64
	WarehouseID int64
	// Qty is the signed change: positive receives, negative issues. Ignored
	// for a count.
	Qty decimal.Decimal
	// Counted, when valid, makes the line an inventory count: the change is
	// Counted minus the level found under lock (no movement when equal).
	Counted decimal.NullDecimal
	// UnitCost, only on receipts, updates the product's weighted average cost.
	UnitCost decimal.NullDecimal
}

// Key returns the level the line changes.
func (l StockLine) Key() StockKey { return StockKey{l.ProductID, l.WarehouseID} }

// StockOperation is a set of stock changes applied atomically: every line or
// none. Movements, transfers, inventories, manufacturing and invoices all are
// one.
type StockOperation struct {
	Label  string
	Origin Origin
	Lines  []StockLine
}

// Check validates an operation of any origin: the constructors below
// (NewStockMovement, Transfer, InventoryCount) go through the same rules, but
// documents and manufacturing orders build their operations field by field,
// so Check is what StockService runs before writing anything. The products
// and warehouses are the use case's to check. Fields are named lines[i].qty
// and so on.
func (op StockOperation) Check() error {
	return op.check(lineField).OrNil()
}

// lineField names the field of line i as Check reports it.
func lineField(i int, name string) string { return fmt.Sprintf("lines[%d].%s", i, name) }

// check holds every rule of an operation; field names the field of a line as
// the caller's input names it (a single movement says qty, not lines[0].qty).
func (op StockOperation) check(field func(line int, name string) string) *ValidationError {
	v := &ValidationError{}
	checkCatalogLabel(v, "label", op.Label, false)
	switch {
	case op.Origin.Type == "":
		v.Add("origin_type", "is required")
	case len(op.Origin.Type) > MaxOriginTypeLen:
		v.Add("origin_type", "must be at most %d characters", MaxOriginTypeLen)
	}
	if op.Origin.ID < 0 {
		v.Add("origin_id", "must not be negative")
	}
	checkLineCount(v, len(op.Lines), MaxStockLines)
	counted := map[StockKey]bool{}
	for i, l := range op.Lines {
		f := func(name string) string { return field(i, name) }
		l.check(v, f)
		if l.Counted.Valid {
			// A second count of the same level would silently win over the
			// first: refuse it.
			if counted[l.Key()] {
				v.Add(f("product_id"), "product %d is counted twice in warehouse %d", l.ProductID, l.WarehouseID)
			}
			counted[l.Key()] = true
		}
	}
	return v
}

// check holds the rules of one line: quantities that fit their columns, a
// change that is not zero, a unit cost on receipts only.
func (l StockLine) check(v *ValidationError, f func(name string) string) {
	if l.ProductID <= 0 {
		v.Add(f("product_id"), "is required")
	}
	if l.WarehouseID <= 0 {
		v.Add(f("warehouse_id"), "is required")
	}
	if l.Counted.Valid {
		if l.Counted.Decimal.IsNegative() {
			v.Add(f("counted_qty"), "must not be negative")
		} else {
			CheckQty(v, f("counted_qty"), l.Counted.Decimal)
		}
		if l.UnitCost.Valid {
			v.Add(f("unit_cost"), "is not allowed on a count")
		}
		return
	}
	if l.Qty.IsZero() {
		v.Add(f("qty"), "must not be zero")
	} else {
		CheckQty(v, f("qty"), l.Qty)
	}
	if l.UnitCost.Valid {
		if !l.Qty.IsPositive() {
			v.Add(f("unit_cost"), "is allowed on receipts (positive qty) only")
		} else {
			CheckMoney(v, f("unit_cost"), l.UnitCost.Decimal)
		}
	}
}

// LevelLocks returns the stock levels the operation must lock, normalised
// (NormalizeLevelLocks). A product receiving at a unit cost needs its stock
// over every warehouse (WeightedAverageCost), so every level of that product
// is locked.
func (op StockOperation) LevelLocks() []LevelLock {
	locks := make([]LevelLock, len(op.Lines))
	for i, l := range op.Lines {
		locks[i] = LevelLock{ProductID: l.ProductID, WarehouseIDs: []int64{l.WarehouseID}, AllWarehouses: l.UnitCost.Valid}
	}
	return NormalizeLevelLocks(locks)
}

// NormalizeLevelLocks merges the locks of each product and sorts them:
// products ascending, each product's warehouses ascending and distinct.
func NormalizeLevelLocks(locks []LevelLock) []LevelLock {
	index := map[int64]int{}
	var out []LevelLock
	for _, lk := range locks {
		i, ok := index[lk.ProductID]
		if !ok {
			i = len(out)
			index[lk.ProductID] = i
			out = append(out, LevelLock{ProductID: lk.ProductID})
		}
		out[i].WarehouseIDs = append(out[i].WarehouseIDs, lk.WarehouseIDs...)
		out[i].AllWarehouses = out[i].AllWarehouses || lk.AllWarehouses
	}
	for i := range out {
		slices.Sort(out[i].WarehouseIDs)
		out[i].WarehouseIDs = slices.Compact(out[i].WarehouseIDs)
	}
	slices.SortFunc(out, func(a, b LevelLock) int { return cmp.Compare(a.ProductID, b.ProductID) })
	return out
}

// ProductIDs returns the distinct products of the operation, sorted.
func (op StockOperation) ProductIDs() []int64 {
	return op.distinct(func(l StockLine) int64 { return l.ProductID })
}

// WarehouseIDs returns the distinct warehouses of the operation, sorted.
func (op StockOperation) WarehouseIDs() []int64 {
	return op.distinct(func(l StockLine) int64 { return l.WarehouseID })
}

func (op StockOperation) distinct(id func(StockLine) int64) []int64 {
	ids := make([]int64, len(op.Lines))
	for i, l := range op.Lines {
		ids[i] = id(l)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// LevelLock names the stock levels of one product that an operation locks:
// the listed warehouses (whose rows are created when missing), or every
// warehouse of the product when AllWarehouses is set.
type LevelLock struct {
	ProductID     int64
	WarehouseIDs  []int64
	AllWarehouses bool
}

// NewStockMovement is the operation of one manual movement: a signed qty,
// with a unit cost on a receipt. Fields are named as the single movement's.
func NewStockMovement(productID, warehouseID int64, qty decimal.Decimal, unitCost decimal.NullDecimal, label string) (StockOperation, error) {
	op := StockOperation{
		Label:  labelOr(label, "Manual movement"),
		Origin: Origin{Type: OriginManual},
		Lines:  []StockLine{{ProductID: productID, WarehouseID: warehouseID, Qty: qty, UnitCost: unitCost}},
	}
	if err := op.check(plainField).OrNil(); err != nil {
		return StockOperation{}, err
	}
	return op, nil
}

// plainField names a line's field without its index, for the constructors
// whose input names each field once.
func plainField(_ int, name string) string { return name }

// Transfer moves a quantity of a product from one warehouse to another: two
// legs, both or neither.
type Transfer struct {
	ProductID       int64
	FromWarehouseID int64
	ToWarehouseID   int64
	Qty             decimal.Decimal
	Label           string
}

// Operation returns the transfer's two legs, the debit first.
func (t Transfer) Operation() (StockOperation, error) {
	op := StockOperation{
		Label:  labelOr(t.Label, "Transfer"),
		Origin: Origin{Type: OriginTransfer},
		Lines: []StockLine{
			{ProductID: t.ProductID, WarehouseID: t.FromWarehouseID, Qty: t.Qty.Neg()},
			{ProductID: t.ProductID, WarehouseID: t.ToWarehouseID, Qty: t.Qty},
		},
	}
	v := &ValidationError{}
	// The legs' direction is the transfer's: a negative qty would move
	// stock backwards, which is another transfer.
	if !t.Qty.IsPositive() {
		v.Add("qty", "must be greater than 0")
		checkCatalogLabel(v, "label", op.Label, false) // the legs' checks would repeat qty
	} else {
		// The debit leg mirrors the receipt: both report the same fields.
		v = op.check(func(leg int, name string) string {
			if name == "warehouse_id" {
				return [...]string{"from_warehouse_id", "to_warehouse_id"}[leg]
			}
			return name
		}).withoutRepeats()
	}
	if t.FromWarehouseID == t.ToWarehouseID {
		v.Add("to_warehouse_id", "must differ from from_warehouse_id")
	}
	if err := v.OrNil(); err != nil {
		return StockOperation{}, err
	}
	return op, nil
}

// InventoryCount records the quantities counted in a warehouse; applying it
// writes the difference movements.
type InventoryCount struct {
	WarehouseID int64
	Label       string
	Lines       []CountedLine
}

// CountedLine is the quantity of one product found in the warehouse.
type CountedLine struct {
	ProductID  int64
	CountedQty decimal.Decimal
}

// Operation returns the count as an operation of count lines, checked as
// Check checks any operation (its fields are named alike), except that the
// count's one warehouse is warehouse_id.
func (c InventoryCount) Operation() (StockOperation, error) {
	op := StockOperation{Label: labelOr(c.Label, "Inventory"), Origin: Origin{Type: OriginInventory}}
	for _, l := range c.Lines {
		op.Lines = append(op.Lines, StockLine{
			ProductID: l.ProductID, WarehouseID: c.WarehouseID,
			Counted: decimal.NewNullDecimal(l.CountedQty),
		})
	}
	v := op.check(func(i int, name string) string {
		if name == "warehouse_id" {
			return name
		}
		return lineField(i, name)
	})
	return op, v.withoutRepeats().OrNil()
}

func labelOr(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// Movement is one row of the append-only stock ledger.
type Movement struct {
	ID           int64
	ProductID    int64
	WarehouseID  int64
	Qty          decimal.Decimal // signed, never zero
	BalanceAfter decimal.Decimal // the level right after this movement
	UnitCost     decimal.NullDecimal
	Label        string
	Origin       Origin
	UserID       int64  // 0 when no user acted (e.g. a job)
	RequestID    string // the HTTP request or job that caused it
	CreatedAt    time.Time
}

// MovementFilter selects movements for a list; zero fields select anything.
type MovementFilter struct {
	ListQuery   // Sort: id, created_at; newest first by default
	ProductID   int64
	WarehouseID int64
	From        time.Time // inclusive
	To          time.Time // exclusive
	OriginType  string
	OriginID    int64
}

// MovementSortFields are the fields a movement list may be sorted by.
var MovementSortFields = []string{"id", "created_at"}

// StockReader is the read side of StockRepository: what a unit of work's Read hands
// out, which can neither lock nor write.
type StockReader interface {
	// ProductLevels returns every level of a product, by warehouse id, unlocked.
	ProductLevels(ctx context.Context, productID int64) ([]*StockLevel, error)
}

// StockRepository reads and writes stock levels.
type StockRepository interface {
	StockReader
	// LockLevels makes sure a level row exists for every (product, warehouse)
	// the locks list (SELECT … FOR UPDATE cannot lock a missing row), then
	// locks them, until the unit of work ends, in (product_id, warehouse_id)
	// order whatever the order of locks. A lock of AllWarehouses also locks
	// the product's row after its levels (the cost basis a receipt at cost
	// moves). It returns the locked levels in that order, and the cost price
	// of each product whose row it locked. An unknown product or warehouse
	// is NotFound.
	LockLevels(ctx context.Context, locks []LevelLock) ([]*StockLevel, map[int64]decimal.Decimal, error)
	// SaveLevels writes the quantities of levels locked by LockLevels.
	SaveLevels(ctx context.Context, levels []*StockLevel) error
	// SaveLevelsAndMovements writes the quantities of levels locked by
	// LockLevels and appends their ledger rows, setting the movements' IDs,
	// in as few round trips as the database allows: it runs while the levels
	// are locked.
	SaveLevelsAndMovements(ctx context.Context, levels []*StockLevel, ms []*Movement) error
}

// MovementReader is the read side of MovementRepository: what a unit of work's Read hands
// out, which can neither lock nor write.
type MovementReader interface {
	Get(ctx context.Context, id int64) (*Movement, error)
	List(ctx context.Context, f MovementFilter) (Page[*Movement], error)
	// ExistsForProduct reports whether the ledger mentions the product, in
	// any warehouse: such a product cannot be deleted.
	ExistsForProduct(ctx context.Context, productID int64) (bool, error)
	// ExistsForWarehouse reports whether the ledger mentions the warehouse,
	// for any product: such a warehouse cannot be deleted.
	ExistsForWarehouse(ctx context.Context, warehouseID int64) (bool, error)
}

// MovementRepository is the append-only stock ledger: rows are added, never
// changed.
type MovementRepository interface {
	MovementReader
	// Add inserts the movements in order and sets their IDs.
	Add(ctx context.Context, ms []*Movement) error
}
