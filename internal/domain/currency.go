package domain

import (
	"regexp"

	"github.com/shopspring/decimal"
)

// DefaultCurrencyPrecision is the number of decimals of every ISO 4217 code
// that currencyPrecisions does not list: most currencies have cents.
const DefaultCurrencyPrecision int32 = 2

// currencyPrecisions lists the ISO 4217 currencies whose minor unit is not two
// decimals; every other well-formed code has two.
var currencyPrecisions = map[string]int32{
	// no minor unit in practice
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
	"PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	// thousandths
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	// ten-thousandths (units of account)
	"CLF": 4, "UYW": 4,
}

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// ValidCurrency reports whether code is shaped like an ISO 4217 code (three
// capital letters). Unknown codes are accepted: there is no FX, a currency is
// only a label and a precision.
func ValidCurrency(code string) bool { return currencyCode.MatchString(code) }

// CurrencyPrecision is the number of decimals amounts in the currency are
// rounded to: 2 unless the table says otherwise.
func CurrencyPrecision(code string) int32 {
	if p, ok := currencyPrecisions[code]; ok {
		return p
	}
	return DefaultCurrencyPrecision
}

// RoundMoney rounds half away from zero to the currency's precision — half-up
// for the non-negative amounts documents carry.
func RoundMoney(d decimal.Decimal, currency string) decimal.Decimal {
	return d.Round(CurrencyPrecision(currency))
}

// FormatMoney writes an amount with exactly the currency's decimals ("12.50").
func FormatMoney(d decimal.Decimal, currency string) string {
	return d.StringFixed(CurrencyPrecision(currency))
}
