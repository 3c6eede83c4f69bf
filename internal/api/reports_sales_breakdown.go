package api

import (
	"context"
	"iter"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

// salesBreakdownReports are the sales of a period broken down by product and
// by customer (gormdb.SalesReports), streamed as the other reports are.
type salesBreakdownReports interface {
	SalesByProduct(ctx context.Context, q domain.SalesPeriodQuery) iter.Seq2[domain.ProductSales, error]
	SalesByCustomer(ctx context.Context, q domain.SalesPeriodQuery) iter.Seq2[domain.CustomerSales, error]
}

// SalesBreakdownRoutes is /api/v1/reports/sales-by-product and
// /reports/sales-by-customer; the period, currency and their checks are the
// sales report's.
type SalesBreakdownRoutes struct {
	reports salesBreakdownReports
	period  *SalesReportRoutes // periodQuery only
}

// NewSalesBreakdownRoutes returns the two reports; currency is the one
// reported when the request names none, now the clock that says what today is.
func NewSalesBreakdownRoutes(reports salesBreakdownReports, currency string, now func() time.Time) *SalesBreakdownRoutes {
	return &SalesBreakdownRoutes{reports: reports, period: &SalesReportRoutes{currency: currency, now: now}}
}

// Routes implements Routes.
func (h *SalesBreakdownRoutes) Routes(r *Router) {
	r.GET("/reports/sales-by-product", domain.PermReportsRead, h.byProduct)
	r.GET("/reports/sales-by-customer", domain.PermReportsRead, h.byCustomer)
}

type productSalesRow struct {
	ProductID  *int64 `json:"product_id"` // null: the free-text lines
	Ref        string `json:"ref"`
	Label      string `json:"label"`
	Qty        string `json:"qty"`
	TotalNet   string `json:"total_net"`
	TotalGross string `json:"total_gross"`
}

type salesTotals struct {
	TotalNet   string `json:"total_net"`
	TotalGross string `json:"total_gross"`
}

type customerSalesTotals struct {
	Invoices    int64  `json:"invoices"`
	CreditNotes int64  `json:"credit_notes"`
	TotalNet    string `json:"total_net"`
	TotalGross  string `json:"total_gross"`
}

func (h *SalesBreakdownRoutes) byProduct(c echo.Context) error {
	v := &domain.ValidationError{}
	q := h.period.periodQuery(c, v)
	if err := v.OrNil(); err != nil {
		return err
	}
	var net, gross decimal.Decimal
	money := func(d decimal.Decimal) string { return domain.FormatMoney(d, q.Currency) }
	return streamItems(c, h.reports.SalesByProduct(c.Request().Context(), q), func(p domain.ProductSales) productSalesRow {
		net, gross = net.Add(p.TotalNet), gross.Add(p.TotalGross)
		return productSalesRow{
			ProductID: optPositive(p.ProductID), Ref: p.Ref, Label: p.Label, Qty: Qty(p.Qty),
			TotalNet: money(p.TotalNet), TotalGross: money(p.TotalGross),
		}
	}, func() map[string]any {
		return map[string]any{
			"totals":   salesTotals{TotalNet: money(net), TotalGross: money(gross)},
			"currency": q.Currency, "from": formatDate(q.From), "to": formatDate(q.To),
		}
	})
}

func (h *SalesBreakdownRoutes) byCustomer(c echo.Context) error {
	v := &domain.ValidationError{}
	q := h.period.periodQuery(c, v)
	if err := v.OrNil(); err != nil {
		return err
	}
	var totals domain.CustomerSales
	money := func(d decimal.Decimal) string { return domain.FormatMoney(d, q.Currency) }
	return streamItems(c, h.reports.SalesByCustomer(c.Request().Context(), q), func(s domain.CustomerSales) customerSalesRow {
		totals.Add(s)
		return customerSalesRow{
			ThirdPartyID: s.ThirdPartyID, Name: s.Name, Code: s.Code, Invoices: s.Invoices, CreditNotes: s.CreditNotes,
			TotalNet: money(s.TotalNet), TotalGross: money(s.TotalGross),
		}
	}, func() map[string]any {
		return map[string]any{
			"totals": customerSalesTotals{
				Invoices: totals.Invoices, CreditNotes: totals.CreditNotes, TotalNet: money(totals.TotalNet), TotalGross: money(totals.TotalGross),
			},
			"currency": q.Currency, "from": formatDate(q.From), "to": formatDate(q.To),
		}
	})
}
