package domain

import "github.com/shopspring/decimal"

// ProductSales is one row of the sales-by-product report: what the lines of
// a product sold over a period (validated or paid invoices less validated or
// paid credit notes, as the other sales reports count). ProductID 0 gathers
// the free-text lines, which name no product.
type ProductSales struct {
	ProductID  int64
	Ref, Label string
	Qty        decimal.Decimal
	TotalNet   decimal.Decimal
	TotalGross decimal.Decimal
}

// Add adds o's quantity and amounts to p.
func (p *ProductSales) Add(o ProductSales) {
	p.Qty = p.Qty.Add(o.Qty)
	p.TotalNet = p.TotalNet.Add(o.TotalNet)
	p.TotalGross = p.TotalGross.Add(o.TotalGross)
}

// Add adds o's counts and amounts to c (the sales-by-customer totals).
func (c *CustomerSales) Add(o CustomerSales) {
	c.Invoices += o.Invoices
	c.CreditNotes += o.CreditNotes
	c.TotalNet = c.TotalNet.Add(o.TotalNet)
	c.TotalGross = c.TotalGross.Add(o.TotalGross)
}
