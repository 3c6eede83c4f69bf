package domain

import (
	"github.com/shopspring/decimal"
)

// DocumentFX is what a document holds of the exchange to the company
// currency. Rate is units of the document's currency per one unit of
// CompanyCurrency: always 1 when they are the same; on another currency it is
// given by the client on the draft, or fixed at validation from the rate of
// the document's date (the latest on or before it). The company totals are
// the document's own totals divided by the rate, net and VAT each rounded to
// the company currency's minor unit (DivMoney) and gross their sum; they are
// null while the rate is not known.
type DocumentFX struct {
	// CompanyCurrency is DOLIGO_DEFAULT_CURRENCY when the document was made;
	// "" on documents made before exchange rates existed (migration 000020),
	// until their validation.
	CompanyCurrency string
	Rate            decimal.NullDecimal
	TotalNet        decimal.NullDecimal
	TotalVAT        decimal.NullDecimal
	TotalGross      decimal.NullDecimal
}

// Foreign reports whether the document is in another currency than the
// company's.
func (d *Document) Foreign() bool {
	return d.FX.CompanyCurrency != "" && d.Currency != d.FX.CompanyCurrency
}

var one = decimal.NewFromInt(1)

// checkRate refuses a given rate that is not a rate, or other than 1 on a
// document in the company currency.
func (d *Document) checkRate(v *ValidationError) {
	if !d.FX.Rate.Valid {
		return
	}
	if d.FX.CompanyCurrency != "" && d.Currency == d.FX.CompanyCurrency && !d.FX.Rate.Decimal.Equal(one) {
		v.Add("currency_rate", "must be 1 (or left out) on a document in the company currency %s", d.FX.CompanyCurrency)
		return
	}
	checkFXRate(v, "currency_rate", d.FX.Rate.Decimal)
}

// convertTotals sets the company totals from the rate (part of Recompute).
func (d *Document) convertTotals(v *ValidationError) {
	fx := &d.FX
	if fx.CompanyCurrency != "" && d.Currency == fx.CompanyCurrency {
		fx.Rate = decimal.NewNullDecimal(one)
	}
	if fx.CompanyCurrency == "" || !fx.Rate.Valid || !fx.Rate.Decimal.IsPositive() {
		fx.TotalNet, fx.TotalVAT, fx.TotalGross = decimal.NullDecimal{}, decimal.NullDecimal{}, decimal.NullDecimal{}
		return
	}
	net := d.ToCompany(d.TotalNet)
	vat := d.ToCompany(d.TotalVAT)
	fx.TotalNet, fx.TotalVAT = decimal.NewNullDecimal(net), decimal.NewNullDecimal(vat)
	fx.TotalGross = decimal.NewNullDecimal(net.Add(vat))
	if !fx.TotalGross.Decimal.Abs().LessThan(MaxAmount) {
		v.Add("currency_rate", "converts the total to %s %s, beyond %s", FormatMoney(fx.TotalGross.Decimal, fx.CompanyCurrency), fx.CompanyCurrency, MaxAmount)
	}
}

// ToCompany converts an amount of the document's currency at its rate,
// rounded to the company currency (the rate must be known).
func (d *Document) ToCompany(amount decimal.Decimal) decimal.Decimal {
	return DivMoney(amount, d.FX.Rate.Decimal, d.FX.CompanyCurrency)
}

// FixRate sets the rate the document is validated with and converts its
// totals: company is the company currency, rate the rate of the document's
// date; a rate the draft already holds wins over it.
func (d *Document) FixRate(company string, rate decimal.Decimal) error {
	if d.FX.CompanyCurrency == "" {
		d.FX.CompanyCurrency = company
	}
	if !d.FX.Rate.Valid || d.Currency == d.FX.CompanyCurrency {
		d.FX.Rate = decimal.NewNullDecimal(rate)
	}
	v := &ValidationError{}
	d.convertTotals(v)
	return v.OrNil()
}

// NeedsRate reports whether validating the document needs the rate of its
// date: it is in a foreign currency and its draft gave none. company is the
// company currency, for documents that do not know it yet.
func (d *Document) NeedsRate(company string) bool {
	c := d.FX.CompanyCurrency
	if c == "" {
		c = company
	}
	return d.Currency != c && !d.FX.Rate.Valid
}
