package api

import (
	"context"
	"iter"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

type stockValuationItem struct {
	ProductID   int64  `json:"product_id"`
	Ref         string `json:"ref"`
	Label       string `json:"label"`
	WarehouseID int64  `json:"warehouse_id"`
	Qty         string `json:"qty"`
	AverageCost string `json:"average_cost"`
	Value       string `json:"value"`
}

type stockValuationTotals struct {
	Qty   string `json:"qty"`
	Value string `json:"value"`
}

type stockValuationReader interface {
	StockValuation(ctx context.Context, f domain.StockValuationFilter) iter.Seq2[domain.StockValuationRow, error]
}

// StockReportRoutes is /api/v1/reports/stock-valuation.
type StockReportRoutes struct{ reports stockValuationReader }

// NewStockReportRoutes returns the stock reports area.
func NewStockReportRoutes(reports stockValuationReader) *StockReportRoutes {
	return &StockReportRoutes{reports: reports}
}

// Routes implements Routes.
func (h *StockReportRoutes) Routes(r *Router) {
	r.GET("/reports/stock-valuation", domain.PermReportsRead, h.valuation)
}

// valuation is GET /reports/stock-valuation?warehouse_id=: every non-zero
// stock level valued at its product's weighted average cost, and the totals.
// Rows are written as the database returns them (streamItems, shared
// with the sales reports), so the report's size is not bounded by memory;
// the totals, summed on the way, come last.
func (h *StockReportRoutes) valuation(c echo.Context) error {
	verr := &domain.ValidationError{}
	f := domain.StockValuationFilter{WarehouseID: idQuery(c, "warehouse_id", verr)}
	if err := verr.OrNil(); err != nil {
		return err
	}
	var totals domain.StockValuationTotals
	rows := h.reports.StockValuation(c.Request().Context(), f)
	return streamItems(c, rows, func(row domain.StockValuationRow) stockValuationItem {
		totals.Add(row)
		return stockValuationItem{
			ProductID: row.ProductID, Ref: row.Ref, Label: row.Label, WarehouseID: row.WarehouseID,
			Qty: Qty(row.Qty), AverageCost: Money(row.AverageCost), Value: Money(row.Value),
		}
	}, func() map[string]any {
		return map[string]any{"totals": stockValuationTotals{Qty: Qty(totals.Qty), Value: Money(totals.Value)}}
	})
}
