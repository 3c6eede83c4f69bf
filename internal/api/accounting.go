package api

import (
	"context"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/usecase"
)

// accounting is the accounting use case as the routes see it.
type accounting interface {
	Accounts(ctx context.Context, q domain.ListQuery) (domain.Page[*domain.Account], error)
	Account(ctx context.Context, id int64) (*domain.Account, error)
	CreateAccount(ctx context.Context, a *domain.Account) error
	UpdateAccount(ctx context.Context, id int64, p domain.AccountPatch) (*domain.Account, error)
	DeleteAccount(ctx context.Context, id int64) error
	Entries(ctx context.Context, f domain.EntryFilter, q domain.ListQuery) (domain.Page[*domain.Entry], error)
	Transfer(ctx context.Context, from, to time.Time) (usecase.TransferResult, error)
	Periods(ctx context.Context) ([]domain.ClosedPeriod, error)
	ClosePeriod(ctx context.Context, actor domain.Principal, p domain.Period) (*domain.ClosedPeriod, error)
	ReopenPeriod(ctx context.Context, p domain.Period) error
	ProductAccounts(ctx context.Context, productID int64) (*domain.ProductAccounts, error)
	SetProductAccounts(ctx context.Context, a domain.ProductAccounts) (*domain.ProductAccounts, error)
	ThirdPartyAccount(ctx context.Context, thirdPartyID int64) (*domain.ThirdPartyAccount, error)
	SetThirdPartyAccount(ctx context.Context, a domain.ThirdPartyAccount) (*domain.ThirdPartyAccount, error)
	VATAccounts(ctx context.Context) ([]domain.VATAccount, error)
	SetVATAccount(ctx context.Context, a domain.VATAccount) error
	DeleteVATAccount(ctx context.Context, rate decimal.Decimal) error
}

// accountingReports are the plain-SQL reports and exports of the entries.
type accountingReports interface {
	TrialBalance(ctx context.Context, q domain.AccountingQuery) iter.Seq2[domain.TrialBalanceRow, error]
	Ledger(ctx context.Context, q domain.AccountingQuery) iter.Seq2[domain.LedgerRow, error]
	FEC(ctx context.Context, q domain.AccountingQuery) iter.Seq2[domain.FECRow, error]
}

// AccountingRoutes is /api/v1/accounting (chart of accounts, journals,
// transfers into the journals, entries, FEC and CSV exports, closed months)
// and the accounting reports under /api/v1/reports.
type AccountingRoutes struct {
	svc     accounting
	reports accountingReports
	now     func() time.Time
}

// NewAccountingRoutes returns the accounting area; now is the clock of the
// reports' default dates.
func NewAccountingRoutes(svc accounting, reports accountingReports, now func() time.Time) *AccountingRoutes {
	return &AccountingRoutes{svc: svc, reports: reports, now: now}
}

// Routes implements Routes.
func (h *AccountingRoutes) Routes(r *Router) {
	r.GET("/accounting/accounts", domain.PermAccountingRead, h.listAccounts)
	r.POST("/accounting/accounts", domain.PermAccountingWrite, h.createAccount)
	r.GET("/accounting/accounts/:id", domain.PermAccountingRead, jsonByID("account", h.svc.Account, toAccountResponse))
	r.PATCH("/accounting/accounts/:id", domain.PermAccountingWrite, h.updateAccount)
	r.DELETE("/accounting/accounts/:id", domain.PermAccountingWrite, deleteByID("account", h.svc.DeleteAccount))
	r.GET("/accounting/journals", domain.PermAccountingRead, h.journals)
	r.GET("/accounting/products/:id/accounts", domain.PermAccountingRead, jsonByID("product", h.svc.ProductAccounts, toProductAccountsResponse))
	r.PUT("/accounting/products/:id/accounts", domain.PermAccountingWrite, h.setProductAccounts)
	r.GET("/accounting/thirdparties/:id/account", domain.PermAccountingRead, jsonByID("third party", h.svc.ThirdPartyAccount, toThirdPartyAccountResponse))
	r.PUT("/accounting/thirdparties/:id/account", domain.PermAccountingWrite, h.setThirdPartyAccount)
	r.GET("/accounting/vat-accounts", domain.PermAccountingRead, h.vatAccounts)
	r.PUT("/accounting/vat-accounts/:rate", domain.PermAccountingWrite, h.setVATAccount)
	r.DELETE("/accounting/vat-accounts/:rate", domain.PermAccountingWrite, h.deleteVATAccount)
	r.POST("/accounting/transfers", domain.PermAccountingWrite, h.transfer)
	r.GET("/accounting/entries", domain.PermAccountingRead, h.entries)
	r.GET("/accounting/export", domain.PermAccountingRead, h.export)
	r.GET("/accounting/periods", domain.PermAccountingRead, h.periods)
	r.POST("/accounting/periods/:period/close", domain.PermAccountingClose, h.close)
	r.POST("/accounting/periods/:period/reopen", domain.PermAccountingReopen, h.reopen)
	r.GET("/reports/trial-balance", domain.PermAccountingRead, h.trialBalance)
	r.GET("/reports/general-ledger", domain.PermAccountingRead, h.ledger)
	r.GET("/reports/balance-sheet", domain.PermAccountingRead, h.statement(true))
	r.GET("/reports/income-statement", domain.PermAccountingRead, h.statement(false))
}

type accountResponse struct {
	ID    int64  `json:"id"`
	Code  string `json:"code"`
	Label string `json:"label"`
	Type  string `json:"type"`
}

func toAccountResponse(a *domain.Account) accountResponse {
	return accountResponse{ID: a.ID, Code: a.Code, Label: a.Label, Type: string(a.Type)}
}

// accountRequest is the body of POST and PATCH /accounting/accounts; the
// code is set at creation only.
type accountRequest struct {
	Code  *string `json:"code"`
	Label *string `json:"label"`
	Type  *string `json:"type"`
}

func (h *AccountingRoutes) listAccounts(c echo.Context) error {
	q, err := ParseList(c, domain.AccountSortFields...)
	if err != nil {
		return err
	}
	page, err := h.svc.Accounts(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return respondList(c, page, q, toAccountResponse)
}

func (h *AccountingRoutes) createAccount(c echo.Context) error {
	var req accountRequest
	if err := Bind(c, &req); err != nil {
		return err
	}
	a := &domain.Account{Code: valueOr(req.Code, ""), Label: valueOr(req.Label, ""), Type: domain.AccountType(valueOr(req.Type, ""))}
	if err := h.svc.CreateAccount(c.Request().Context(), a); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/accounting/accounts/"+strconv.FormatInt(a.ID, 10))
	return c.JSON(http.StatusCreated, toAccountResponse(a))
}

func (h *AccountingRoutes) updateAccount(c echo.Context) error {
	id, err := idParam(c, "account")
	if err != nil {
		return err
	}
	var req accountRequest
	if err := Bind(c, &req); err != nil {
		return err
	}
	if req.Code != nil {
		return domain.Invalid("code", "cannot change: entries carry it; create another account")
	}
	p := domain.AccountPatch{Label: req.Label}
	if req.Type != nil {
		t := domain.AccountType(*req.Type)
		p.Type = &t
	}
	a, err := h.svc.UpdateAccount(c.Request().Context(), id, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAccountResponse(a))
}

type journalResponse struct {
	Journal string `json:"journal"`
	Code    string `json:"code"`
	Label   string `json:"label"`
}

func (h *AccountingRoutes) journals(c echo.Context) error {
	return respondAll(c, domain.Journals(), func(j domain.Journal) journalResponse {
		return journalResponse{Journal: string(j), Code: j.Code(), Label: j.Label()}
	})
}

// respondAll answers a small collection read whole, each element converted
// by conv: {"items": [...]}, or CSV when asked.
func respondAll[E, T any](c echo.Context, es []E, conv func(E) T) error {
	items := make([]T, len(es))
	for i, e := range es {
		items[i] = conv(e)
	}
	return respondItems(c, items, map[string]any{"items": items})
}

type bookingRequest struct {
	From DateField `json:"from"`
	To   DateField `json:"to"`
}

type bookingResponse struct {
	From     string `json:"from"`
	To       string `json:"to"`
	Bookings int    `json:"bookings"`
	Entries  int    `json:"entries"`
}

func (h *AccountingRoutes) transfer(c echo.Context) error {
	var req bookingRequest
	if err := Bind(c, &req); err != nil {
		return err
	}
	v := &domain.ValidationError{}
	for _, f := range []struct {
		name string
		d    DateField
	}{{"from", req.From}, {"to", req.To}} {
		if !f.d.Present {
			v.Add(f.name, "is required")
		}
		f.d.Check(v, f.name, false)
	}
	if err := v.OrNil(); err != nil {
		return err
	}
	res, err := h.svc.Transfer(c.Request().Context(), req.From.Value, req.To.Value)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, bookingResponse{From: formatDate(res.From), To: formatDate(res.To), Bookings: res.Bookings, Entries: res.Entries})
}

type entryResponse struct {
	ID           int64  `json:"id"`
	Journal      string `json:"journal"`
	Date         string `json:"date"`
	DocumentRef  string `json:"document_ref"`
	Account      string `json:"account"`
	Label        string `json:"label"`
	Debit        string `json:"debit"`
	Credit       string `json:"credit"`
	ThirdPartyID *int64 `json:"thirdparty_id"`
	// AmountCurrency and Currency: the entry in the foreign currency it
	// comes from, null in the company currency.
	AmountCurrency *string `json:"amount_currency"`
	Currency       *string `json:"currency"`
}

func toEntryResponse(e *domain.Entry) entryResponse {
	out := entryResponse{
		ID: e.ID, Journal: string(e.Journal), Date: formatDate(e.Date), DocumentRef: e.DocumentRef, Account: e.Account,
		Label: e.Label, Debit: amount(e.Debit), Credit: amount(e.Credit),
	}
	if e.ThirdPartyID != 0 {
		out.ThirdPartyID = &e.ThirdPartyID
	}
	out.AmountCurrency, out.Currency = foreignAmount(e)
	return out
}

// amount writes an accounting amount with two decimals.
func amount(d decimal.Decimal) string { return d.StringFixed(2) }

// foreignAmount writes an entry's amount in its foreign currency, with that
// currency's decimals, and the currency; both nil in the company currency.
func foreignAmount(e *domain.Entry) (*string, *string) {
	if !e.Foreign() {
		return nil, nil
	}
	a, c := e.AmountCurrency.StringFixed(domain.CurrencyPrecision(e.Currency)), e.Currency
	return &a, &c
}

func journalNames() []string {
	var out []string
	for _, j := range domain.Journals() {
		out = append(out, string(j))
	}
	return out
}

func (h *AccountingRoutes) entries(c echo.Context) error {
	v := &domain.ValidationError{}
	f := domain.EntryFilter{
		Journal: domain.Journal(enumQuery(c, "journal", journalNames(), v)),
		Account: strings.TrimSpace(c.QueryParam("account")),
		From:    salesDateParam(c, "from", time.Time{}, v),
		To:      salesDateParam(c, "to", time.Time{}, v),
	}
	q, err := ParseList(c, domain.EntrySortFields...)
	if err != nil {
		return err
	}
	if err := v.OrNil(); err != nil {
		return err
	}
	page, err := h.svc.Entries(c.Request().Context(), f, q)
	if err != nil {
		return err
	}
	return respondList(c, page, q, toEntryResponse)
}

// period reads ?from= (default: the first of January of this year) and
// ?to= (default: today).
func (h *AccountingRoutes) period(c echo.Context, v *domain.ValidationError) domain.AccountingQuery {
	today := h.now().UTC().Truncate(24 * time.Hour)
	q := domain.AccountingQuery{
		From: salesDateParam(c, "from", time.Date(today.Year(), 1, 1, 0, 0, 0, 0, time.UTC), v),
		To:   salesDateParam(c, "to", today, v),
	}
	if q.To.Before(q.From) {
		v.Add("to", "must not be before from")
	}
	return q
}

type trialBalanceRow struct {
	Account string `json:"account"`
	Label   string `json:"label"`
	Type    string `json:"type"`
	Debit   string `json:"debit"`
	Credit  string `json:"credit"`
	Balance string `json:"balance"`
}

func toTrialBalanceRow(r domain.TrialBalanceRow) trialBalanceRow {
	return trialBalanceRow{Account: r.Account, Label: r.Label, Type: string(r.Type), Debit: amount(r.Debit), Credit: amount(r.Credit), Balance: amount(r.Balance())}
}

type balanceTotals struct {
	Debit   string `json:"debit"`
	Credit  string `json:"credit"`
	Balance string `json:"balance"`
}

func (h *AccountingRoutes) trialBalance(c echo.Context) error {
	v := &domain.ValidationError{}
	q := h.period(c, v)
	if err := v.OrNil(); err != nil {
		return err
	}
	var total domain.TrialBalanceRow
	return streamItems(c, h.reports.TrialBalance(c.Request().Context(), q), func(r domain.TrialBalanceRow) trialBalanceRow {
		total.Add(r)
		return toTrialBalanceRow(r)
	}, func() map[string]any {
		return map[string]any{
			"totals": balanceTotals{Debit: amount(total.Debit), Credit: amount(total.Credit), Balance: amount(total.Balance())},
			"from":   formatDate(q.From), "to": formatDate(q.To),
		}
	})
}

type ledgerRow struct {
	entryResponse
	Balance string `json:"balance"`
}

func (h *AccountingRoutes) ledger(c echo.Context) error {
	v := &domain.ValidationError{}
	q := h.period(c, v)
	q.Account = strings.TrimSpace(c.QueryParam("account"))
	if err := v.OrNil(); err != nil {
		return err
	}
	return streamItems(c, h.reports.Ledger(c.Request().Context(), q), func(r domain.LedgerRow) ledgerRow {
		return ledgerRow{entryResponse: toEntryResponse(&r.Entry), Balance: amount(r.Balance)}
	}, func() map[string]any {
		return map[string]any{"account": q.Account, "from": formatDate(q.From), "to": formatDate(q.To)}
	})
}

// statement is the balance sheet (asset, liability and equity accounts,
// from the first entry to ?to=) or the income statement (income and
// expense accounts of ?from=..?to=): the trial balance of those accounts,
// with totals per type and the result. Every booking balances, so the
// result of the balance sheet (its accounts' balances added up) is the
// profit the income accounts and expense accounts show for the same dates.
func (h *AccountingRoutes) statement(sheet bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		v := &domain.ValidationError{}
		q := h.period(c, v)
		q.Types = []domain.AccountType{domain.AccountIncome, domain.AccountExpense}
		if sheet {
			q.From, q.Types = minDate, []domain.AccountType{domain.AccountAsset, domain.AccountLiability, domain.AccountEquity}
		}
		if err := v.OrNil(); err != nil {
			return err
		}
		byType := map[domain.AccountType]decimal.Decimal{}
		result := decimal.Zero
		return streamItems(c, h.reports.TrialBalance(c.Request().Context(), q), func(r domain.TrialBalanceRow) trialBalanceRow {
			byType[r.Type] = byType[r.Type].Add(r.Balance())
			result = result.Add(r.Balance())
			return toTrialBalanceRow(r)
		}, func() map[string]any {
			totals := map[string]string{}
			for _, t := range q.Types {
				totals[string(t)] = amount(byType[t])
			}
			if !sheet {
				result = result.Neg() // income is on the credit side
			}
			return map[string]any{"totals": totals, "result": amount(result), "from": formatDate(q.From), "to": formatDate(q.To)}
		})
	}
}

// fecEntryRow is a row of the CSV export: the FEC's content with JSON names.
type fecEntryRow struct {
	Journal      string `json:"journal"`
	JournalCode  string `json:"journal_code"`
	EntryNum     string `json:"entry_num"`
	Date         string `json:"date"`
	Account      string `json:"account"`
	AccountLabel string `json:"account_label"`
	AuxAccount   string `json:"aux_account"`
	AuxLabel     string `json:"aux_label"`
	DocumentRef  string `json:"document_ref"`
	DocumentDate string `json:"document_date"`
	Label        string `json:"label"`
	Debit        string `json:"debit"`
	Credit       string `json:"credit"`
	BookedOn     string `json:"booked_on"`
	// AmountCurrency and Currency are the FEC's Montantdevise and Idevise
	// (empty in the company currency).
	AmountCurrency *string `json:"amount_currency"`
	Currency       *string `json:"currency"`
}

func toFECEntryRow(r domain.FECRow) fecEntryRow {
	out := fecEntryRow{
		Journal: string(r.Journal), JournalCode: r.Journal.Code(), EntryNum: r.Num, Date: formatDate(r.Date),
		Account: r.Account, AccountLabel: r.AccountLabel, DocumentRef: r.DocumentRef, DocumentDate: formatDate(r.DocumentDate),
		Label: r.Label, Debit: amount(r.Debit), Credit: amount(r.Credit), BookedOn: formatDate(r.BookedAt),
	}
	if r.ThirdPartyID != 0 {
		out.AuxAccount, out.AuxLabel = r.AuxCode, r.AuxLabel
	}
	out.AmountCurrency, out.Currency = foreignAmount(&r.Entry)
	return out
}

// export streams the entries of ?from=..?to= as the FEC (format=fec, one
// fiscal year at a time) or as CSV (format=csv).
func (h *AccountingRoutes) export(c echo.Context) error {
	v := &domain.ValidationError{}
	format := enumQuery(c, "format", []string{"fec", "csv"}, v)
	if format == "" && len(v.Fields) == 0 {
		v.Add("format", "is required: fec or csv")
	}
	q := h.period(c, v)
	if format == "fec" {
		domain.CheckFiscalYear(v, q.From, q.To)
	}
	if err := v.OrNil(); err != nil {
		return err
	}
	rows := h.reports.FEC(c.Request().Context(), q)
	if format == "csv" {
		return writeCSV(c, rows, toFECEntryRow)
	}
	return writeFEC(c, rows, "FEC"+domain.FECDate(q.To)+".txt")
}

// writeFEC streams the FEC file: the header row, then a row per entry, tab
// separated and LF ended (writeStream).
func writeFEC(c echo.Context, rows iter.Seq2[domain.FECRow, error], name string) error {
	w := c.Response()
	line := func(fields []string) { _, _ = w.Write([]byte(strings.Join(fields, "\t") + "\n")) }
	return writeStream(c, rows, "text/plain; charset=utf-8", name, func() {},
		func() { line(domain.FECColumns) }, func(r domain.FECRow) { line(r.FECRecord()) })
}

type periodResponse struct {
	Period   string    `json:"period"`
	ClosedAt time.Time `json:"closed_at"`
	ClosedBy int64     `json:"closed_by"`
}

func toPeriodResponse(p domain.ClosedPeriod) periodResponse {
	return periodResponse{Period: string(p.Period), ClosedAt: p.ClosedAt, ClosedBy: p.ClosedBy}
}

func (h *AccountingRoutes) periods(c echo.Context) error {
	ps, err := h.svc.Periods(c.Request().Context())
	if err != nil {
		return err
	}
	return respondAll(c, ps, toPeriodResponse)
}

func (h *AccountingRoutes) close(c echo.Context) error {
	p, err := domain.ParsePeriod(c.Param("period"))
	if err != nil {
		return err
	}
	if err := Bind(c, &struct{}{}); err != nil {
		return err
	}
	cp, err := h.svc.ClosePeriod(c.Request().Context(), PrincipalOf(c), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPeriodResponse(*cp))
}

func (h *AccountingRoutes) reopen(c echo.Context) error {
	p, err := domain.ParsePeriod(c.Param("period"))
	if err != nil {
		return err
	}
	if err := Bind(c, &struct{}{}); err != nil {
		return err
	}
	if err := h.svc.ReopenPeriod(c.Request().Context(), p); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// optCode writes an optional account code, null when unset.
func optCode(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

type productAccountsResponse struct {
	ProductID   int64   `json:"product_id"`
	SellAccount *string `json:"sell_account"`
	BuyAccount  *string `json:"buy_account"`
}

func toProductAccountsResponse(a *domain.ProductAccounts) productAccountsResponse {
	return productAccountsResponse{ProductID: a.ProductID, SellAccount: optCode(a.Sell), BuyAccount: optCode(a.Buy)}
}

// productAccountsRequest is the body of PUT …/products/{id}/accounts: null
// or absent is the default account.
type productAccountsRequest struct {
	SellAccount *string `json:"sell_account"`
	BuyAccount  *string `json:"buy_account"`
}

func (h *AccountingRoutes) setProductAccounts(c echo.Context) error {
	id, err := idParam(c, "product")
	if err != nil {
		return err
	}
	var req productAccountsRequest
	if err := Bind(c, &req); err != nil {
		return err
	}
	a, err := h.svc.SetProductAccounts(c.Request().Context(), domain.ProductAccounts{ProductID: id, Sell: valueOr(req.SellAccount, ""), Buy: valueOr(req.BuyAccount, "")})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toProductAccountsResponse(a))
}

type thirdPartyAccountResponse struct {
	ThirdPartyID int64   `json:"thirdparty_id"`
	Account      *string `json:"account"`
}

func toThirdPartyAccountResponse(a *domain.ThirdPartyAccount) thirdPartyAccountResponse {
	return thirdPartyAccountResponse{ThirdPartyID: a.ThirdPartyID, Account: optCode(a.Code)}
}

func (h *AccountingRoutes) setThirdPartyAccount(c echo.Context) error {
	id, err := idParam(c, "third party")
	if err != nil {
		return err
	}
	var req struct {
		Account *string `json:"account"`
	}
	if err := Bind(c, &req); err != nil {
		return err
	}
	a, err := h.svc.SetThirdPartyAccount(c.Request().Context(), domain.ThirdPartyAccount{ThirdPartyID: id, Code: valueOr(req.Account, "")})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toThirdPartyAccountResponse(a))
}

type vatAccountResponse struct {
	Rate             string `json:"rate"`
	SalesAccount     string `json:"sales_account"`
	PurchasesAccount string `json:"purchases_account"`
}

func toVATAccountResponse(a domain.VATAccount) vatAccountResponse {
	return vatAccountResponse{Rate: Qty(a.Rate), SalesAccount: a.Sales, PurchasesAccount: a.Purchases}
}

func (h *AccountingRoutes) vatAccounts(c echo.Context) error {
	as, err := h.svc.VATAccounts(c.Request().Context())
	if err != nil {
		return err
	}
	return respondAll(c, as, toVATAccountResponse)
}

// rateParam reads the VAT rate of the path ("20", "5.5").
func rateParam(c echo.Context) (decimal.Decimal, error) {
	r, err := decimal.NewFromString(c.Param("rate"))
	if err != nil {
		return r, domain.Invalid("rate", "must be a VAT rate such as 20 or 5.5")
	}
	return r, nil
}

func (h *AccountingRoutes) setVATAccount(c echo.Context) error {
	rate, err := rateParam(c)
	if err != nil {
		return err
	}
	var req struct {
		SalesAccount     *string `json:"sales_account"`
		PurchasesAccount *string `json:"purchases_account"`
	}
	if err := Bind(c, &req); err != nil {
		return err
	}
	a := domain.VATAccount{Rate: rate, Sales: valueOr(req.SalesAccount, ""), Purchases: valueOr(req.PurchasesAccount, "")}
	if err := h.svc.SetVATAccount(c.Request().Context(), a); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toVATAccountResponse(a))
}

func (h *AccountingRoutes) deleteVATAccount(c echo.Context) error {
	rate, err := rateParam(c)
	if err != nil {
		return err
	}
	if err := h.svc.DeleteVATAccount(c.Request().Context(), rate); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
