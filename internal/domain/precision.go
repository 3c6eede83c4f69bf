package domain

import "github.com/shopspring/decimal"

// Precision of the stored decimals, as migration 000002 declares the columns
// (NUMERIC/DECIMAL on PostgreSQL and MySQL, exact TEXT on SQLite):
//
//	quantities           NUMERIC(20,6)  up to 99 999 999 999 999.999999
//	prices, costs        NUMERIC(20,6)  unit prices and average costs need more
//	                                    than cents (0.000125 per screw)
//	VAT rates (percent)  NUMERIC(7,4)   e.g. 5.5, 19.6, 8.5
//
// Inputs with more decimals or a larger magnitude are refused (422 naming the
// field) instead of being rounded or overflowing in the database. Computed
// values (weighted average cost) are rounded to the scale.
const (
	QtyScale   int32 = 6
	MoneyScale int32 = 6
	RateScale  int32 = 4
)

var (
	qtyLimit   = decimal.New(1, 20-QtyScale)   // exclusive bound of |qty|
	moneyLimit = decimal.New(1, 20-MoneyScale) // exclusive bound of |amount|
	rateMax    = decimal.NewFromInt(100)
)

// CheckQty adds a field error to v when d does not fit a quantity column. It
// reports whether d fits.
func CheckQty(v *ValidationError, field string, d decimal.Decimal) bool {
	return checkScale(v, field, d, QtyScale) && checkBelow(v, field, d, qtyLimit)
}

// CheckMoney adds a field error to v when d is negative or does not fit a
// price column. It reports whether d is acceptable.
func CheckMoney(v *ValidationError, field string, d decimal.Decimal) bool {
	if d.IsNegative() {
		v.Add(field, "must not be negative")
		return false
	}
	return checkScale(v, field, d, MoneyScale) && checkBelow(v, field, d, moneyLimit)
}

// CheckRate adds a field error to v unless 0 <= d <= 100 with at most
// RateScale decimals.
func CheckRate(v *ValidationError, field string, d decimal.Decimal) bool {
	if d.IsNegative() || d.GreaterThan(rateMax) {
		v.Add(field, "must be between 0 and 100")
		return false
	}
	return checkScale(v, field, d, RateScale)
}

func checkScale(v *ValidationError, field string, d decimal.Decimal, scale int32) bool {
	if !d.Round(scale).Equal(d) { // 1.500000000 has 1 decimal, not 9
		v.Add(field, "must have at most %d decimals", scale)
		return false
	}
	return true
}

func checkBelow(v *ValidationError, field string, d, limit decimal.Decimal) bool {
	if d.Abs().GreaterThanOrEqual(limit) {
		v.Add(field, "must be smaller than %s in magnitude", limit.String())
		return false
	}
	return true
}

// FitsQty reports whether a computed quantity (a balance) fits the column.
func FitsQty(d decimal.Decimal) bool { return d.Abs().LessThan(qtyLimit) }
