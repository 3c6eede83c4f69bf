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
	c, err := companyOf(ctx, r, s.company)
	if err != nil {
		return err
	}
	d.SetDueByTerms(c.PaymentTermsDays(tp))
	return nil
}
