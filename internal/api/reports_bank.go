package api

import (
	"context"
	"iter"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

// bankReports are the plain-SQL bank reports the handlers stream.
type bankReports interface {
	Balances(ctx context.Context, q domain.BankBalancesQuery) iter.Seq2[domain.BankBalance, error]
	CashFlow(ctx context.Context, q domain.CashFlowQuery) iter.Seq2[domain.CashFlowPeriod, error]
}

// BankReportRoutes is /api/v1/reports/bank-balances and /reports/cash-flow.
type BankReportRoutes struct {
	reports bankReports
	now     func() time.Time
}

// NewBankReportRoutes returns the bank reports area; now is the clock of
// today.
func NewBankReportRoutes(reports bankReports, now func() time.Time) *BankReportRoutes {
	return &BankReportRoutes{reports: reports, now: now}
}

// Routes implements Routes.
func (h *BankReportRoutes) Routes(r *Router) {
	r.GET("/reports/bank-balances", domain.PermBankRead, h.balances)
	r.GET("/reports/cash-flow", domain.PermBankRead, h.cashFlow)
}

type bankBalanceRow struct {
	AccountID int64  `json:"account_id"`
	Ref       string `json:"ref"`
	Label     string `json:"label"`
	Currency  string `json:"currency"`
	Balance   string `json:"balance"`
}

func (h *BankReportRoutes) today() time.Time { return h.now().UTC().Truncate(24 * time.Hour) }

// balances is GET /reports/bank-balances?date= (today by default).
func (h *BankReportRoutes) balances(c echo.Context) error {
	v := &domain.ValidationError{}
	q := domain.BankBalancesQuery{Date: salesDateParam(c, "date", h.today(), v)}
	if err := v.OrNil(); err != nil {
		return err
	}
	rows := h.reports.Balances(c.Request().Context(), q)
	return streamItems(c, rows, func(b domain.BankBalance) bankBalanceRow {
		return bankBalanceRow{
			AccountID: b.AccountID, Ref: b.Ref, Label: b.Label, Currency: b.Currency,
			Balance: domain.FormatMoney(b.Balance, b.Currency),
		}
	}, func() map[string]any { return map[string]any{"date": formatDate(q.Date)} })
}

type cashFlowRow struct {
	Period   string `json:"period"`
	Currency string `json:"currency"`
	MoneyIn  string `json:"money_in"`
	MoneyOut string `json:"money_out"`
	Net      string `json:"net"`
}

// cashFlow is GET /reports/cash-flow?from=&to=&account_id= (from the first
// of January to today by default).
func (h *BankReportRoutes) cashFlow(c echo.Context) error {
	v := &domain.ValidationError{}
	today := h.today()
	q := domain.CashFlowQuery{
		From:      salesDateParam(c, "from", time.Date(today.Year(), 1, 1, 0, 0, 0, 0, time.UTC), v),
		To:        salesDateParam(c, "to", today, v),
		AccountID: idQuery(c, "account_id", v),
	}
	if q.To.Before(q.From) {
		v.Add("to", "must not be before from")
	}
	if err := v.OrNil(); err != nil {
		return err
	}
	rows := h.reports.CashFlow(c.Request().Context(), q)
	return streamItems(c, rows, func(p domain.CashFlowPeriod) cashFlowRow {
		return cashFlowRow{
			Period: p.Period, Currency: p.Currency, MoneyIn: domain.FormatMoney(p.MoneyIn, p.Currency),
			MoneyOut: domain.FormatMoney(p.MoneyOut, p.Currency), Net: domain.FormatMoney(p.Net(), p.Currency),
		}
	}, func() map[string]any {
		tail := map[string]any{"from": formatDate(q.From), "to": formatDate(q.To)}
		if q.AccountID > 0 {
			tail["account_id"] = q.AccountID
		}
		return tail
	})
}
