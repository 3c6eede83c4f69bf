package domain

import (
	"context"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// MaxLeadTimeDays bounds a supplier's delivery delay (ten years).
const MaxLeadTimeDays = 3650

// SupplierPrice is what a supplier charges for a product from a minimum
// quantity on: quantity breaks are several prices of one supplier with
// different MinQty. One price per (product, supplier, min quantity).
type SupplierPrice struct {
	ID           int64
	ProductID    int64
	SupplierID   int64 // a third party with IsSupplier
	SupplierRef  string
	UnitPrice    decimal.Decimal // net of VAT
	MinQty       decimal.Decimal // > 0; the price applies to orders of at least this quantity
	VATRate      decimal.Decimal // percent
	LeadTimeDays int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Check validates the fields the price holds by itself (the product and the
// supplier are checked against the stores by the use case). Never nil.
func (p *SupplierPrice) Check() *ValidationError {
	v := &ValidationError{}
	if p.ProductID <= 0 {
		v.Add("product_id", "is required")
	}
	if p.SupplierID <= 0 {
		v.Add("supplier_id", "is required")
	}
	if utf8.RuneCountInString(p.SupplierRef) > MaxRefLen {
		v.Add("supplier_ref", "must be at most %d characters", MaxRefLen)
	}
	CheckMoney(v, "unit_price", p.UnitPrice)
	if !p.MinQty.IsPositive() {
		v.Add("min_qty", "must be greater than 0")
	} else {
		CheckQty(v, "min_qty", p.MinQty)
	}
	CheckRate(v, "vat_rate", p.VATRate)
	if p.LeadTimeDays < 0 || p.LeadTimeDays > MaxLeadTimeDays {
		v.Add("lead_time_days", "must be a whole number from 0 to %d", MaxLeadTimeDays)
	}
	return v
}

// SupplierPricePatch is a partial update; nil fields stay as they are. The
// product and the supplier of a price do not change: make another price.
type SupplierPricePatch struct {
	SupplierRef  *string
	UnitPrice    *decimal.Decimal
	MinQty       *decimal.Decimal
	VATRate      *decimal.Decimal
	LeadTimeDays *int
}

// Apply changes p as the patch says and validates the result.
func (p *SupplierPrice) Apply(patch SupplierPricePatch) error {
	patchField(&p.SupplierRef, patch.SupplierRef)
	patchField(&p.UnitPrice, patch.UnitPrice)
	patchField(&p.MinQty, patch.MinQty)
	patchField(&p.VATRate, patch.VATRate)
	patchField(&p.LeadTimeDays, patch.LeadTimeDays)
	return p.Check().OrNil()
}

// ErrDuplicateSupplierPrice refuses a second price of one supplier for one
// product at the same minimum quantity.
func ErrDuplicateSupplierPrice(productID, supplierID int64, minQty decimal.Decimal) error {
	return Conflictf("duplicate", "supplier %d already has a price for product %d from quantity %s", supplierID, productID, minQty)
}

// better reports whether a is preferred to b at equal applicability: the
// lower unit price, then the shorter lead time, then the lower id.
func (p *SupplierPrice) better(o *SupplierPrice) bool {
	if c := p.UnitPrice.Cmp(o.UnitPrice); c != 0 {
		return c < 0
	}
	if p.LeadTimeDays != o.LeadTimeDays {
		return p.LeadTimeDays < o.LeadTimeDays
	}
	return p.ID < o.ID
}

// BestSupplierPrice is the rule that picks what to buy from: among the prices
// whose MinQty is at most qty, the lowest unit price; ties go to the shorter
// lead time, then to the lowest id, so the choice never depends on the order
// of prices. None applies (no price, or every MinQty above qty): nil.
func BestSupplierPrice(prices []*SupplierPrice, qty decimal.Decimal) *SupplierPrice {
	var best *SupplierPrice
	for _, p := range prices {
		if p.MinQty.GreaterThan(qty) {
			continue
		}
		if best == nil || p.better(best) {
			best = p
		}
	}
	return best
}

// SupplierPriceFilter selects supplier prices for a list (0: any).
type SupplierPriceFilter struct {
	ListQuery  // Sort: SupplierPriceSortFields
	ProductID  int64
	SupplierID int64
}

// SupplierPriceSortFields are the fields a supplier-price list may be sorted by.
var SupplierPriceSortFields = []string{"id", "product_id", "supplier_id", "unit_price", "min_qty", "lead_time_days", "created_at", "updated_at"}

// SupplierPriceReader is the read side of SupplierPriceRepository.
type SupplierPriceReader interface {
	// Get returns NotFound when no price has the id.
	Get(ctx context.Context, id int64) (*SupplierPrice, error)
	List(ctx context.Context, f SupplierPriceFilter) (Page[*SupplierPrice], error)
	// ForProducts returns every price of the products, by product id.
	ForProducts(ctx context.Context, productIDs []int64) (map[int64][]*SupplierPrice, error)
}

// SupplierPriceRepository stores supplier prices.
type SupplierPriceRepository interface {
	SupplierPriceReader
	// Create inserts p and sets its ID; a taken (product, supplier, min_qty)
	// is ErrDuplicateSupplierPrice.
	Create(ctx context.Context, p *SupplierPrice) error
	// Lock is Get that also locks the row until the unit of work ends.
	Lock(ctx context.Context, id int64) (*SupplierPrice, error)
	// Save writes the changeable fields of an existing price; a taken
	// (product, supplier, min_qty) is ErrDuplicateSupplierPrice.
	Save(ctx context.Context, p *SupplierPrice) error
	Delete(ctx context.Context, id int64) error
}

// StockNeed is a tracked product with a minimum stock, as the replenishment
// query reads it: its stock (one warehouse, or all) and the quantity still to
// come on validated purchase orders.
type StockNeed struct {
	ProductID    int64
	Label        string
	Stock        decimal.Decimal
	Incoming     decimal.Decimal
	MinStock     decimal.Decimal
	DesiredStock decimal.NullDecimal
}

// Short reports whether stock plus incoming is below the minimum.
func (n StockNeed) Short() bool { return n.Stock.Add(n.Incoming).LessThan(n.MinStock) }

// StockNeedReader runs the replenishment query.
type StockNeedReader interface {
	// StockNeeds returns, by product id, every active tracked product with a
	// minimum stock, its stock in warehouseID (every warehouse when 0) and its
	// incoming quantity (ordered minus received on validated or partially
	// received purchase orders, whatever the warehouse).
	StockNeeds(ctx context.Context, warehouseID int64) ([]StockNeed, error)
}

// Replenishment is one suggestion: a product below its minimum, how much to
// order and from which supplier price (nil when the product has none).
type Replenishment struct {
	StockNeed
	SuggestedQty decimal.Decimal
	Price        *SupplierPrice
}

// Replenish computes the suggestion for a short product: the quantity that
// brings stock plus incoming up to the desired stock (the minimum when no
// desired stock is set, or when it is below the minimum), and the price to buy
// it at by BestSupplierPrice. When no price applies at that quantity (every
// price asks for more), the price with the smallest MinQty is taken (ties as
// in BestSupplierPrice), and the quantity is raised to its MinQty; a
// quantity below the chosen price's MinQty is never suggested.
func Replenish(n StockNeed, prices []*SupplierPrice) Replenishment {
	target := n.MinStock
	if n.DesiredStock.Valid && n.DesiredStock.Decimal.GreaterThan(target) {
		target = n.DesiredStock.Decimal
	}
	r := Replenishment{StockNeed: n, SuggestedQty: target.Sub(n.Stock).Sub(n.Incoming)}
	r.Price = BestSupplierPrice(prices, r.SuggestedQty)
	if r.Price == nil {
		for _, p := range prices {
			if r.Price == nil {
				r.Price = p
				continue
			}
			if c := p.MinQty.Cmp(r.Price.MinQty); c < 0 || c == 0 && p.better(r.Price) {
				r.Price = p
			}
		}
	}
	if r.Price != nil && r.SuggestedQty.LessThan(r.Price.MinQty) {
		r.SuggestedQty = r.Price.MinQty
	}
	return r
}

// ReplenishmentOrders groups the suggestions that have a price by supplier,
// lowest supplier id first, lines in the order of the suggestions.
func ReplenishmentOrders(rs []Replenishment) [][]Replenishment {
	bySupplier := map[int64][]Replenishment{}
	var ids []int64
	for _, r := range rs {
		if r.Price == nil {
			continue
		}
		if _, ok := bySupplier[r.Price.SupplierID]; !ok {
			ids = append(ids, r.Price.SupplierID)
		}
		bySupplier[r.Price.SupplierID] = append(bySupplier[r.Price.SupplierID], r)
	}
	slices.Sort(ids)
	out := make([][]Replenishment, len(ids))
	for i, id := range ids {
		out[i] = bySupplier[id]
	}
	return out
}
