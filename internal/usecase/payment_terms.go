package usecase

import (
	"context"

	"github.com/doligo/doligo/internal/domain"
)

// dueByTerms sets the due date of a new invoice or supplier invoice that was
// given none: its date plus the third party's payment terms, else the
// company's default (stored, else configured). Other types keep theirs.
// The third party is known to exist (checked before).
func (s *DocumentService) dueByTerms(ctx context.Context, r domain.Readers, d *domain.Document) error {
	if !d.Type.DueByTerms() {
		return nil
	}
	tp, err := r.ThirdParties.Get(ctx, d.ThirdPartyID)
	if err != nil {
		return err
	}
	return s.dueByTermsOf(ctx, r, d, tp)
}

// dueByTermsOf is dueByTerms with d's third party tp already read.
func (s *DocumentService) dueByTermsOf(ctx context.Context, r domain.Readers, d *domain.Document, tp *domain.ThirdParty) error {
	if !d.Type.DueByTerms() {
		return nil
	}
	if tp.PaymentTermsDays != nil { // its own terms win: no need of the company's default
		d.SetDueByTerms(*tp.PaymentTermsDays)
		return nil
	}
	c, err := companyOf(ctx, r, s.company)
	if err != nil {
		return err
	}
	d.SetDueByTerms(c.PaymentTermsDays(tp))
	return nil
}

// followTerms re-derives the due date of a draft whose third party p
// changes, when the client gives no due date and the old one was the old
// third party's terms: those terms were the reason for it. A due date set
// by hand (any other) stays.
func (s *DocumentService) followTerms(ctx context.Context, r domain.Readers, before, d *domain.Document, p domain.DraftPatch) error {
	if p.DueDate != nil || p.ClearDueDate || before.DueDate == nil || before.ThirdPartyID == d.ThirdPartyID || !d.Type.DueByTerms() {
		return nil
	}
	old, err := r.ThirdParties.Get(ctx, before.ThirdPartyID)
	if err != nil {
		return err
	}
	c, err := companyOf(ctx, r, s.company)
	if err != nil {
		return err
	}
	if before.TermsDays() != c.PaymentTermsDays(old) {
		return nil
	}
	tp, err := r.ThirdParties.Get(ctx, d.ThirdPartyID) // exists: checked before
	if err != nil {
		return err
	}
	d.SetDueByTerms(c.PaymentTermsDays(tp))
	return nil
}
