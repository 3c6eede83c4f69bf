package usecase

import (
	"context"
	"errors"
	"time"

	"github.com/doligo/doligo/internal/domain"
)

// BankService manages bank accounts, their lines and transfers between
// them. Payments write their lines through paymentBankAccount and
// postPayment, in the payment's own unit of work.
//
// Lock order: an account row is locked after every document, stock level
// and numbering row of the unit of work, accounts among themselves by id,
// and an account before its lines.
type BankService struct {
	uow domain.UnitOfWork
	now func() time.Time
}

// NewBankService returns a BankService; now is its clock.
func NewBankService(uow domain.UnitOfWork, now func() time.Time) *BankService {
	return &BankService{uow: uow, now: now}
}

// Create stores a new account, its balance its opening balance. The first
// account becomes the company's default, and so does one created with
// IsDefault.
func (s *BankService) Create(ctx context.Context, a *domain.BankAccount) error {
	a.Normalize()
	if err := a.Check().OrNil(); err != nil {
		return err
	}
	a.Balance = a.OpeningBalance
	a.CreatedAt = stamp(s.now())
	a.UpdatedAt = a.CreatedAt
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		makeDefault := a.IsDefault
		if n, err := r.BankAccounts.Count(ctx); err != nil {
			return err
		} else if n == 0 {
			makeDefault = true // the first account is the default
		}
		a.IsDefault = false
		if err := r.BankAccounts.Create(ctx, a); err != nil {
			return err
		}
		if makeDefault {
			if err := r.BankAccounts.MakeDefault(ctx, a.ID); err != nil {
				return err
			}
			a.IsDefault = true
		}
		return audited(ctx, r, "bank_account.create", "bank_account", a.ID, nil, a)
	})
}

// Get returns one account with its balance.
func (s *BankService) Get(ctx context.Context, id int64) (*domain.BankAccount, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (*domain.BankAccount, error) {
		return r.BankAccounts.Get(ctx, id)
	})
}

// List lists the accounts with their balances.
func (s *BankService) List(ctx context.Context, q domain.ListQuery) (domain.Page[*domain.BankAccount], error) {
	return unitBrowse(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Page[*domain.BankAccount], error) {
		return r.BankAccounts.List(ctx, q)
	})
}

// Update applies a partial update under the account's row lock; IsDefault
// true makes the account the default (the previous one stops being it).
func (s *BankService) Update(ctx context.Context, id int64, patch domain.BankAccountPatch) (*domain.BankAccount, error) {
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.BankAccount, error) {
		var ids []int64
		if patch.IsDefault != nil && *patch.IsDefault {
			old, err := r.BankAccounts.Default(ctx)
			if err != nil && !errors.Is(err, domain.ErrNotFound) {
				return nil, err
			}
			if old != nil {
				ids = append(ids, old.ID) // both rows change: locked in id order
			}
		}
		accounts, err := r.BankAccounts.LockMany(ctx, append(ids, id))
		if err != nil {
			return nil, err
		}
		var a *domain.BankAccount
		for _, x := range accounts {
			if x.ID == id {
				a = x
			}
		}
		hasLines, err := r.BankLines.Exists(ctx, id)
		if err != nil {
			return nil, err
		}
		before := *a
		if err := a.Apply(patch, hasLines); err != nil {
			return nil, err
		}
		a.UpdatedAt = stamp(s.now())
		if err := r.BankAccounts.Save(ctx, a); err != nil {
			return nil, err
		}
		if patch.IsDefault != nil && *patch.IsDefault && !before.IsDefault {
			if err := r.BankAccounts.MakeDefault(ctx, id); err != nil {
				return nil, err
			}
			a.IsDefault = true
		}
		return a, audited(ctx, r, "bank_account.update", "bank_account", a.ID, &before, a)
	})
}

// Delete removes an account without lines (409 in-use otherwise). The
// default account goes only as the last one: make another the default
// first (409).
func (s *BankService) Delete(ctx context.Context, id int64) error {
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		a, err := r.BankAccounts.Lock(ctx, id)
		if err != nil {
			return err
		}
		if has, err := r.BankLines.Exists(ctx, id); err != nil {
			return err
		} else if has {
			return domain.Conflictf("in-use", "bank account %s has lines and cannot be deleted", a.Ref)
		}
		if a.IsDefault {
			if n, err := r.BankAccounts.Count(ctx); err != nil {
				return err
			} else if n > 1 {
				return domain.Conflictf("default-account", "bank account %s is the default: make another account the default first", a.Ref)
			}
		}
		if err := r.BankAccounts.Delete(ctx, id); err != nil {
			return err
		}
		return audited(ctx, r, "bank_account.delete", "bank_account", id, a, nil)
	})
}

// Lines lists the lines of an account (404 when it does not exist).
func (s *BankService) Lines(ctx context.Context, f domain.BankLineFilter) (domain.Page[*domain.BankLine], error) {
	return unitBrowse(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Page[*domain.BankLine], error) {
		a, err := r.BankAccounts.Get(ctx, f.AccountID)
		if err != nil {
			return domain.Page[*domain.BankLine]{}, err
		}
		page, err := r.BankLines.List(ctx, f)
		return a.InCurrency(page), err
	})
}

// Transfer moves money between two accounts of one currency: both lines or
// none. Both account rows are locked in id order, so transfers both ways
// between two accounts queue instead of deadlocking.
func (s *BankService) Transfer(ctx context.Context, actor domain.Principal, t domain.BankTransfer) ([2]*domain.BankLine, error) {
	if t.Date.IsZero() {
		t.Date = s.now().UTC().Truncate(24 * time.Hour)
	}
	if err := t.Check().OrNil(); err != nil {
		return [2]*domain.BankLine{}, err
	}
	now := stamp(s.now())
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) ([2]*domain.BankLine, error) {
		var none [2]*domain.BankLine
		v := &domain.ValidationError{} // the ids are in the body: unknown ones are 422
		for _, f := range []struct {
			field string
			id    int64
		}{{"from_account_id", t.FromAccountID}, {"to_account_id", t.ToAccountID}} {
			if _, err := r.BankAccounts.Get(ctx, f.id); errors.Is(err, domain.ErrNotFound) {
				v.Add(f.field, "bank account %d does not exist", f.id)
			} else if err != nil {
				return none, err
			}
		}
		if err := v.OrNil(); err != nil {
			return none, err
		}
		if err := checkPeriodOpen(ctx, r.Periods, nil, t.Date); err != nil { // a closed month is final
			return none, err
		}
		accounts, err := r.BankAccounts.LockMany(ctx, []int64{t.FromAccountID, t.ToAccountID})
		if err != nil {
			return none, err
		}
		from, to := accounts[0], accounts[1]
		if from.ID != t.FromAccountID {
			from, to = to, from
		}
		out, in, err := t.Lines(from, to, actor.UserID, now)
		if err != nil {
			return none, err
		}
		for _, a := range accounts {
			if err := r.BankAccounts.SaveBalance(ctx, a); err != nil {
				return none, err
			}
		}
		if err := r.BankLines.Add(ctx, out, in); err != nil {
			return none, err
		}
		if err := r.BankLines.LinkTransfer(ctx, out, in); err != nil {
			return none, err
		}
		for _, l := range []*domain.BankLine{out, in} {
			if err := audited(ctx, r, "bank_line.create", "bank_line", l.ID, nil, l); err != nil {
				return none, err
			}
		}
		return [2]*domain.BankLine{out, in}, nil
	})
}

// paymentBankAccount is the account a payment lands on: the one it names,
// else the default one; nil when it names none and there is no account at
// all. An unknown account is a 422 naming bank_account_id (it is in the
// body). Read without a lock: postPayment locks it.
func paymentBankAccount(ctx context.Context, r domain.Repositories, id int64) (*domain.BankAccount, error) {
	if id == 0 {
		a, err := r.BankAccounts.Default(ctx)
		if errors.Is(err, domain.ErrNotFound) {
			return nil, nil
		}
		return a, err
	}
	a, err := r.BankAccounts.Get(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, domain.Invalid("bank_account_id", "bank account %d does not exist", id)
	}
	return a, err
}

// postPayment writes the bank line of payment p of d on its account: the
// account row locked (after the document's), the balance moved, the line
// inserted and audited.
func postPayment(ctx context.Context, r domain.Repositories, d *domain.Document, p *domain.Payment) error {
	a, err := r.BankAccounts.Lock(ctx, p.BankAccountID)
	if err != nil {
		return err
	}
	line, err := domain.PaymentBankLine(a, d, p)
	if err != nil {
		return err
	}
	return postLine(ctx, r, a, line)
}

// postLine posts line on the locked account a and writes both.
func postLine(ctx context.Context, r domain.Repositories, a *domain.BankAccount, line *domain.BankLine) error {
	if err := a.Post(line); err != nil {
		return err
	}
	if err := r.BankAccounts.SaveBalance(ctx, a); err != nil {
		return err
	}
	if err := r.BankLines.Add(ctx, line); err != nil {
		return err
	}
	return audited(ctx, r, "bank_line.create", "bank_line", line.ID, nil, line)
}

// reversePayment writes the reversal of the bank line of a deleted payment,
// dated as the line: the account locked, then the line (409 when it is
// reconciled).
func reversePayment(ctx context.Context, r domain.Repositories, p *domain.Payment, by int64, at time.Time) error {
	if p.BankAccountID == 0 {
		return nil
	}
	a, err := r.BankAccounts.Lock(ctx, p.BankAccountID)
	if err != nil {
		return err
	}
	line, err := r.BankLines.OfPayment(ctx, p.ID)
	if err != nil {
		return err
	}
	locked, err := r.BankLines.LockLines(ctx, []int64{line.ID})
	if err != nil {
		return err
	}
	rev, err := locked[0].Reversal(locked[0].Date, by, at)
	if err != nil {
		return err
	}
	return postLine(ctx, r, a, rev)
}
