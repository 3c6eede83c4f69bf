package domain

import "github.com/shopspring/decimal"

// ShippedNotInvoicedQuery selects the report's orders: those in one currency
// (amounts of several cannot add up), of one customer when ThirdPartyID > 0.
type ShippedNotInvoicedQuery struct {
	Currency     string
	ThirdPartyID int64
}

// ShippedNotInvoicedRow is an order line that shipped more than was
// invoiced of it.
//
// "Invoiced" is what the order's invoices bill of the line's product: the
// quantities of the lines with that product on the validated or paid
// invoices made from the order (source_id = the order; drafts, credit notes
// and down payments do not count, and neither do invoices made without the
// order). When an order holds its product on several lines, what is invoiced
// of it goes to those lines in line order, each up to what it shipped, and
// the last takes what remains (AllocateInvoiced). Free-text lines name no
// product, so nothing can tell whether they were invoiced: they are left out.
type ShippedNotInvoicedRow struct {
	OrderID      int64
	OrderRef     string
	CustomerID   int64
	CustomerName string
	OrderLineID  int64
	ProductID    int64
	ProductRef   string
	Description  string
	Currency     string
	QtyShipped   decimal.Decimal
	QtyInvoiced  decimal.Decimal
	NetUnitPrice decimal.Decimal // the order line's unit price less its discount
	// ProductInvoiced is what the order's invoices bill of the product, over
	// every line of it; the repository fills it, AllocateInvoiced shares it.
	ProductInvoiced decimal.Decimal
}

// QtyToInvoice is what shipped and was not invoiced.
func (r ShippedNotInvoicedRow) QtyToInvoice() decimal.Decimal { return r.QtyShipped.Sub(r.QtyInvoiced) }

// Amount is the net amount still to invoice: qty to invoice × unit price ×
// (1 − discount/100), rounded half-up to the currency's precision, as an
// invoice line of it would be.
func (r ShippedNotInvoicedRow) Amount() decimal.Decimal {
	return RoundMoney(r.QtyToInvoice().Mul(r.NetUnitPrice), r.Currency)
}

// AllocateInvoiced shares invoiced, the quantity invoiced of one product of
// an order, among the order's lines of that product (shipped, in line
// order): each takes up to what it shipped, the last also takes any excess
// (invoiced ahead of shipping).
func AllocateInvoiced(shipped []decimal.Decimal, invoiced decimal.Decimal) []decimal.Decimal {
	out := make([]decimal.Decimal, len(shipped))
	left := invoiced
	for i, s := range shipped {
		take := decimal.Min(s, left)
		if i == len(shipped)-1 {
			take = left
		}
		if take.IsNegative() {
			take = decimal.Zero
		}
		out[i] = take
		left = left.Sub(take)
	}
	return out
}

// ShippedNotInvoicedTotals sums the report's amounts.
type ShippedNotInvoicedTotals struct {
	Lines  int
	Amount decimal.Decimal
}

// Add counts one row; the total is the sum of the rows' rounded amounts.
func (t *ShippedNotInvoicedTotals) Add(r ShippedNotInvoicedRow) {
	t.Lines++
	t.Amount = t.Amount.Add(r.Amount())
}
