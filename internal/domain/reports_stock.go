package domain

import (
	"github.com/shopspring/decimal"
)

// StockValuationRow values the stock of one product in one warehouse at the
// product's weighted average cost.
type StockValuationRow struct {
	ProductID   int64
	Ref         string
	Label       string
	WarehouseID int64
	Qty         decimal.Decimal
	AverageCost decimal.Decimal
	Value       decimal.Decimal // StockValue(Qty, AverageCost)
}

// StockValue is qty × average cost, rounded half away from zero to
// MoneyScale decimals like every cost.
func StockValue(qty, averageCost decimal.Decimal) decimal.Decimal {
	return qty.Mul(averageCost).Round(MoneyScale)
}

// StockValuationFilter narrows the valuation; zero fields select anything.
type StockValuationFilter struct {
	WarehouseID int64
}

// StockValuationTotals sums the rows of a valuation.
type StockValuationTotals struct {
	Qty   decimal.Decimal
	Value decimal.Decimal
}

// Add counts one row in the totals: the total value is the sum of the rows'
// (rounded) values, so it always adds up to what the rows show.
func (t *StockValuationTotals) Add(r StockValuationRow) {
	t.Qty = t.Qty.Add(r.Qty)
	t.Value = t.Value.Add(r.Value)
}
