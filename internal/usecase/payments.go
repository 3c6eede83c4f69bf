package usecase

import (
	"context"

	"github.com/doligo/doligo/internal/domain"
)

// Payments apply to invoices (money received) and credit notes (money
// refunded), and on the buy side to supplier invoices (money paid) and
// supplier credit notes (money refunded to us). Each method takes the types
// of the resource it serves (the /invoices or the /supplier-invoices ones):
// a document of the other resource is not found there.

// AddPayment records a payment against an invoice or credit note. The
// document row is locked, so concurrent payments are checked one after the
// other against the amount due and can never overpay it together. The
// payment lands on the bank account it names, else on the default account,
// as a bank line written in the same unit of work (the account row locked
// last); when no bank account exists at all, it is recorded without one.
func (s *DocumentService) AddPayment(ctx context.Context, actor domain.Principal, types []domain.DocType, documentID int64, p domain.Payment) (*domain.Payment, error) {
	now, today := stamp(s.now()), s.today()
	if p.Date.IsZero() {
		p.Date = today
	}
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.Payment, error) {
		if err := r.Events.Prefetch(ctx); err != nil { // before the document's lock
			return nil, err
		}
		d, err := lockOf(ctx, r, types, documentID)
		if err != nil {
			return nil, err
		}
		pay := p
		pay.CreatedBy, pay.CreatedAt = actor.UserID, now
		if err := guardPeriod(ctx, r, d.Type, pay.Date); err != nil {
			return nil, err
		}
		if err := d.AddPayment(&pay); err != nil {
			return nil, err
		}
		if err := setExchange(ctx, r, d, &pay); err != nil {
			return nil, err
		}
		account, err := paymentBankAccount(ctx, r, p.BankAccountID)
		if err != nil {
			return nil, err
		}
		if account != nil {
			pay.BankAccountID = account.ID
		}
		if err := r.Payments.Add(ctx, &pay); err != nil {
			return nil, err
		}
		d.UpdatedAt = now
		if err := r.Documents.Update(ctx, d); err != nil {
			return nil, err
		}
		if err := audited(ctx, r, "payment.create", "payment", pay.ID, nil, &pay); err != nil {
			return nil, err
		}
		if err := r.Audit.Chain(ctx, domain.ChainPayment, pay.ID, domain.FiscalPayment(&pay)); err != nil {
			return nil, err
		}
		if account != nil { // the account's row: the last lock
			if err := postPayment(ctx, r, d, &pay); err != nil {
				return nil, err
			}
		}
		if err := r.Events.Emit(ctx, domain.EventPaymentCreated, paymentEventOf(&pay, d)); err != nil {
			return nil, err
		}
		if d.Type == domain.DocInvoice && d.Status == domain.StatusPaid {
			return &pay, r.Events.Emit(ctx, domain.EventInvoicePaid, documentEventOf(d))
		}
		return &pay, nil
	})
}

// DeletePayment removes a payment and reopens its document when it was paid.
// Its bank line stays, followed by a reversal line of the opposite amount on
// the same date; a reconciled line cannot be reversed (409, nothing
// changed).
func (s *DocumentService) DeletePayment(ctx context.Context, types []domain.DocType, documentID, paymentID int64) error {
	now := stamp(s.now())
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		d, err := lockOf(ctx, r, types, documentID)
		if err != nil {
			return err
		}
		p, err := r.Payments.Get(ctx, d.ID, paymentID)
		if err != nil {
			return err
		}
		if err := guardPaymentRemoval(ctx, r, p); err != nil {
			return err
		}
		if err := d.RemovePayment(p); err != nil {
			return err
		}
		if err := r.Payments.Delete(ctx, d.ID, p.ID); err != nil {
			return err
		}
		if err := reversePayment(ctx, r, p, domain.Actor(ctx), now); err != nil {
			return err
		}
		d.UpdatedAt = now
		if err := r.Documents.Update(ctx, d); err != nil {
			return err
		}
		if err := audited(ctx, r, "payment.delete", "payment", p.ID, p, nil); err != nil {
			return err
		}
		return r.Audit.Chain(ctx, domain.ChainPaymentDeletion, p.ID, domain.FiscalPayment(p))
	})
}

// Payments lists the payments of an invoice or credit note, oldest first.
func (s *DocumentService) Payments(ctx context.Context, types []domain.DocType, documentID int64) ([]*domain.Payment, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) ([]*domain.Payment, error) {
		d, err := r.Documents.Get(ctx, documentID)
		if err != nil {
			return nil, err
		}
		if err := ofTypes(d, types, documentID); err != nil {
			return nil, err
		}
		ps, err := r.Payments.List(ctx, documentID)
		for _, p := range ps {
			p.Currency = d.Currency
			p.FX.CompanyCurrency = d.FX.CompanyCurrency
		}
		return ps, err
	})
}
