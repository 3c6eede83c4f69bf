package usecase

import (
	"context"
	"errors"
	"time"

	"github.com/doligo/doligo/internal/domain"
)

// BankStatementService imports bank statements into bank accounts and
// reconciles their lines with the bank lines the payments wrote.
//
// Locks: the bank account's row first (imports and matches of one account
// run one after the other, and after any payment writing a line into it),
// then the statement line, then the bank lines, in id order.
type BankStatementService struct {
	uow domain.UnitOfWork
	now func() time.Time
}

// NewBankStatementService returns a BankStatementService; now is its clock.
func NewBankStatementService(uow domain.UnitOfWork, now func() time.Time) *BankStatementService {
	return &BankStatementService{uow: uow, now: now}
}

// statementAudit is what the audit trail keeps of an import: not every line.
type statementAudit struct {
	BankAccountID int64  `json:"bank_account_id"`
	Format        string `json:"format"`
	ExternalID    string `json:"external_id,omitempty"`
	Lines         int    `json:"lines"`
	KnownLines    int    `json:"known_lines"`
}

// Import records statement st (as parsed, identities set) in bank account
// accountID, in one transaction: a statement already imported is returned
// as it is (nothing written); otherwise the statement is recorded with the
// lines the account does not have yet, and each new line is matched
// automatically (domain.MatchStatementLines) with an unreconciled bank line,
// which becomes reconciled. A statement of another account (its IBAN) or
// whose amounts do not fit the account's currency is a 422.
func (s *BankStatementService) Import(ctx context.Context, actor domain.Principal, accountID int64, st *domain.BankStatement) (domain.StatementImport, error) {
	now := stamp(s.now())
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (domain.StatementImport, error) {
		acct, err := r.BankAccounts.Lock(ctx, accountID)
		if err != nil {
			return domain.StatementImport{}, err
		}
		if err := st.CheckAccount(acct); err != nil {
			return domain.StatementImport{}, err
		}
		prev, err := r.BankStatements.ByIdentity(ctx, acct.ID, st.Identity)
		if err == nil {
			return domain.StatementImport{Statement: prev, Known: len(st.Lines)}, nil
		}
		if !errors.Is(err, domain.ErrNotFound) {
			return domain.StatementImport{}, err
		}
		ids := make([]string, len(st.Lines))
		for i, l := range st.Lines {
			ids[i] = l.Identity
		}
		known, err := r.BankStatements.KnownLines(ctx, acct.ID, ids)
		if err != nil {
			return domain.StatementImport{}, err
		}
		fresh := *st // st stays as parsed: this function may run again
		fresh.BankAccountID, fresh.CreatedBy, fresh.CreatedAt = acct.ID, actor.UserID, now
		if fresh.Currency == "" {
			fresh.Currency = acct.Currency
		}
		fresh.Lines = make([]domain.StatementLine, 0, len(st.Lines))
		for _, l := range st.Lines {
			if !known[l.Identity] {
				fresh.Lines = append(fresh.Lines, l)
			}
		}
		if err := r.BankStatements.Create(ctx, &fresh); err != nil {
			return domain.StatementImport{}, err
		}
		res := domain.StatementImport{Statement: &fresh, Created: true, Known: len(st.Lines) - len(fresh.Lines)}
		if err := audited(ctx, r, "bank_statement.import", "bank_statement", fresh.ID, nil, statementAudit{
			BankAccountID: acct.ID, Format: fresh.Format, ExternalID: fresh.ExternalID, Lines: len(fresh.Lines), KnownLines: res.Known,
		}); err != nil {
			return res, err
		}
		return res, autoMatch(ctx, r, acct.ID, fresh.Lines)
	})
}

// autoMatch matches lines (new, of one account whose row is locked) with
// the account's unreconciled bank lines dated within the matching window of
// any of them, locked in id order.
func autoMatch(ctx context.Context, r domain.Repositories, accountID int64, lines []domain.StatementLine) error {
	if len(lines) == 0 {
		return nil
	}
	from, to := lines[0].Date, lines[0].Date
	for _, l := range lines {
		from, to = minTime(from, l.Date), maxTime(to, l.Date)
	}
	window := domain.MatchWindowDays * 24 * time.Hour
	open, err := r.BankLines.Unreconciled(ctx, accountID, from.Add(-window), to.Add(window))
	if err != nil || len(open) == 0 {
		return err
	}
	ids := make([]int64, len(open))
	for i, b := range open {
		ids[i] = b.ID
	}
	locked, err := r.BankLines.LockLines(ctx, ids)
	if err != nil {
		return err
	}
	var payments []int64
	for _, b := range locked {
		if b.PaymentID != 0 {
			payments = append(payments, b.PaymentID)
		}
	}
	refs, err := r.BankStatements.DocumentRefs(ctx, payments)
	if err != nil {
		return err
	}
	byID := make(map[int64]*domain.BankLine, len(locked))
	cands := make([]domain.MatchCandidate, 0, len(locked))
	for _, b := range locked {
		if b.Reconciled { // by another unit of work since it was read
			continue
		}
		byID[b.ID] = b
		cands = append(cands, domain.MatchCandidate{ID: b.ID, Date: b.Date, Amount: b.Amount, DocumentRefs: refs[b.PaymentID]})
	}
	pairs := domain.MatchStatementLines(lines, cands)
	for i := range lines {
		if b, ok := pairs[i]; ok {
			if err := match(ctx, r, &lines[i], byID[b]); err != nil {
				return err
			}
		}
	}
	return nil
}

// match records that statement line l is bank line b, on both sides.
func match(ctx context.Context, r domain.Repositories, l *domain.StatementLine, b *domain.BankLine) error {
	b.Reconciled, b.StatementLineID = true, l.ID
	if err := r.BankLines.SetReconciled(ctx, b); err != nil {
		return err
	}
	if err := r.BankStatements.SetLineMatch(ctx, l.ID, b.ID); err != nil {
		return err
	}
	l.MatchedBankLineID = b.ID
	if err := auditedField(ctx, r, "bank_statement_line.match", "bank_statement_line", l.ID, "matched_bank_line_id", nil, b.ID); err != nil {
		return err
	}
	return auditedField(ctx, r, "bank_line.reconcile", "bank_line", b.ID, "statement_line_id", nil, l.ID)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Get returns a statement with its lines.
func (s *BankStatementService) Get(ctx context.Context, id int64) (*domain.BankStatement, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (*domain.BankStatement, error) {
		return r.BankStatements.Get(ctx, id)
	})
}

// GetLine returns one statement line.
func (s *BankStatementService) GetLine(ctx context.Context, id int64) (*domain.StatementLine, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (*domain.StatementLine, error) {
		return r.BankStatements.GetLine(ctx, id)
	})
}

// Match matches statement line lineID with bank line bankLineID by hand
// (domain.CheckMatch: 422 for a bank line of another account or amount, or
// unknown; 409 when either is matched already).
func (s *BankStatementService) Match(ctx context.Context, lineID, bankLineID int64) (*domain.StatementLine, error) {
	return s.reconcile(ctx, lineID, func(r domain.Repositories, l *domain.StatementLine) error {
		b, err := lockBankLine(ctx, r, bankLineID)
		if errors.Is(err, domain.ErrNotFound) {
			return domain.Invalid("bank_line_id", "bank line %d does not exist", bankLineID)
		}
		if err != nil {
			return err
		}
		if err := domain.CheckMatch(l, b); err != nil {
			return err
		}
		return match(ctx, r, l, b)
	})
}

// Unmatch undoes the match of statement line lineID: its bank line is no
// longer reconciled. A line that is not matched is a 409.
func (s *BankStatementService) Unmatch(ctx context.Context, lineID int64) (*domain.StatementLine, error) {
	return s.reconcile(ctx, lineID, func(r domain.Repositories, l *domain.StatementLine) error {
		if l.MatchedBankLineID == 0 {
			return domain.Conflictf("not-matched", "statement line %d is not matched", l.ID)
		}
		b, err := lockBankLine(ctx, r, l.MatchedBankLineID)
		if err != nil {
			return err
		}
		b.Reconciled, b.StatementLineID = false, 0
		if err := r.BankLines.SetReconciled(ctx, b); err != nil {
			return err
		}
		if err := r.BankStatements.SetLineMatch(ctx, l.ID, 0); err != nil {
			return err
		}
		l.MatchedBankLineID = 0
		if err := auditedField(ctx, r, "bank_statement_line.unmatch", "bank_statement_line", l.ID, "matched_bank_line_id", b.ID, nil); err != nil {
			return err
		}
		return auditedField(ctx, r, "bank_line.unreconcile", "bank_line", b.ID, "statement_line_id", l.ID, nil)
	})
}

func lockBankLine(ctx context.Context, r domain.Repositories, id int64) (*domain.BankLine, error) {
	ls, err := r.BankLines.LockLines(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	return ls[0], nil
}

// reconcile runs fn on statement line lineID, locked after its account.
func (s *BankStatementService) reconcile(ctx context.Context, lineID int64, fn func(domain.Repositories, *domain.StatementLine) error) (*domain.StatementLine, error) {
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.StatementLine, error) {
		l, err := r.BankStatements.GetLine(ctx, lineID)
		if err != nil {
			return nil, err
		}
		if _, err := r.BankAccounts.Lock(ctx, l.BankAccountID); err != nil {
			return nil, err
		}
		if l, err = r.BankStatements.LockLine(ctx, lineID); err != nil {
			return nil, err
		}
		return l, fn(r, l)
	})
}
