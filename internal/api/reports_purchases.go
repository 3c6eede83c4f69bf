package api

import (
	"context"
	"iter"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

// purchaseReports are the plain-SQL purchase reports the handlers stream.
type purchaseReports interface {
	Purchases(ctx context.Context, q domain.PurchasesQuery) iter.Seq2[domain.SupplierPurchases, error]
	PayablesAging(ctx context.Context, q domain.AgingQuery) iter.Seq2[domain.CustomerAging, error]
}

// PurchaseReportRoutes is /api/v1/reports/purchases and
// /reports/payables-aging; their parameters read as the sales reports'.
type PurchaseReportRoutes struct {
	reports purchaseReports
	params  *SalesReportRoutes // period, currency and date parameters
}

// NewPurchaseReportRoutes returns the purchase reports area; currency is the
// one reported when the request names none, now the clock of today.
func NewPurchaseReportRoutes(reports purchaseReports, currency string, now func() time.Time) *PurchaseReportRoutes {
	return &PurchaseReportRoutes{reports: reports, params: &SalesReportRoutes{currency: currency, now: now}}
}

// Routes implements Routes.
func (h *PurchaseReportRoutes) Routes(r *Router) {
	r.GET("/reports/purchases", domain.PermReportsRead, h.purchases)
	r.GET("/reports/payables-aging", domain.PermReportsRead, h.aging)
}

type purchasesRow struct {
	Period      string `json:"period,omitempty"`
	SupplierID  int64  `json:"supplier_id,omitempty"`
	Name        string `json:"name,omitempty"`
	Invoices    int64  `json:"invoices"`
	CreditNotes int64  `json:"credit_notes"`
	TotalNet    string `json:"total_net"`
	TotalVAT    string `json:"total_vat"`
	TotalGross  string `json:"total_gross"`
}

func toPurchasesRow(p domain.SupplierPurchases, currency string) purchasesRow {
	return purchasesRow{
		Period: p.Period, SupplierID: p.SupplierID, Name: p.Name, Invoices: p.Invoices, CreditNotes: p.CreditNotes,
		TotalNet:   domain.FormatMoney(p.TotalNet, currency),
		TotalVAT:   domain.FormatMoney(p.TotalVAT, currency),
		TotalGross: domain.FormatMoney(p.TotalGross, currency),
	}
}

func (h *PurchaseReportRoutes) purchases(c echo.Context) error {
	v := &domain.ValidationError{}
	q := domain.PurchasesQuery{SalesPeriodQuery: h.params.periodQuery(c, v), GroupBy: groupByQuery(c, v), SupplierID: idQuery(c, "supplier_id", v)}
	if err := v.OrNil(); err != nil {
		return err
	}
	var totals domain.SupplierPurchases
	rows := h.reports.Purchases(c.Request().Context(), q)
	return streamItems(c, rows, func(p domain.SupplierPurchases) purchasesRow {
		totals.Add(p)
		return toPurchasesRow(p, q.Currency)
	}, func() map[string]any {
		return map[string]any{
			"totals": toPurchasesRow(totals, q.Currency), "currency": q.Currency, "group_by": q.GroupBy,
			"from": formatDate(q.From), "to": formatDate(q.To),
		}
	})
}

func (h *PurchaseReportRoutes) aging(c echo.Context) error {
	v := &domain.ValidationError{}
	q := domain.AgingQuery{AsOf: salesDateParam(c, "as_of", h.params.now().UTC().Truncate(24*time.Hour), v), Currency: h.params.currencyQuery(c)}
	domain.CheckCurrency(v, "currency", q.Currency)
	if err := v.OrNil(); err != nil {
		return err
	}
	var totals [domain.AgingBucketCount]decimal.Decimal
	rows := h.reports.PayablesAging(c.Request().Context(), q)
	return streamItems(c, rows, func(a domain.CustomerAging) supplierAgingRow {
		for i, b := range a.Buckets {
			totals[i] = totals[i].Add(b)
		}
		return supplierAgingRow{SupplierID: a.ThirdPartyID, Name: a.Name, Code: a.Code, agingAmounts: toAgingAmounts(a.Buckets, q.Currency)}
	}, func() map[string]any {
		return map[string]any{"totals": toAgingAmounts(totals, q.Currency), "currency": q.Currency, "as_of": formatDate(q.AsOf)}
	})
}

type supplierAgingRow struct {
	SupplierID int64  `json:"supplier_id"`
	Name       string `json:"name"`
	Code       string `json:"code"`
	agingAmounts
}
