package gormdb

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// bankAccountModel is a row of bank_accounts. IsDefault is TRUE on the
// default account and NULL on the others (a unique index allows one TRUE).
type bankAccountModel struct {
	ID             int64 `gorm:"primaryKey"`
	Ref            string
	Label          string
	IBAN           string `gorm:"column:iban"`
	BIC            string `gorm:"column:bic"`
	Currency       string
	OpeningBalance decimal.Decimal
	OpeningDate    time.Time
	AccountingCode string
	IsDefault      *bool
	Balance        decimal.Decimal
	CreatedAt      time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt      time.Time `gorm:"autoUpdateTime:false"`
}

func (bankAccountModel) TableName() string { return "bank_accounts" }

func toBankAccountModel(a *domain.BankAccount) bankAccountModel {
	m := bankAccountModel{
		ID: a.ID, Ref: a.Ref, Label: a.Label, IBAN: a.IBAN, BIC: a.BIC, Currency: a.Currency,
		OpeningBalance: a.OpeningBalance, OpeningDate: dateOnly(a.OpeningDate), AccountingCode: a.AccountingCode,
		Balance: a.Balance, CreatedAt: dbTime(a.CreatedAt), UpdatedAt: dbTime(a.UpdatedAt),
	}
	if a.IsDefault {
		m.IsDefault = &a.IsDefault
	}
	return m
}

func (m bankAccountModel) account() *domain.BankAccount {
	return &domain.BankAccount{
		ID: m.ID, Ref: m.Ref, Label: m.Label, IBAN: m.IBAN, BIC: m.BIC, Currency: m.Currency,
		OpeningBalance: m.OpeningBalance, OpeningDate: dateOnly(m.OpeningDate), AccountingCode: m.AccountingCode,
		IsDefault: m.IsDefault != nil && *m.IsDefault, Balance: m.Balance,
		CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
	}
}

type bankAccountRepo struct{ db *gorm.DB }

func (r *bankAccountRepo) Create(ctx context.Context, a *domain.BankAccount) error {
	m := toBankAccountModel(a)
	m.IsDefault = nil // MakeDefault sets it: the ref is then the one unique value an insert can violate
	if err := r.db.WithContext(ctx).Create(&m).Error; err != nil {
		if uniqueViolated(err) {
			return domain.ErrDuplicateBankRef(a.Ref)
		}
		return fmt.Errorf("create bank account: %w", err)
	}
	a.ID = m.ID
	return nil
}

func (r *bankAccountRepo) Get(ctx context.Context, id int64) (*domain.BankAccount, error) {
	return r.take(r.db.WithContext(ctx).Where("id = ?", id), id)
}

func (r *bankAccountRepo) Lock(ctx context.Context, id int64) (*domain.BankAccount, error) {
	return r.take(r.db.WithContext(ctx).Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).Where("id = ?", id), id)
}

func (r *bankAccountRepo) take(q *gorm.DB, id int64) (*domain.BankAccount, error) {
	var m bankAccountModel
	if err := takeOne(q, &m, "bank account", id); err != nil {
		return nil, err
	}
	return m.account(), nil
}

func (r *bankAccountRepo) Default(ctx context.Context) (*domain.BankAccount, error) {
	var m bankAccountModel
	err := r.db.WithContext(ctx).Where("is_default IS NOT NULL").Order("id").Limit(1).Find(&m).Error
	switch {
	case err != nil:
		return nil, fmt.Errorf("read the default bank account: %w", err)
	case m.ID == 0:
		return nil, domain.NewProblem(domain.ErrNotFound, "not-found", "there is no bank account")
	}
	return m.account(), nil
}

func (r *bankAccountRepo) Count(ctx context.Context) (int64, error) {
	var n int64
	if err := r.db.WithContext(ctx).Model(&bankAccountModel{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count bank accounts: %w", err)
	}
	return n, nil
}

func (r *bankAccountRepo) LockMany(ctx context.Context, ids []int64) ([]*domain.BankAccount, error) {
	rows, err := lockByIDs(ctx, r.db, ids, "bank account", func(m bankAccountModel) int64 { return m.ID })
	if err != nil {
		return nil, err
	}
	out := make([]*domain.BankAccount, len(rows))
	for i, m := range rows {
		out[i] = m.account()
	}
	return out, nil
}

// lockByIDs locks the rows of M with the ids, in id order (the one lock
// order of every writer of the table); NotFound names the first id missing.
func lockByIDs[M any](ctx context.Context, db *gorm.DB, ids []int64, entity string, idOf func(M) int64) ([]M, error) {
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	var rows []M
	err := db.WithContext(ctx).Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
		Where("id IN ?", sorted).Order("id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("lock %ss: %w", entity, err)
	}
	for i, id := range sorted {
		if i >= len(rows) || idOf(rows[i]) != id {
			return nil, domain.NotFound(entity, id)
		}
	}
	return rows, nil
}

func (r *bankAccountRepo) List(ctx context.Context, q domain.ListQuery) (domain.Page[*domain.BankAccount], error) {
	filtered := func() *gorm.DB { return r.db.WithContext(ctx).Model(&bankAccountModel{}) }
	cols := map[string]string{}
	for _, f := range domain.BankAccountSortFields {
		cols[f] = f
	}
	page, err := listPage(filtered, q, cols, false, infallible(bankAccountModel.account))
	if err != nil {
		return page, fmt.Errorf("list bank accounts: %w", err)
	}
	return page, nil
}

func (r *bankAccountRepo) Save(ctx context.Context, a *domain.BankAccount) error {
	m := toBankAccountModel(a)
	err := r.db.WithContext(ctx).Model(&bankAccountModel{}).Where("id = ?", a.ID).Updates(map[string]any{
		"ref": m.Ref, "label": m.Label, "iban": m.IBAN, "bic": m.BIC, "currency": m.Currency,
		"opening_balance": m.OpeningBalance, "opening_date": m.OpeningDate, "accounting_code": m.AccountingCode,
		"balance": m.Balance, "updated_at": m.UpdatedAt,
	}).Error
	if err != nil {
		if uniqueViolated(err) {
			return domain.ErrDuplicateBankRef(a.Ref)
		}
		return fmt.Errorf("update bank account %d: %w", a.ID, err)
	}
	return nil
}

func (r *bankAccountRepo) SaveBalance(ctx context.Context, a *domain.BankAccount) error {
	err := r.db.WithContext(ctx).Model(&bankAccountModel{}).Where("id = ?", a.ID).Update("balance", a.Balance).Error
	if err != nil {
		return fmt.Errorf("update the balance of bank account %d: %w", a.ID, err)
	}
	return nil
}

func (r *bankAccountRepo) MakeDefault(ctx context.Context, id int64) error {
	db := r.db.WithContext(ctx).Model(&bankAccountModel{})
	if err := db.Where("is_default IS NOT NULL AND id <> ?", id).Update("is_default", nil).Error; err != nil {
		return fmt.Errorf("unset the default bank account: %w", err)
	}
	err := r.db.WithContext(ctx).Model(&bankAccountModel{}).Where("id = ?", id).Update("is_default", true).Error
	if err != nil {
		if uniqueViolated(err) { // another account made the default at the same time
			return domain.Conflictf("concurrent-default", "another bank account was made the default at the same time: try again")
		}
		return fmt.Errorf("make bank account %d the default: %w", id, err)
	}
	return nil
}

func (r *bankAccountRepo) Delete(ctx context.Context, id int64) error {
	return deleteOne(ctx, r.db.Where("id = ?", id), &bankAccountModel{}, "bank account", id)
}

// bankLineModel is a row of bank_lines.
type bankLineModel struct {
	ID              int64 `gorm:"primaryKey"`
	AccountID       int64
	LineDate        time.Time
	Amount          decimal.Decimal
	Label           string
	BalanceAfter    decimal.Decimal
	Kind            string
	PaymentID       *int64
	TransferID      *int64
	Reconciled      bool
	StatementLineID *int64
	CreatedBy       *int64
	CreatedAt       time.Time `gorm:"autoCreateTime:false"`
}

func (bankLineModel) TableName() string { return "bank_lines" }

func toBankLineModel(l *domain.BankLine) bankLineModel {
	return bankLineModel{
		ID: l.ID, AccountID: l.AccountID, LineDate: dateOnly(l.Date), Amount: l.Amount, Label: l.Label,
		BalanceAfter: l.BalanceAfter, Kind: string(l.Kind), PaymentID: optID(l.PaymentID), TransferID: optID(l.TransferID),
		Reconciled: l.Reconciled, StatementLineID: optID(l.StatementLineID), CreatedBy: optID(l.CreatedBy),
		CreatedAt: dbTime(l.CreatedAt),
	}
}

func idOf(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func (m bankLineModel) line() *domain.BankLine {
	return &domain.BankLine{
		ID: m.ID, AccountID: m.AccountID, Date: dateOnly(m.LineDate), Amount: m.Amount, Label: m.Label,
		BalanceAfter: m.BalanceAfter, Kind: domain.BankLineKind(m.Kind), PaymentID: idOf(m.PaymentID),
		TransferID: idOf(m.TransferID), Reconciled: m.Reconciled, StatementLineID: idOf(m.StatementLineID),
		CreatedBy: idOf(m.CreatedBy), CreatedAt: m.CreatedAt.UTC(),
	}
}

type bankLineRepo struct {
	db      *gorm.DB
	dialect string
}

func (r *bankLineRepo) Add(ctx context.Context, lines ...*domain.BankLine) error {
	return insertAll(ctx, r.db, lines, toBankLineModel, func(l *domain.BankLine, m bankLineModel) { l.ID = m.ID }, "bank lines")
}

func (r *bankLineRepo) LinkTransfer(ctx context.Context, out, in *domain.BankLine) error {
	for _, pair := range [][2]*domain.BankLine{{out, in}, {in, out}} {
		if err := r.db.WithContext(ctx).Model(&bankLineModel{}).Where("id = ?", pair[0].ID).Update("transfer_id", pair[1].ID).Error; err != nil {
			return fmt.Errorf("link transfer lines: %w", err)
		}
		pair[0].TransferID = pair[1].ID
	}
	return nil
}

// between keeps the lines dated from to to, both included (a zero bound is
// none); on SQLite the column's text is longer than a bare date (see
// reportDialect.upTo).
func (r *bankLineRepo) between(db *gorm.DB, from, to time.Time) *gorm.DB {
	d := reportDialect(r.dialect)
	if !from.IsZero() {
		db = db.Where("line_date >= "+d.date(), day(from))
	}
	if !to.IsZero() {
		cond, args := d.upTo("line_date", to)
		db = db.Where(cond, args...)
	}
	return db
}

func (r *bankLineRepo) List(ctx context.Context, f domain.BankLineFilter) (domain.Page[*domain.BankLine], error) {
	filtered := func() *gorm.DB {
		return r.between(r.db.WithContext(ctx).Model(&bankLineModel{}).Where("account_id = ?", f.AccountID), f.From, f.To)
	}
	cols := map[string]string{"id": "id", "date": "line_date", "amount": "amount"}
	if r.dialect == sqldialect.SQLite {
		cols["amount"] = "CAST(amount AS REAL)" // exact TEXT would sort "10" before "9"
	}
	page, err := listPage(filtered, f.ListQuery, cols, false, infallible(bankLineModel.line))
	if err != nil {
		return page, fmt.Errorf("list bank lines of account %d: %w", f.AccountID, err)
	}
	return page, nil
}

func (r *bankLineRepo) OfPayment(ctx context.Context, paymentID int64) (*domain.BankLine, error) {
	var m bankLineModel
	q := r.db.WithContext(ctx).Where("payment_id = ? AND kind = ?", paymentID, string(domain.BankLinePayment))
	if err := takeOne(q, &m, "bank line of payment", paymentID); err != nil {
		return nil, err
	}
	return m.line(), nil
}

func (r *bankLineRepo) Unreconciled(ctx context.Context, accountID int64, from, to time.Time) ([]*domain.BankLine, error) {
	var rows []bankLineModel
	q := r.between(r.db.WithContext(ctx).Where("account_id = ? AND reconciled = ?", accountID, false), from, to)
	if err := q.Order("line_date, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read unreconciled lines of bank account %d: %w", accountID, err)
	}
	return lines(rows), nil
}

func lines(rows []bankLineModel) []*domain.BankLine {
	out := make([]*domain.BankLine, len(rows))
	for i, m := range rows {
		out[i] = m.line()
	}
	return out
}

func (r *bankLineRepo) Exists(ctx context.Context, accountID int64) (bool, error) {
	var ids []int64
	if err := r.db.WithContext(ctx).Model(&bankLineModel{}).Where("account_id = ?", accountID).Limit(1).Pluck("id", &ids).Error; err != nil {
		return false, fmt.Errorf("read lines of bank account %d: %w", accountID, err)
	}
	return len(ids) > 0, nil
}

func (r *bankLineRepo) LockLines(ctx context.Context, ids []int64) ([]*domain.BankLine, error) {
	rows, err := lockByIDs(ctx, r.db, ids, "bank line", func(m bankLineModel) int64 { return m.ID })
	if err != nil {
		return nil, err
	}
	return lines(rows), nil
}

func (r *bankLineRepo) SetReconciled(ctx context.Context, l *domain.BankLine) error {
	err := r.db.WithContext(ctx).Model(&bankLineModel{}).Where("id = ?", l.ID).Updates(map[string]any{
		"reconciled": l.Reconciled, "statement_line_id": optID(l.StatementLineID),
	}).Error
	if err != nil {
		return fmt.Errorf("reconcile bank line %d: %w", l.ID, err)
	}
	return nil
}
