package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

// bankAccountRequest is the body of POST (ref, label, currency and
// opening_date required; opening_balance 0 by default) and PATCH (absent
// fields stay) /bank-accounts. is_default true makes the account the
// company's default one.
type bankAccountRequest struct {
	Ref            *string   `json:"ref"`
	Label          *string   `json:"label"`
	IBAN           *string   `json:"iban"`
	BIC            *string   `json:"bic"`
	Currency       *string   `json:"currency"`
	OpeningBalance Decimal   `json:"opening_balance"`
	OpeningDate    DateField `json:"opening_date"`
	AccountingCode *string   `json:"accounting_code"`
	IsDefault      *bool     `json:"is_default"`
}

func (r *bankAccountRequest) check(v *domain.ValidationError) {
	r.OpeningBalance.Check(v, "opening_balance", false)
	r.OpeningDate.Check(v, "opening_date", false)
}

func (r *bankAccountRequest) toAccount() *domain.BankAccount {
	a := &domain.BankAccount{
		Ref: valueOr(r.Ref, ""), Label: valueOr(r.Label, ""), IBAN: valueOr(r.IBAN, ""), BIC: valueOr(r.BIC, ""),
		Currency: valueOr(r.Currency, ""), OpeningBalance: r.OpeningBalance.Value, OpeningDate: r.OpeningDate.Value,
		AccountingCode: valueOr(r.AccountingCode, ""), IsDefault: valueOr(r.IsDefault, false),
	}
	a.Normalize()
	return a
}

func (r *bankAccountRequest) toPatch() domain.BankAccountPatch {
	return domain.BankAccountPatch{
		Ref: r.Ref, Label: r.Label, IBAN: r.IBAN, BIC: r.BIC, Currency: r.Currency, AccountingCode: r.AccountingCode,
		OpeningBalance: r.OpeningBalance.Ptr(), OpeningDate: r.OpeningDate.Ptr(), IsDefault: r.IsDefault,
	}
}

type bankAccountResponse struct {
	ID             int64     `json:"id"`
	Ref            string    `json:"ref"`
	Label          string    `json:"label"`
	IBAN           string    `json:"iban"`
	BIC            string    `json:"bic"`
	Currency       string    `json:"currency"`
	OpeningBalance string    `json:"opening_balance"`
	OpeningDate    string    `json:"opening_date"`
	AccountingCode string    `json:"accounting_code"`
	IsDefault      bool      `json:"is_default"`
	Balance        string    `json:"balance"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

func toBankAccountResponse(a *domain.BankAccount) bankAccountResponse {
	return bankAccountResponse{
		ID: a.ID, Ref: a.Ref, Label: a.Label, IBAN: a.IBAN, BIC: a.BIC, Currency: a.Currency,
		OpeningBalance: domain.FormatMoney(a.OpeningBalance, a.Currency), OpeningDate: formatDate(a.OpeningDate),
		AccountingCode: a.AccountingCode, IsDefault: a.IsDefault, Balance: domain.FormatMoney(a.Balance, a.Currency),
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}
}

type bankLineResponse struct {
	ID              int64     `json:"id"`
	AccountID       int64     `json:"account_id"`
	Date            string    `json:"date"`
	Amount          string    `json:"amount"`
	Label           string    `json:"label"`
	BalanceAfter    string    `json:"balance_after"`
	Kind            string    `json:"kind"`
	PaymentID       *int64    `json:"payment_id"`
	TransferID      *int64    `json:"transfer_id"`
	Reconciled      bool      `json:"reconciled"`
	StatementLineID *int64    `json:"statement_line_id"`
	CreatedAt       time.Time `json:"created_at"`
}

// toBankLineResponse writes amounts with the decimals of the account's
// currency.
func toBankLineResponse(l *domain.BankLine) bankLineResponse {
	return bankLineResponse{
		ID: l.ID, AccountID: l.AccountID, Date: formatDate(l.Date), Amount: domain.FormatMoney(l.Amount, l.Currency), Label: l.Label,
		BalanceAfter: domain.FormatMoney(l.BalanceAfter, l.Currency), Kind: string(l.Kind), PaymentID: optPositive(l.PaymentID),
		TransferID: optPositive(l.TransferID), Reconciled: l.Reconciled, StatementLineID: optPositive(l.StatementLineID),
		CreatedAt: l.CreatedAt,
	}
}

type bankTransferRequest struct {
	FromAccountID int64     `json:"from_account_id"`
	ToAccountID   int64     `json:"to_account_id"`
	Amount        Decimal   `json:"amount"`
	ToAmount      Decimal   `json:"to_amount"` // between two currencies: what to_account_id receives
	Date          DateField `json:"date"`      // default today
	Label         string    `json:"label"`
}

func (r *bankTransferRequest) check(v *domain.ValidationError) {
	r.Amount.Check(v, "amount", true)
	if r.ToAmount.Check(v, "to_amount", false) && !r.ToAmount.Value.IsPositive() {
		v.Add("to_amount", "must be greater than 0") // sent as 0, it would read as left out
	}
	r.Date.Check(v, "date", false)
}

// bankTransferResponse is the two lines a transfer wrote.
type bankTransferResponse struct {
	From bankLineResponse `json:"from"`
	To   bankLineResponse `json:"to"`
}

type bankService interface {
	Create(ctx context.Context, a *domain.BankAccount) error
	Get(ctx context.Context, id int64) (*domain.BankAccount, error)
	List(ctx context.Context, q domain.ListQuery) (domain.Page[*domain.BankAccount], error)
	Update(ctx context.Context, id int64, patch domain.BankAccountPatch) (*domain.BankAccount, error)
	Delete(ctx context.Context, id int64) error
	Lines(ctx context.Context, f domain.BankLineFilter) (domain.Page[*domain.BankLine], error)
	Transfer(ctx context.Context, actor domain.Principal, t domain.BankTransfer) ([2]*domain.BankLine, error)
}

// BankRoutes is /api/v1/bank-accounts, their lines and transfers.
type BankRoutes struct{ svc bankService }

// NewBankRoutes returns the bank area.
func NewBankRoutes(svc bankService) *BankRoutes { return &BankRoutes{svc: svc} }

// Routes implements Routes.
func (h *BankRoutes) Routes(r *Router) {
	r.GET("/bank-accounts", domain.PermBankRead, h.list)
	r.POST("/bank-accounts", domain.PermBankWrite, createChecked("/bank-accounts", (*bankAccountRequest).check,
		(*bankAccountRequest).toAccount, (*domain.BankAccount).Check, h.svc.Create,
		func(a *domain.BankAccount) int64 { return a.ID }, toBankAccountResponse))
	r.POST("/bank-accounts/transfers", domain.PermBankWrite, h.transfer)
	r.GET("/bank-accounts/:id", domain.PermBankRead, jsonByID("bank account", h.svc.Get, toBankAccountResponse))
	r.PATCH("/bank-accounts/:id", domain.PermBankWrite, patchByID("bank account", (*bankAccountRequest).check,
		func(ctx context.Context, id int64, req *bankAccountRequest) (*domain.BankAccount, error) {
			return h.svc.Update(ctx, id, req.toPatch())
		}, toBankAccountResponse))
	r.DELETE("/bank-accounts/:id", domain.PermBankWrite, deleteByID("bank account", h.svc.Delete))
	r.GET("/bank-accounts/:id/lines", domain.PermBankRead, h.lines)
}

func (h *BankRoutes) list(c echo.Context) error {
	q, err := ParseList(c, domain.BankAccountSortFields...)
	if err != nil {
		return err
	}
	page, err := h.svc.List(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return respondList(c, page, q, toBankAccountResponse)
}

// lines is GET /bank-accounts/{id}/lines?from=&to=: the account's lines
// dated from to to (both included), in the order they were written unless
// sorted.
func (h *BankRoutes) lines(c echo.Context) error {
	id, err := idParam(c, "bank account")
	if err != nil {
		return err
	}
	q, err := ParseList(c, domain.BankLineSortFields...)
	verr := &domain.ValidationError{}
	if err != nil && !errors.As(err, &verr) {
		return err
	}
	f := domain.BankLineFilter{
		ListQuery: q, AccountID: id,
		From: salesDateParam(c, "from", time.Time{}, verr), To: salesDateParam(c, "to", time.Time{}, verr),
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		verr.Add("to", "must not be before from")
	}
	if err := verr.OrNil(); err != nil {
		return err
	}
	page, err := h.svc.Lines(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return respondList(c, page, q, toBankLineResponse)
}

func (h *BankRoutes) transfer(c echo.Context) error {
	var req bankTransferRequest
	if err := BindChecked(c, &req, req.check); err != nil {
		return err
	}
	lines, err := h.svc.Transfer(c.Request().Context(), PrincipalOf(c), domain.BankTransfer{
		FromAccountID: req.FromAccountID, ToAccountID: req.ToAccountID, Amount: req.Amount.Value, ToAmount: req.ToAmount.Value,
		Date: req.Date.Value, Label: req.Label,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, bankTransferResponse{From: toBankLineResponse(lines[0]), To: toBankLineResponse(lines[1])})
}
