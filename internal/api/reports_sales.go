package api

import (
	"context"
	"encoding/json"
	"iter"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

// salesReports are the plain-SQL reports the handlers stream; the repository
// is used directly, as a use case would only forward.
type salesReports interface {
	Sales(ctx context.Context, q domain.SalesQuery) iter.Seq2[domain.SalesPeriod, error]
	TopCustomers(ctx context.Context, q domain.TopCustomersQuery) iter.Seq2[domain.CustomerSales, error]
	ReceivablesAging(ctx context.Context, q domain.AgingQuery) iter.Seq2[domain.CustomerAging, error]
}

// SalesReportRoutes is /api/v1/reports/sales, /reports/top-customers and
// /reports/receivables-aging.
type SalesReportRoutes struct {
	reports  salesReports
	currency string
	now      func() time.Time
}

// NewSalesReportRoutes returns the sales reports area; currency is the one
// reported when the request names none, now the clock that says what today is.
func NewSalesReportRoutes(reports salesReports, currency string, now func() time.Time) *SalesReportRoutes {
	return &SalesReportRoutes{reports: reports, currency: currency, now: now}
}

// Routes implements Routes.
func (h *SalesReportRoutes) Routes(r *Router) {
	r.GET("/reports/sales", domain.PermReportsRead, h.sales)
	r.GET("/reports/top-customers", domain.PermReportsRead, h.topCustomers)
	r.GET("/reports/receivables-aging", domain.PermReportsRead, h.aging)
}

type salesRow struct {
	Period      string `json:"period,omitempty"`
	Invoices    int64  `json:"invoices"`
	CreditNotes int64  `json:"credit_notes"`
	TotalNet    string `json:"total_net"`
	TotalVAT    string `json:"total_vat"`
	TotalGross  string `json:"total_gross"`
}

func toSalesRow(p domain.SalesPeriod, currency string) salesRow {
	return salesRow{
		Period: p.Period, Invoices: p.Invoices, CreditNotes: p.CreditNotes,
		TotalNet:   domain.FormatMoney(p.TotalNet, currency),
		TotalVAT:   domain.FormatMoney(p.TotalVAT, currency),
		TotalGross: domain.FormatMoney(p.TotalGross, currency),
	}
}

type customerSalesRow struct {
	ThirdPartyID int64  `json:"thirdparty_id"`
	Name         string `json:"name"`
	Code         string `json:"code"`
	Invoices     int64  `json:"invoices"`
	CreditNotes  int64  `json:"credit_notes"`
	TotalNet     string `json:"total_net"`
	TotalGross   string `json:"total_gross"`
}

type agingAmounts struct {
	NotDue     string `json:"not_due"`
	Days0to30  string `json:"days_0_30"`
	Days31to60 string `json:"days_31_60"`
	Days61to90 string `json:"days_61_90"`
	Days90Plus string `json:"days_90_plus"`
	Total      string `json:"total"`
}

func toAgingAmounts(b [domain.AgingBucketCount]decimal.Decimal, currency string) agingAmounts {
	f := func(d decimal.Decimal) string { return domain.FormatMoney(d, currency) }
	a := domain.CustomerAging{Buckets: b}
	return agingAmounts{
		NotDue: f(b[domain.NotDue]), Days0to30: f(b[domain.Overdue0to30]), Days31to60: f(b[domain.Overdue31to60]),
		Days61to90: f(b[domain.Overdue61to90]), Days90Plus: f(b[domain.Overdue90Plus]), Total: f(a.Total()),
	}
}

type customerAgingRow struct {
	ThirdPartyID int64  `json:"thirdparty_id"`
	Name         string `json:"name"`
	Code         string `json:"code"`
	agingAmounts
}

// periodQuery reads ?from=&to=&currency=: from defaults to the first of
// January of this year, to to today, currency to the configured one.
func (h *SalesReportRoutes) periodQuery(c echo.Context, v *domain.ValidationError) domain.SalesPeriodQuery {
	today := h.now().UTC().Truncate(24 * time.Hour)
	q := domain.SalesPeriodQuery{
		From:     salesDateParam(c, "from", time.Date(today.Year(), 1, 1, 0, 0, 0, 0, time.UTC), v),
		To:       salesDateParam(c, "to", today, v),
		Currency: h.currencyQuery(c),
	}
	q.Check(v)
	return q
}

func (h *SalesReportRoutes) currencyQuery(c echo.Context) string {
	if s := strings.TrimSpace(c.QueryParam("currency")); s != "" {
		return strings.ToUpper(s)
	}
	return h.currency
}

// salesDateParam reads an optional YYYY-MM-DD query parameter.
func salesDateParam(c echo.Context, name string, def time.Time, v *domain.ValidationError) time.Time {
	s := c.QueryParam(name)
	if s == "" {
		return def
	}
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		v.Add(name, "must be a date such as 2026-11-28")
		return def
	}
	if !dateInRange(t) {
		v.Add(name, dateRangeMessage)
		return def
	}
	return t
}

// groupByQuery reads ?group_by= (day, month or year; month when absent).
func groupByQuery(c echo.Context, v *domain.ValidationError) domain.SalesGrouping {
	g := domain.SalesGrouping(c.QueryParam("group_by"))
	switch {
	case g == "":
		return domain.GroupByMonth
	case !slices.Contains(domain.SalesGroupings(), g):
		v.Add("group_by", "must be one of day, month, year")
	}
	return g
}

func (h *SalesReportRoutes) sales(c echo.Context) error {
	v := &domain.ValidationError{}
	q := domain.SalesQuery{SalesPeriodQuery: h.periodQuery(c, v), GroupBy: groupByQuery(c, v)}
	if err := v.OrNil(); err != nil {
		return err
	}
	var totals domain.SalesPeriod
	rows := h.reports.Sales(c.Request().Context(), q)
	return streamItems(c, rows, func(p domain.SalesPeriod) salesRow {
		totals.Add(p)
		return toSalesRow(p, q.Currency)
	}, func() map[string]any {
		return map[string]any{
			"totals": toSalesRow(totals, q.Currency), "currency": q.Currency, "group_by": q.GroupBy,
			"from": formatDate(q.From), "to": formatDate(q.To),
		}
	})
}

func (h *SalesReportRoutes) topCustomers(c echo.Context) error {
	v := &domain.ValidationError{}
	q := domain.TopCustomersQuery{SalesPeriodQuery: h.periodQuery(c, v), Limit: domain.DefaultTopCustomers}
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > domain.MaxTopCustomers {
			v.Add("limit", "must be a whole number from 1 to %d", domain.MaxTopCustomers)
		}
		q.Limit = n
	}
	if err := v.OrNil(); err != nil {
		return err
	}
	rows := h.reports.TopCustomers(c.Request().Context(), q)
	return streamItems(c, rows, func(s domain.CustomerSales) customerSalesRow {
		return customerSalesRow{
			ThirdPartyID: s.ThirdPartyID, Name: s.Name, Code: s.Code, Invoices: s.Invoices, CreditNotes: s.CreditNotes,
			TotalNet: domain.FormatMoney(s.TotalNet, q.Currency), TotalGross: domain.FormatMoney(s.TotalGross, q.Currency),
		}
	}, func() map[string]any {
		return map[string]any{"currency": q.Currency, "from": formatDate(q.From), "to": formatDate(q.To), "limit": q.Limit}
	})
}

func (h *SalesReportRoutes) aging(c echo.Context) error {
	v := &domain.ValidationError{}
	q := domain.AgingQuery{AsOf: salesDateParam(c, "as_of", h.now().UTC().Truncate(24*time.Hour), v), Currency: h.currencyQuery(c)}
	domain.CheckCurrency(v, "currency", q.Currency)
	if err := v.OrNil(); err != nil {
		return err
	}
	var totals [domain.AgingBucketCount]decimal.Decimal
	rows := h.reports.ReceivablesAging(c.Request().Context(), q)
	return streamItems(c, rows, func(a domain.CustomerAging) customerAgingRow {
		for i, b := range a.Buckets {
			totals[i] = totals[i].Add(b)
		}
		return customerAgingRow{ThirdPartyID: a.ThirdPartyID, Name: a.Name, Code: a.Code, agingAmounts: toAgingAmounts(a.Buckets, q.Currency)}
	}, func() map[string]any {
		return map[string]any{"totals": toAgingAmounts(totals, q.Currency), "currency": q.Currency, "as_of": formatDate(q.AsOf)}
	})
}

// streamItems writes {"items": [...], …tail} as the rows come: the status
// line and the opening go out with the first row, so an error before it (the
// query failed) is still a problem+json answer; after it, the response can
// only be cut short — the connection is aborted, so no client mistakes the
// part for the whole. tail is called once every row is written (totals).
// A client asking for CSV gets the items only, as CSV rows (writeCSV): the
// totals are the sums of the columns.
func streamItems[T, D any](c echo.Context, seq iter.Seq2[T, error], item func(T) D, tail func() map[string]any) error {
	c.Response().Header().Add(echo.HeaderVary, echo.HeaderAccept)
	if wantsCSV(c) {
		return writeCSV(c, seq, item)
	}
	ctx := c.Request().Context()
	w := c.Response()
	started := false
	open := func() {
		w.Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSONCharsetUTF8)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"items":[`))
		started = true
	}
	for v, err := range seq {
		if err != nil {
			if !started {
				return err
			}
			abortStream(ctx, err)
		}
		if started {
			_, _ = w.Write([]byte{','})
		} else {
			open()
		}
		b, err := json.Marshal(item(v))
		if err != nil {
			return err // DTOs of strings and numbers always marshal
		}
		_, _ = w.Write(b)
	}
	if !started {
		open()
	}
	_, _ = w.Write([]byte{']'})
	rest := tail()
	for _, k := range slices.Sorted(maps.Keys(rest)) {
		b, err := json.Marshal(rest[k])
		if err != nil {
			return err
		}
		_, _ = w.Write([]byte(`,"` + k + `":`))
		_, _ = w.Write(b)
	}
	_, _ = w.Write([]byte{'}'})
	return nil
}
