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
)

// Bank statements (migration 000022). The bank lines' side of a match is
// bankLineRepo's; the statements read the numbers of the documents the
// lines' payments settle.

type bankStatementModel struct {
	ID            int64 `gorm:"primaryKey"`
	BankAccountID int64
	Format        string
	Identity      string
	ExternalID    string
	IBAN          string `gorm:"column:iban"`
	Currency      string
	CreatedBy     int64
	CreatedAt     time.Time `gorm:"autoCreateTime:false"`
}

func (bankStatementModel) TableName() string { return "bank_statements" }

type bankStatementLineModel struct {
	ID                int64 `gorm:"primaryKey"`
	StatementID       int64
	BankAccountID     int64
	Position          int
	Identity          string
	LineDate          time.Time
	ValueDate         *time.Time
	Amount            decimal.Decimal
	Label             string
	Reference         string
	BankRef           string
	MatchedBankLineID *int64
}

func (bankStatementLineModel) TableName() string { return "bank_statement_lines" }

func (m bankStatementModel) statement() *domain.BankStatement {
	return &domain.BankStatement{
		ID: m.ID, BankAccountID: m.BankAccountID, Format: m.Format, Identity: m.Identity, ExternalID: m.ExternalID,
		IBAN: m.IBAN, Currency: m.Currency, CreatedBy: m.CreatedBy, CreatedAt: m.CreatedAt.UTC(),
	}
}

func (m bankStatementLineModel) line() *domain.StatementLine {
	l := &domain.StatementLine{
		ID: m.ID, StatementID: m.StatementID, BankAccountID: m.BankAccountID, Position: m.Position, Identity: m.Identity,
		Date: dateOnly(m.LineDate), ValueDate: optDate(m.ValueDate), Amount: m.Amount, Label: m.Label,
		Reference: m.Reference, BankRef: m.BankRef,
	}
	if m.MatchedBankLineID != nil {
		l.MatchedBankLineID = *m.MatchedBankLineID
	}
	return l
}

type bankStatementRepo struct{ db *gorm.DB }

func (r *bankStatementRepo) Get(ctx context.Context, id int64) (*domain.BankStatement, error) {
	return r.withLines(ctx, r.db.WithContext(ctx).Where("id = ?", id), id)
}

func (r *bankStatementRepo) ByIdentity(ctx context.Context, accountID int64, identity string) (*domain.BankStatement, error) {
	return r.withLines(ctx, r.db.WithContext(ctx).Where("bank_account_id = ? AND identity = ?", accountID, identity), 0) // ErrNotFound: a new statement
}

func (r *bankStatementRepo) withLines(ctx context.Context, q *gorm.DB, id int64) (*domain.BankStatement, error) {
	var m bankStatementModel
	if err := takeOne(q, &m, "bank statement", id); err != nil {
		return nil, err
	}
	var lines []bankStatementLineModel
	if err := r.db.WithContext(ctx).Where("statement_id = ?", m.ID).Order("id").Find(&lines).Error; err != nil {
		return nil, fmt.Errorf("read the lines of bank statement %d: %w", m.ID, err)
	}
	s := m.statement()
	s.Lines = make([]domain.StatementLine, len(lines))
	for i, l := range lines {
		s.Lines[i] = *l.line()
	}
	return s, nil
}

func (r *bankStatementRepo) KnownLines(ctx context.Context, accountID int64, identities []string) (map[string]bool, error) {
	known := map[string]bool{}
	for chunk := range slices.Chunk(identities, 500) {
		var got []string
		err := r.db.WithContext(ctx).Model(&bankStatementLineModel{}).
			Where("bank_account_id = ? AND identity IN ?", accountID, chunk).Pluck("identity", &got).Error
		if err != nil {
			return nil, fmt.Errorf("read the known statement lines of bank account %d: %w", accountID, err)
		}
		for _, id := range got {
			known[id] = true
		}
	}
	return known, nil
}

func (r *bankStatementRepo) Create(ctx context.Context, s *domain.BankStatement) error {
	m := bankStatementModel{
		BankAccountID: s.BankAccountID, Format: s.Format, Identity: s.Identity, ExternalID: s.ExternalID,
		IBAN: s.IBAN, Currency: s.Currency, CreatedBy: s.CreatedBy, CreatedAt: dbTime(s.CreatedAt),
	}
	if err := r.db.WithContext(ctx).Create(&m).Error; err != nil {
		if uniqueViolated(err) { // the same statement, imported by a concurrent request
			return domain.Conflictf("duplicate-statement", "this statement is being imported by another request: send it again")
		}
		return fmt.Errorf("record bank statement: %w", err)
	}
	s.ID = m.ID
	if len(s.Lines) == 0 {
		return nil
	}
	rows := make([]bankStatementLineModel, len(s.Lines))
	for i, l := range s.Lines {
		rows[i] = bankStatementLineModel{
			StatementID: s.ID, BankAccountID: s.BankAccountID, Position: l.Position, Identity: l.Identity,
			LineDate: dateOnly(l.Date), ValueDate: optDate(l.ValueDate), Amount: l.Amount, Label: l.Label,
			Reference: l.Reference, BankRef: l.BankRef,
		}
	}
	if err := r.db.WithContext(ctx).CreateInBatches(&rows, 200).Error; err != nil {
		if uniqueViolated(err) {
			return domain.Conflictf("duplicate-statement", "lines of this statement are being imported by another request: send it again")
		}
		return fmt.Errorf("record the lines of bank statement %d: %w", s.ID, err)
	}
	for i := range s.Lines {
		s.Lines[i].ID, s.Lines[i].StatementID, s.Lines[i].BankAccountID = rows[i].ID, s.ID, s.BankAccountID
	}
	return nil
}

func (r *bankStatementRepo) GetLine(ctx context.Context, id int64) (*domain.StatementLine, error) {
	return r.line(r.db.WithContext(ctx), id)
}

func (r *bankStatementRepo) LockLine(ctx context.Context, id int64) (*domain.StatementLine, error) {
	return r.line(r.db.WithContext(ctx).Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}), id)
}

func (r *bankStatementRepo) line(q *gorm.DB, id int64) (*domain.StatementLine, error) {
	var m bankStatementLineModel
	if err := takeOne(q.Where("id = ?", id), &m, "bank statement line", id); err != nil {
		return nil, err
	}
	return m.line(), nil
}

func (r *bankStatementRepo) DocumentRefs(ctx context.Context, ids []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	for chunk := range slices.Chunk(ids, 500) {
		var rows []struct {
			ID          int64
			Ref         *string
			SupplierRef *string
		}
		err := r.db.WithContext(ctx).Table("payments p").
			Select("p.id AS id, d.ref AS ref, d.supplier_ref AS supplier_ref").
			Joins("JOIN commercial_documents d ON d.id = p.document_id").
			Where("p.id IN ?", chunk).Find(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("read the documents of bank lines' payments: %w", err)
		}
		for _, p := range rows {
			for _, ref := range []*string{p.Ref, p.SupplierRef} {
				if ref != nil && *ref != "" {
					out[p.ID] = append(out[p.ID], *ref)
				}
			}
		}
	}
	return out, nil
}

func (r *bankStatementRepo) SetLineMatch(ctx context.Context, lineID, bankLineID int64) error {
	var id *int64
	if bankLineID != 0 {
		id = &bankLineID
	}
	err := r.db.WithContext(ctx).Model(&bankStatementLineModel{}).Where("id = ?", lineID).Update("matched_bank_line_id", id).Error
	switch {
	case err != nil && uniqueViolated(err):
		return domain.Conflictf("already-reconciled", "bank line %d is matched with another statement line", bankLineID)
	case err != nil:
		return fmt.Errorf("match statement line %d: %w", lineID, err)
	}
	return nil
}
