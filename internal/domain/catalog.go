package domain

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// ProductType tells goods, which can be stocked, from services, which never are.
type ProductType string

const (
	ProductTypeProduct ProductType = "product"
	ProductTypeService ProductType = "service"
)

// Field limits shared with the catalog columns.
const (
	MaxRefLen   = 64
	MaxLabelLen = 255
)

// Product is an item of the catalog.
type Product struct {
	ID        int64
	Ref       string // unique
	Label     string
	Type      ProductType
	UnitPrice decimal.Decimal // selling price, net of VAT
	VATRate   decimal.Decimal // percent
	// CostPrice is the weighted average cost: receipts that carry a unit cost
	// update it (see WeightedAverageCost); it may also be set by hand.
	CostPrice decimal.Decimal
	// TrackStock says whether the product has a stock ledger. Services never
	// do; stock operations on an untracked product are refused, and documents
	// skip its lines when they move stock.
	TrackStock bool
	Active     bool
	// MinStock and DesiredStock drive replenishment: a tracked product whose
	// stock plus incoming purchases falls below MinStock is suggested for
	// purchase up to DesiredStock (MinStock when unset). Both optional.
	MinStock     decimal.NullDecimal
	DesiredStock decimal.NullDecimal
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Stocked reports whether stock operations may touch the product.
func (p *Product) Stocked() bool { return p.Type == ProductTypeProduct && p.TrackStock }

// Check validates every field of the product. Never nil.
func (p *Product) Check() *ValidationError {
	v := &ValidationError{}
	checkCatalogRef(v, p.Ref)
	checkCatalogLabel(v, "label", p.Label, true)
	switch p.Type {
	case ProductTypeProduct:
	case ProductTypeService:
		if p.TrackStock {
			v.Add("track_stock", "must be false for a service: services never carry stock")
		}
	default:
		v.Add("type", "must be one of product, service")
	}
	CheckMoney(v, "unit_price", p.UnitPrice)
	CheckRate(v, "vat_rate", p.VATRate)
	CheckMoney(v, "cost_price", p.CostPrice)
	minOK := checkStockThreshold(v, "min_stock", p.MinStock)
	desiredOK := checkStockThreshold(v, "desired_stock", p.DesiredStock)
	if minOK && desiredOK && p.MinStock.Valid && p.DesiredStock.Valid && p.DesiredStock.Decimal.LessThan(p.MinStock.Decimal) {
		v.Add("desired_stock", "must not be below min_stock")
	}
	return v
}

// checkStockThreshold accepts an unset threshold or a quantity of at least 0.
func checkStockThreshold(v *ValidationError, field string, d decimal.NullDecimal) bool {
	if !d.Valid {
		return true
	}
	if d.Decimal.IsNegative() {
		v.Add(field, "must not be negative")
		return false
	}
	return CheckQty(v, field, d.Decimal)
}

// ProductPatch is a partial update; nil fields stay as they are.
type ProductPatch struct {
	Ref        *string
	Label      *string
	Type       *ProductType
	UnitPrice  *decimal.Decimal
	VATRate    *decimal.Decimal
	CostPrice  *decimal.Decimal
	TrackStock *bool
	Active     *bool
	// MinStock and DesiredStock: nil stays, an invalid NullDecimal clears.
	MinStock     *decimal.NullDecimal
	DesiredStock *decimal.NullDecimal
}

// Apply changes p as the patch says and validates the result. The type of a
// product is fixed at creation: turning goods with a ledger into a service
// would leave stock that nothing can move, and checking "no movements" first
// would race with a concurrent movement.
func (p *Product) Apply(patch ProductPatch) error {
	v := &ValidationError{}
	if patch.Type != nil && *patch.Type != p.Type {
		v.Add("type", "cannot change after creation: create a new product")
	}
	patchField(&p.Ref, patch.Ref)
	patchField(&p.Label, patch.Label)
	patchField(&p.UnitPrice, patch.UnitPrice)
	patchField(&p.VATRate, patch.VATRate)
	patchField(&p.CostPrice, patch.CostPrice)
	patchField(&p.TrackStock, patch.TrackStock)
	patchField(&p.Active, patch.Active)
	patchField(&p.MinStock, patch.MinStock)
	patchField(&p.DesiredStock, patch.DesiredStock)
	v.Fields = append(v.Fields, p.Check().Fields...)
	return v.OrNil()
}

func patchField[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// ProductFilter selects products for a list.
type ProductFilter struct {
	ListQuery             // Search matches ref and label; Sort: id, ref, label, type, unit_price, created_at, updated_at
	Type      ProductType // "" for any
	Active    *bool
}

// ProductSortFields are the fields a product list may be sorted by.
var ProductSortFields = []string{"id", "ref", "label", "type", "unit_price", "created_at", "updated_at"}

// Warehouse is a place that holds stock.
type Warehouse struct {
	ID        int64
	Ref       string // unique
	Label     string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Check validates every field of the warehouse. Never nil.
func (w *Warehouse) Check() *ValidationError {
	v := &ValidationError{}
	checkCatalogRef(v, w.Ref)
	checkCatalogLabel(v, "label", w.Label, true)
	return v
}

// WarehousePatch is a partial update; nil fields stay as they are.
type WarehousePatch struct {
	Ref   *string
	Label *string
}

// Apply changes w as the patch says and validates the result.
func (w *Warehouse) Apply(patch WarehousePatch) error {
	patchField(&w.Ref, patch.Ref)
	patchField(&w.Label, patch.Label)
	return w.Check().OrNil()
}

// WarehouseSortFields are the fields a warehouse list may be sorted by.
var WarehouseSortFields = []string{"id", "ref", "label", "created_at", "updated_at"}

func checkCatalogRef(v *ValidationError, ref string) {
	switch {
	case strings.TrimSpace(ref) == "":
		v.Add("ref", "is required")
	case ref != strings.TrimSpace(ref):
		v.Add("ref", "must not start or end with spaces")
	case utf8.RuneCountInString(ref) > MaxRefLen:
		v.Add("ref", "must be at most %d characters", MaxRefLen)
	}
}

func checkCatalogLabel(v *ValidationError, field, label string, required bool) {
	switch {
	case required && strings.TrimSpace(label) == "":
		v.Add(field, "is required")
	case utf8.RuneCountInString(label) > MaxLabelLen:
		v.Add(field, "must be at most %d characters", MaxLabelLen)
	}
}

// ErrDuplicateRef reports a ref that another product or warehouse has.
func ErrDuplicateRef(entity, ref string) error {
	return Conflictf("duplicate-ref", "%s ref %q is already taken", entity, ref)
}

// ErrHasMovements refuses to delete what the stock ledger refers to.
func ErrHasMovements(entity string, id int64) error {
	return Conflictf("has-movements", "%s %d has stock movements and cannot be deleted", entity, id)
}

// ProductReader is the read side of ProductRepository: what a unit of work's Read hands
// out, which can neither lock nor write.
type ProductReader interface {
	// Get returns NotFound when no product has the id.
	Get(ctx context.Context, id int64) (*Product, error)
	// GetWithLevels is Get and every stock level of the product, by
	// warehouse id, in one read (GET /products/{id}).
	GetWithLevels(ctx context.Context, id int64) (*Product, []*StockLevel, error)
	// GetMany returns the products that exist among ids, by id.
	GetMany(ctx context.Context, ids []int64) (map[int64]*Product, error)
	// OfDocumentLines returns the products that the document lines lineIDs
	// name, by product id (free-text lines and unknown ids name none).
	OfDocumentLines(ctx context.Context, lineIDs []int64) (map[int64]*Product, error)
	List(ctx context.Context, f ProductFilter) (Page[*Product], error)
	// ByRefs returns the products that exist among refs, by ref.
	ByRefs(ctx context.Context, refs []string) (map[string]*Product, error)
}

// ProductRepository stores the catalog's products.
type ProductRepository interface {
	ProductReader
	// Create inserts p and sets its ID; a taken ref is ErrDuplicateRef.
	Create(ctx context.Context, p *Product) error
	// Lock is Get that also locks the row until the unit of work ends.
	Lock(ctx context.Context, id int64) (*Product, error)
	// Save writes every field of an existing product; a taken ref is ErrDuplicateRef.
	Save(ctx context.Context, p *Product) error
	// SetCostPrice writes the weighted average cost of a product.
	SetCostPrice(ctx context.Context, id int64, cost decimal.Decimal, at time.Time) error
	// Delete removes the product and its (empty) stock levels; a product that
	// something still refers to (movements, documents) is a conflict.
	Delete(ctx context.Context, id int64) error
	// LockByRefs is ByRefs that also locks the rows until the unit of work ends.
	LockByRefs(ctx context.Context, refs []string) (map[string]*Product, error)
	// CreateMany inserts ps in a few statements and sets their IDs; a taken
	// ref is ErrDuplicateRef.
	CreateMany(ctx context.Context, ps []*Product) error
	// SaveMany writes every field of existing products in a few statements.
	SaveMany(ctx context.Context, ps []*Product) error
}

// WarehouseReader is the read side of WarehouseRepository: what a unit of work's Read hands
// out, which can neither lock nor write.
type WarehouseReader interface {
	Get(ctx context.Context, id int64) (*Warehouse, error)
	// Existing returns which of ids are warehouses.
	Existing(ctx context.Context, ids []int64) (map[int64]bool, error)
	List(ctx context.Context, q ListQuery) (Page[*Warehouse], error)
}

// WarehouseRepository stores warehouses.
type WarehouseRepository interface {
	WarehouseReader
	Create(ctx context.Context, w *Warehouse) error
	Lock(ctx context.Context, id int64) (*Warehouse, error)
	Save(ctx context.Context, w *Warehouse) error
	Delete(ctx context.Context, id int64) error
}
