package api

import (
	"bytes"
	"context"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/bankstatement"
)

// Bank statements: POST /api/v1/bank-accounts/{id}/statements takes a
// CAMT.053 file (application/xml) or a CSV one (text/csv), read by
// infrastructure/bankstatement; the lines are matched with the account's
// bank lines by the use case. Lines are matched and unmatched by hand at
// /api/v1/bank-statement-lines/{id}/match and …/unmatch.

type bankStatements interface {
	Import(ctx context.Context, actor domain.Principal, accountID int64, st *domain.BankStatement) (domain.StatementImport, error)
	Get(ctx context.Context, id int64) (*domain.BankStatement, error)
	GetLine(ctx context.Context, id int64) (*domain.StatementLine, error)
	Match(ctx context.Context, lineID, bankLineID int64) (*domain.StatementLine, error)
	Unmatch(ctx context.Context, lineID int64) (*domain.StatementLine, error)
}

// BankStatementRoutes is the bank statements area.
type BankStatementRoutes struct {
	svc      bankStatements
	maxBytes int64
}

// NewBankStatementRoutes returns the bank statements area; a statement file
// may be at most maxBytes long (DOLIGO_IMPORT_MAX_SIZE).
func NewBankStatementRoutes(svc bankStatements, maxBytes int64) *BankStatementRoutes {
	return &BankStatementRoutes{svc: svc, maxBytes: maxBytes}
}

// Routes implements Routes.
func (h *BankStatementRoutes) Routes(r *Router) {
	r.upload("/bank-accounts/:id/statements", domain.PermBankReconcile, []string{bankstatement.MediaCAMT, bankstatement.MediaCSV}, h.maxBytes, h.importStatement)
	r.GET("/bank-statements/:id", domain.PermBankRead, jsonByID("bank statement", h.svc.Get, toStatementResponse))
	r.GET("/bank-statement-lines/:id", domain.PermBankRead, jsonByID("bank statement line", h.svc.GetLine, toStatementLineResponse))
	r.POST("/bank-statement-lines/:id/match", domain.PermBankReconcile, h.match)
	r.POST("/bank-statement-lines/:id/unmatch", domain.PermBankReconcile, h.unmatch)
}

type statementLineResponse struct {
	ID                int64   `json:"id"`
	StatementID       int64   `json:"statement_id"`
	BankAccountID     int64   `json:"bank_account_id"`
	Date              string  `json:"date"`
	ValueDate         *string `json:"value_date"`
	Amount            string  `json:"amount"`
	Label             string  `json:"label"`
	Reference         string  `json:"reference"`
	MatchedBankLineID *int64  `json:"matched_bank_line_id"`
}

func toStatementLineResponse(l *domain.StatementLine) statementLineResponse {
	r := statementLineResponse{
		ID: l.ID, StatementID: l.StatementID, BankAccountID: l.BankAccountID, Date: l.Date.Format(DateLayout),
		Amount: Money(l.Amount), Label: l.Label, Reference: l.Reference,
	}
	if l.ValueDate != nil {
		v := l.ValueDate.Format(DateLayout)
		r.ValueDate = &v
	}
	if l.MatchedBankLineID != 0 {
		r.MatchedBankLineID = &l.MatchedBankLineID
	}
	return r
}

type statementResponse struct {
	ID            int64                   `json:"id"`
	BankAccountID int64                   `json:"bank_account_id"`
	Format        string                  `json:"format"`
	ExternalID    string                  `json:"external_id"`
	IBAN          string                  `json:"iban"`
	Currency      string                  `json:"currency"`
	CreatedAt     time.Time               `json:"created_at"`
	Lines         []statementLineResponse `json:"lines"`
	// KnownLines, in an import's answer only, counts the lines of the file
	// imported before (by this statement or an overlapping one).
	KnownLines *int `json:"known_lines,omitempty"`
}

func toStatementResponse(s *domain.BankStatement) statementResponse {
	r := statementResponse{
		ID: s.ID, BankAccountID: s.BankAccountID, Format: s.Format, ExternalID: s.ExternalID, IBAN: s.IBAN,
		Currency: s.Currency, CreatedAt: s.CreatedAt, Lines: make([]statementLineResponse, len(s.Lines)),
	}
	for i := range s.Lines {
		r.Lines[i] = toStatementLineResponse(&s.Lines[i])
	}
	return r
}

// importStatement answers 201 with the statement when it added lines, 200
// with the statement when it added none (the same statement again, or one
// whose every line was imported before).
func (h *BankStatementRoutes) importStatement(c echo.Context) error {
	id, err := idParam(c, "bank account")
	if err != nil {
		return err
	}
	body, err := readBody(c.Request())
	if err != nil {
		return err
	}
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)) // checked by bodyOfType
	st, err := bankstatement.Parse(bytes.NewReader(body), mt, h.maxBytes)
	if err != nil {
		return err
	}
	res, err := h.svc.Import(c.Request().Context(), PrincipalOf(c), id, st)
	if err != nil {
		return err
	}
	out := toStatementResponse(res.Statement)
	out.KnownLines = &res.Known
	status := http.StatusOK
	if res.New() {
		status = http.StatusCreated
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/bank-statements/"+strconv.FormatInt(res.Statement.ID, 10))
	return c.JSON(status, out)
}

type matchRequest struct {
	BankLineID int64 `json:"bank_line_id" validate:"required,gt=0"`
}

func (h *BankStatementRoutes) match(c echo.Context) error {
	id, err := idParam(c, "bank statement line")
	if err != nil {
		return err
	}
	var req matchRequest
	if err := Bind(c, &req); err != nil {
		return err
	}
	l, err := h.svc.Match(c.Request().Context(), id, req.BankLineID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toStatementLineResponse(l))
}

func (h *BankStatementRoutes) unmatch(c echo.Context) error {
	id, err := idParam(c, "bank statement line")
	if err != nil {
		return err
	}
	l, err := h.svc.Unmatch(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toStatementLineResponse(l))
}
