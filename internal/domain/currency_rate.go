package domain

import (
	"context"
	"time"

	"github.com/shopspring/decimal"
)

// FXRateScale is the most decimals of an exchange rate (NUMERIC(22,10)):
// 0.0000061234 BTC-like small rates and 161.2345 JPY both fit.
const FXRateScale int32 = 10

// fxRateLimit is the exclusive bound of a rate (12 integer digits).
var fxRateLimit = decimal.New(1, 12)

// CurrencyRate is an exchange rate entered through the API: how many units of
// Currency one unit of the company currency buys on Date (1 EUR = 1.0850
// USD: currency USD, rate 1.0850). A document or payment of another day uses
// the latest rate on or before its date.
type CurrencyRate struct {
	ID        int64
	Currency  string
	Date      time.Time // midnight UTC
	Rate      decimal.Decimal
	CreatedBy int64
	CreatedAt time.Time
}

// Check validates the rate against the company currency, which has no rate
// (always 1). Never nil.
func (c *CurrencyRate) Check(company string) *ValidationError {
	v := &ValidationError{}
	switch {
	case !ValidCurrency(c.Currency):
		CheckCurrency(v, "currency", c.Currency)
	case c.Currency == company:
		v.Add("currency", "is the company currency (%s): its rate is always 1", company)
	}
	if c.Date.IsZero() {
		v.Add("date", "is required")
	}
	checkFXRate(v, "rate", c.Rate)
	return v
}

// checkFXRate adds a field error unless 0 < d < 10^12 with at most
// FXRateScale decimals.
func checkFXRate(v *ValidationError, field string, d decimal.Decimal) bool {
	if !d.IsPositive() {
		v.Add(field, "must be greater than 0")
		return false
	}
	return checkScale(v, field, d, FXRateScale) && checkBelow(v, field, d, fxRateLimit)
}

// ErrDuplicateCurrencyRate refuses a second rate of a currency for one day:
// delete the first to correct it (documents keep the rate they were
// validated with).
func ErrDuplicateCurrencyRate(currency string, date time.Time) error {
	return Conflictf("duplicate", "a rate of %s for %s already exists: delete it first to replace it", currency, date.Format(time.DateOnly))
}

// ErrNoDocumentRate refuses to validate a document in a foreign currency
// when no rate of it is known on or before its date and the draft gave none:
// 409, as nothing in the request is wrong.
func ErrNoDocumentRate(d *Document) error {
	return Conflictf("no-currency-rate", "cannot validate %s %s: %s", article(d.Type), d.DisplayRef(), noRate(d.Currency, d.Date))
}

// ErrNoPaymentRate refuses a payment of a foreign-currency document dated
// when no rate of the currency is known: 422 on the payment's date.
func ErrNoPaymentRate(currency string, date time.Time) error {
	return Invalid("date", "%s, which the exchange difference of the payment needs", noRate(currency, date))
}

func noRate(currency string, date time.Time) string {
	return "no exchange rate of " + currency + " on or before " + date.Format(time.DateOnly) +
		" (add one: POST /api/v1/currency-rates)"
}

// DivMoney is amount / rate rounded half away from zero to the currency's
// minor unit, exactly: the quotient is truncated at the precision and the
// remainder decides the last digit, with no intermediate rounding.
func DivMoney(amount, rate decimal.Decimal, currency string) decimal.Decimal {
	prec := CurrencyPrecision(currency)
	q, r := amount.QuoRem(rate, prec)
	// amount = q·rate + r with |r| < |rate|·10^-prec: round up when 2|r| ≥ |rate|·10^-prec.
	if r.Abs().Add(r.Abs()).GreaterThanOrEqual(rate.Abs().Shift(-prec)) {
		step := decimal.New(1, -prec)
		if amount.Sign()*rate.Sign() < 0 {
			step = step.Neg()
		}
		q = q.Add(step)
	}
	return q
}

// CurrencyRateFilter selects rates for a list; zero values do not filter.
type CurrencyRateFilter struct {
	ListQuery // Sort: CurrencyRateSortFields
	Currency  string
	From, To  *time.Time // dates included
}

// CurrencyRateSortFields are the fields a rate list may be sorted by.
var CurrencyRateSortFields = []string{"id", "currency", "date", "rate", "created_at"}

// CurrencyRateReader is the read side of CurrencyRateRepository.
type CurrencyRateReader interface {
	// Get returns NotFound when no rate has the id.
	Get(ctx context.Context, id int64) (*CurrencyRate, error)
	List(ctx context.Context, f CurrencyRateFilter) (Page[*CurrencyRate], error)
	// On returns the latest rate of the currency dated on or before date,
	// or ErrNotFound.
	On(ctx context.Context, currency string, date time.Time) (*CurrencyRate, error)
}

// CurrencyRateRepository stores exchange rates.
type CurrencyRateRepository interface {
	CurrencyRateReader
	// Create inserts c and sets its ID; a taken (currency, date) is
	// ErrDuplicateCurrencyRate.
	Create(ctx context.Context, c *CurrencyRate) error
	Delete(ctx context.Context, id int64) error
}
