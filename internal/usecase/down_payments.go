package usecase

import (
	"context"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

// Down payments (domain/down_payment.go). Rules kept here, over the
// repositories:
//
//   - a down payment is deducted by at most one invoice at a time: the
//     final invoice of its order deducts it unless another invoice (draft,
//     validated or paid) already has a deduction line of it and has not been
//     credited in full by validated credit notes; an invoice credited in full
//     gives its deductions back;
//   - a down payment that an invoice deducts cannot be credited (409
//     down-payment-deducted): the customer would get it back twice; credit
//     the final invoice in full first;
//   - a credit note of a down payment reduces what is deducted (by its net
//     at each rate), so one credited in full is not deducted;
//   - a down payment is validated only while its order can take one: once
//     the order is invoiced, a draft left behind (not deducted) cannot be.
//
// Locks: order → its down payments in ascending id (down payment, final
// invoice); a credit note's validation takes credit note → down payment. No
// unit of work takes an order after a down payment, so none waits in a cycle.

// DownPayment drafts a down-payment invoice of the validated order id for a
// percentage of its gross total or an amount (domain.NewDownPayment), at
// most what the order's other down payments leave. The order is locked, so
// two concurrent down payments are checked one after the other.
func (s *DocumentService) DownPayment(ctx context.Context, actor domain.Principal, orderID int64, in domain.DownPaymentInput) (*domain.Document, error) {
	now, today := stamp(s.now()), s.today()
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.Document, error) {
		order, err := lockOf(ctx, r, []domain.DocType{domain.DocOrder}, orderID)
		if err != nil {
			return nil, err
		}
		if err := order.Can(domain.ActDownPayment); err != nil {
			return nil, err
		}
		dps, err := downPaymentsOf(ctx, r, order.ID)
		if err != nil {
			return nil, err
		}
		var existing []domain.DownPaymentState
		for _, dp := range dps {
			credits, err := validatedCredits(ctx, r, dp.ID)
			if err != nil {
				return nil, err
			}
			existing = append(existing, domain.DownPaymentState{Invoice: dp, Credits: credits})
		}
		d, err := domain.NewDownPayment(order, in, existing, today, actor.UserID)
		if err != nil {
			return nil, err
		}
		if _, err := s.settleVATRegime(ctx, r.Readers(), d, nil); err != nil {
			return nil, err
		}
		d.CreatedAt, d.UpdatedAt = now, now
		if err := r.Documents.Create(ctx, d); err != nil {
			return nil, err
		}
		return d, auditDocument(ctx, r, "create", nil, d)
	})
}

// downPaymentsOf lists every down payment of the order, oldest first.
func downPaymentsOf(ctx context.Context, r domain.Repositories, orderID int64) ([]*domain.Document, error) {
	page, err := r.Documents.List(ctx, domain.DocumentFilter{Types: []domain.DocType{domain.DocDownPayment}, SourceID: orderID},
		domain.ListQuery{Sort: "id"})
	return page.Items, err
}

// validatedCredits lists the validated (or settled) credit notes of the
// invoice id.
func validatedCredits(ctx context.Context, r domain.Repositories, id int64) ([]*domain.Document, error) {
	page, err := r.Documents.List(ctx, domain.DocumentFilter{Types: []domain.DocType{domain.DocCreditNote}, SourceID: id},
		domain.ListQuery{Sort: "id"})
	if err != nil {
		return nil, err
	}
	var out []*domain.Document
	for _, c := range page.Items {
		if c.Status != domain.StatusDraft {
			out = append(out, c)
		}
	}
	return out, nil
}

// deductDownPayments adds to inv, the final invoice being drafted from the
// locked order, the deduction lines of the order's validated down payments
// that no other invoice deducts. Each down payment is locked before it is
// read, so one being validated or credited meanwhile is seen as it ends.
func deductDownPayments(ctx context.Context, r domain.Repositories, order, inv *domain.Document) error {
	dps, err := downPaymentsOf(ctx, r, order.ID)
	if err != nil || len(dps) == 0 {
		return err
	}
	var states []domain.DownPaymentState
	for _, listed := range dps {
		dp, err := r.Documents.Lock(ctx, listed.ID)
		if err != nil {
			return err
		}
		if dp.Status != domain.StatusValidated && dp.Status != domain.StatusPaid {
			continue
		}
		by, err := deductedBy(ctx, r, dp.ID)
		if err != nil {
			return err
		}
		if by != nil {
			continue
		}
		credits, err := validatedCredits(ctx, r, dp.ID)
		if err != nil {
			return err
		}
		states = append(states, domain.DownPaymentState{Invoice: dp, Credits: credits})
	}
	inv.DeductDownPayments(states)
	return nil
}

// deductedBy returns the invoice that deducts the down payment and still
// counts (not credited in full), or nil.
func deductedBy(ctx context.Context, r domain.Repositories, downPaymentID int64) (*domain.Document, error) {
	ids, err := r.Documents.DeductingInvoices(ctx, downPaymentID)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		inv, err := r.Documents.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		credits, err := validatedCredits(ctx, r, id)
		if err != nil {
			return nil, err
		}
		credited := decimal.Zero
		for _, c := range credits {
			credited = credited.Add(c.TotalGross)
		}
		if inv.Status == domain.StatusDraft || len(credits) == 0 || credited.LessThan(inv.TotalGross) {
			return inv, nil
		}
	}
	return nil, nil
}

// checkDownPaymentValidation refuses to validate a down payment whose order
// can no longer take one (it has been invoiced): its final invoice, drafted
// while the down payment was a draft, does not deduct it, so the customer
// would pay it twice. The order is read, not locked (locks go order → down
// payment): a final invoice drafted concurrently either committed before
// (the order reads invoiced: 409) or waits for this down payment's lock and
// then sees it validated, and deducts it.
func checkDownPaymentValidation(ctx context.Context, r domain.Repositories, dp *domain.Document) error {
	if dp.Type != domain.DocDownPayment || dp.SourceID == 0 {
		return nil
	}
	order, err := r.Documents.Get(ctx, dp.SourceID)
	if err != nil {
		return err
	}
	return order.Can(domain.ActDownPayment)
}

// checkDownPaymentCredit refuses to credit a down payment that an invoice
// deducts; dp is locked by the credit note's validation.
func checkDownPaymentCredit(ctx context.Context, r domain.Repositories, dp *domain.Document) error {
	if dp.Type != domain.DocDownPayment {
		return nil
	}
	by, err := deductedBy(ctx, r, dp.ID)
	if err != nil || by == nil {
		return err
	}
	return domain.ErrDownPaymentDeducted(dp, by)
}
