package usecase

import (
	"context"

	"github.com/doligo/doligo/internal/domain"
)

// InvoicePurchaseOrder drafts the supplier invoice of purchase order id's
// received quantities (domain.SupplierInvoiceFromOrder). An order is
// invoiced once: while a supplier invoice made from it exists (draft or
// validated) a second is 409 already-invoiced. The order is locked first, so
// two concurrent calls draft one invoice and answer one 409.
func (s *DocumentService) InvoicePurchaseOrder(ctx context.Context, actor domain.Principal, id int64) (*domain.Document, error) {
	now, today := stamp(s.now()), s.today()
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.Document, error) {
		po, err := lockOf(ctx, r, []domain.DocType{domain.DocPurchaseOrder}, id)
		if err != nil {
			return nil, err
		}
		made, err := r.Documents.List(ctx, domain.DocumentFilter{Types: []domain.DocType{domain.DocSupplierInvoice}, SourceID: po.ID},
			domain.ListQuery{Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(made.Items) > 0 {
			return nil, domain.ErrAlreadyInvoiced(po, made.Items[0])
		}
		inv, err := domain.SupplierInvoiceFromOrder(po, today, actor.UserID)
		if err != nil {
			return nil, err
		}
		if err := s.dueByTerms(ctx, r.Readers(), inv); err != nil {
			return nil, err
		}
		inv.CreatedAt, inv.UpdatedAt = now, now
		if err := r.Documents.Create(ctx, inv); err != nil {
			return nil, err
		}
		return inv, auditDocument(ctx, r, "create", nil, inv)
	})
}
