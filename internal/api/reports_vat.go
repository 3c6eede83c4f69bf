package api

import (
	"context"
	"iter"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

// vatReports is the plain-SQL VAT report the handler streams.
type vatReports interface {
	VAT(ctx context.Context, q domain.VATQuery) iter.Seq2[domain.VATDue, error]
}

// VATReportRoutes is /api/v1/reports/vat; its parameters read as the sales
// reports'.
type VATReportRoutes struct {
	reports vatReports
	params  *SalesReportRoutes // period, currency and date parameters
}

// NewVATReportRoutes returns the VAT report area; currency is the one
// reported when the request names none, now the clock of today.
func NewVATReportRoutes(reports vatReports, currency string, now func() time.Time) *VATReportRoutes {
	return &VATReportRoutes{reports: reports, params: &SalesReportRoutes{currency: currency, now: now}}
}

// Routes implements Routes.
func (h *VATReportRoutes) Routes(r *Router) {
	r.GET("/reports/vat", domain.PermReportsRead, h.vat)
}

type vatDueRow struct {
	Period        string `json:"period,omitempty"`
	VATRate       string `json:"vat_rate,omitempty"`
	SalesBase     string `json:"sales_base"`
	VATCollected  string `json:"vat_collected"`
	PurchasesBase string `json:"purchases_base"`
	VATDeductible string `json:"vat_deductible"`
	VATDue        string `json:"vat_due"`
}

func toVATDueRow(v domain.VATDue, currency string, withRate bool) vatDueRow {
	row := vatDueRow{
		Period:        v.Period,
		SalesBase:     domain.FormatMoney(v.SalesBase, currency),
		VATCollected:  domain.FormatMoney(v.Collected, currency),
		PurchasesBase: domain.FormatMoney(v.PurchasesBase, currency),
		VATDeductible: domain.FormatMoney(v.Deductible, currency),
		VATDue:        domain.FormatMoney(v.Due(), currency),
	}
	if withRate {
		row.VATRate = Qty(v.Rate)
	}
	return row
}

// vat answers ?from=&to=&currency=: one item per month and rate, then the
// totals of the period, per rate (by_rate, lowest first) and overall.
func (h *VATReportRoutes) vat(c echo.Context) error {
	v := &domain.ValidationError{}
	q := domain.VATQuery{SalesPeriodQuery: h.params.periodQuery(c, v)}
	if err := v.OrNil(); err != nil {
		return err
	}
	var (
		totals domain.VATDue
		byRate []domain.VATDue
	)
	rows := h.reports.VAT(c.Request().Context(), q)
	return streamItems(c, rows, func(d domain.VATDue) vatDueRow {
		totals.Add(d)
		byRate = addByRate(byRate, d)
		return toVATDueRow(d, q.Currency, true)
	}, func() map[string]any {
		rates := make([]vatDueRow, len(byRate))
		for i, r := range byRate {
			rates[i] = toVATDueRow(r, q.Currency, true)
		}
		return map[string]any{
			"totals": toVATDueRow(totals, q.Currency, false), "by_rate": rates, "currency": q.Currency,
			"from": formatDate(q.From), "to": formatDate(q.To),
		}
	})
}

// addByRate adds d to its rate's total in rates (kept lowest rate first).
func addByRate(rates []domain.VATDue, d domain.VATDue) []domain.VATDue {
	for i := range rates {
		switch rates[i].Rate.Cmp(d.Rate) {
		case 0:
			rates[i].Add(d)
			return rates
		case 1:
			d.Period = ""
			return append(rates[:i], append([]domain.VATDue{d}, rates[i:]...)...)
		}
	}
	d.Period = ""
	return append(rates, d)
}
