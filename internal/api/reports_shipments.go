package api

import (
	"context"
	"iter"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

type shippedNotInvoicedItem struct {
	OrderID      int64  `json:"order_id"`
	OrderRef     string `json:"order_ref"`
	CustomerID   int64  `json:"thirdparty_id"`
	CustomerName string `json:"customer"`
	OrderLineID  int64  `json:"order_line_id"`
	ProductID    int64  `json:"product_id"`
	ProductRef   string `json:"product_ref"`
	Description  string `json:"description"`
	QtyShipped   string `json:"qty_shipped"`
	QtyInvoiced  string `json:"qty_invoiced"`
	QtyToInvoice string `json:"qty_to_invoice"`
	Amount       string `json:"amount"`
}

type shippedNotInvoicedTotals struct {
	Lines  int    `json:"lines"`
	Amount string `json:"amount"`
}

type shipmentReports interface {
	ShippedNotInvoiced(ctx context.Context, q domain.ShippedNotInvoicedQuery) iter.Seq2[domain.ShippedNotInvoicedRow, error]
}

// ShipmentReportRoutes is /api/v1/reports/shipped-not-invoiced.
type ShipmentReportRoutes struct {
	reports  shipmentReports
	currency string // the default currency of the report
}

// NewShipmentReportRoutes returns the shipment reports area; currency is the
// company's (DOLIGO_DEFAULT_CURRENCY), the report's default.
func NewShipmentReportRoutes(reports shipmentReports, currency string) *ShipmentReportRoutes {
	return &ShipmentReportRoutes{reports: reports, currency: currency}
}

// Routes implements Routes.
func (h *ShipmentReportRoutes) Routes(r *Router) {
	r.GET("/reports/shipped-not-invoiced", domain.PermReportsRead, h.shippedNotInvoiced)
}

// shippedNotInvoiced is GET /reports/shipped-not-invoiced?currency=&thirdparty_id=:
// every order line that shipped more than its order's invoices bill of it,
// streamed as the database returns the rows (streamItems), with the total
// amount to invoice last.
func (h *ShipmentReportRoutes) shippedNotInvoiced(c echo.Context) error {
	v := &domain.ValidationError{}
	q := domain.ShippedNotInvoicedQuery{
		Currency:     (&SalesReportRoutes{currency: h.currency}).currencyQuery(c),
		ThirdPartyID: idQuery(c, "thirdparty_id", v),
	}
	domain.CheckCurrency(v, "currency", q.Currency)
	if err := v.OrNil(); err != nil {
		return err
	}
	var totals domain.ShippedNotInvoicedTotals
	return streamItems(c, h.reports.ShippedNotInvoiced(c.Request().Context(), q), func(r domain.ShippedNotInvoicedRow) shippedNotInvoicedItem {
		totals.Add(r)
		return shippedNotInvoicedItem{
			OrderID: r.OrderID, OrderRef: r.OrderRef, CustomerID: r.CustomerID, CustomerName: r.CustomerName,
			OrderLineID: r.OrderLineID, ProductID: r.ProductID, ProductRef: r.ProductRef, Description: r.Description,
			QtyShipped: Qty(r.QtyShipped), QtyInvoiced: Qty(r.QtyInvoiced), QtyToInvoice: Qty(r.QtyToInvoice()),
			Amount: domain.FormatMoney(r.Amount(), q.Currency),
		}
	}, func() map[string]any {
		return map[string]any{
			"totals":   shippedNotInvoicedTotals{Lines: totals.Lines, Amount: domain.FormatMoney(totals.Amount, q.Currency)},
			"currency": q.Currency,
		}
	})
}
