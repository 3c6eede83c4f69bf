package domain

import "github.com/shopspring/decimal"

// VATQuery is the VAT report's: a period (by month) and a currency.
type VATQuery struct {
	SalesPeriodQuery
}

// VATDue is one row of the VAT report: for one month and one rate, the VAT
// collected on sales (invoices and down-payment invoices minus credit
// notes) and the VAT deductible on purchases (supplier invoices minus
// supplier credit notes), with their bases. Due is collected minus
// deductible (negative: a credit of VAT).
type VATDue struct {
	Period        string // "2026-11"; "" in totals over months
	Rate          decimal.Decimal
	SalesBase     decimal.Decimal
	Collected     decimal.Decimal
	PurchasesBase decimal.Decimal
	Deductible    decimal.Decimal
}

// Due is the VAT to pay for the row: collected minus deductible.
func (v VATDue) Due() decimal.Decimal { return v.Collected.Sub(v.Deductible) }

// Add adds o's amounts to v.
func (v *VATDue) Add(o VATDue) {
	v.SalesBase = v.SalesBase.Add(o.SalesBase)
	v.Collected = v.Collected.Add(o.Collected)
	v.PurchasesBase = v.PurchasesBase.Add(o.PurchasesBase)
	v.Deductible = v.Deductible.Add(o.Deductible)
}
