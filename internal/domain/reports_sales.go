package domain

import (
	"time"

	"github.com/shopspring/decimal"
)

// What the sales reports count: validated or paid invoices, less validated or
// paid credit notes, of one currency (amounts in different currencies do not
// add up). Drafts, proposals and orders are not sales.

// SalesGrouping is the period of a sales report row.
type SalesGrouping string

const (
	GroupByDay   SalesGrouping = "day"
	GroupByMonth SalesGrouping = "month"
	GroupByYear  SalesGrouping = "year"
)

// SalesGroupings lists the groupings, the default (month) first.
func SalesGroupings() []SalesGrouping { return []SalesGrouping{GroupByMonth, GroupByDay, GroupByYear} }

// Limits of the sales reports.
const (
	DefaultTopCustomers = 10
	MaxTopCustomers     = 500
)

// SalesPeriodQuery selects the documents dated From to To, both included, in
// one currency.
type SalesPeriodQuery struct {
	From, To time.Time // midnight UTC
	Currency string
}

// Check validates the period.
func (q SalesPeriodQuery) Check(v *ValidationError) {
	if q.To.Before(q.From) {
		v.Add("to", "must not be before from")
	}
	CheckCurrency(v, "currency", q.Currency)
}

// SalesQuery is the sales-by-period report's.
type SalesQuery struct {
	SalesPeriodQuery
	GroupBy SalesGrouping
}

// SalesPeriod is one row of the sales report: credit notes subtract.
type SalesPeriod struct {
	Period      string // "2026-11-28", "2026-11" or "2026"
	Invoices    int64
	CreditNotes int64
	TotalNet    decimal.Decimal
	TotalVAT    decimal.Decimal
	TotalGross  decimal.Decimal
}

// Add adds o's counts and amounts to p.
func (p *SalesPeriod) Add(o SalesPeriod) {
	p.Invoices += o.Invoices
	p.CreditNotes += o.CreditNotes
	p.TotalNet = p.TotalNet.Add(o.TotalNet)
	p.TotalVAT = p.TotalVAT.Add(o.TotalVAT)
	p.TotalGross = p.TotalGross.Add(o.TotalGross)
}

// TopCustomersQuery is the top-customers report's: the Limit customers with
// the largest net sales over the period.
type TopCustomersQuery struct {
	SalesPeriodQuery
	Limit int
}

// CustomerSales is one row of the top-customers report.
type CustomerSales struct {
	ThirdPartyID int64
	Name         string
	Code         string
	Invoices     int64
	CreditNotes  int64
	TotalNet     decimal.Decimal
	TotalGross   decimal.Decimal
}

// AgingBucket is a band of days past the due date.
type AgingBucket int

const (
	NotDue       AgingBucket = iota // due date still ahead
	Overdue0to30                    // 0 (due that day) to 30 days past due
	Overdue31to60
	Overdue61to90
	Overdue90Plus // more than 90 days

	// AgingBucketCount is the number of buckets.
	AgingBucketCount
)

// AgingQuery is the receivables-aging report's: what customers owe on
// validated invoices dated up to AsOf, aged at AsOf.
type AgingQuery struct {
	AsOf     time.Time // midnight UTC
	Currency string
}

// CustomerAging is one customer's row of the receivables-aging report. The
// amounts are amounts due (gross total less payments); the refund due on a
// credit note subtracts, in the bucket of the invoice it credits.
type CustomerAging struct {
	ThirdPartyID int64
	Name         string
	Code         string
	Buckets      [AgingBucketCount]decimal.Decimal // indexed by AgingBucket
}

// Total is the customer's whole amount due.
func (a *CustomerAging) Total() decimal.Decimal {
	sum := decimal.Zero
	for _, b := range a.Buckets {
		sum = sum.Add(b)
	}
	return sum
}

// What the purchase reports count: validated or paid supplier invoices, less
// validated or paid supplier credit notes, of one currency.

// PurchasesQuery is the purchases-by-period report's: by period and
// supplier, optionally of one supplier (0: every one).
type PurchasesQuery struct {
	SalesPeriodQuery
	GroupBy    SalesGrouping
	SupplierID int64
}

// SupplierPurchases is one row of the purchases report: a supplier's
// purchases in one period; supplier credit notes subtract.
type SupplierPurchases struct {
	Period      string
	SupplierID  int64
	Name        string
	Invoices    int64
	CreditNotes int64
	TotalNet    decimal.Decimal
	TotalVAT    decimal.Decimal
	TotalGross  decimal.Decimal
}

// Add adds o's counts and amounts to p.
func (p *SupplierPurchases) Add(o SupplierPurchases) {
	p.Invoices += o.Invoices
	p.CreditNotes += o.CreditNotes
	p.TotalNet = p.TotalNet.Add(o.TotalNet)
	p.TotalVAT = p.TotalVAT.Add(o.TotalVAT)
	p.TotalGross = p.TotalGross.Add(o.TotalGross)
}
