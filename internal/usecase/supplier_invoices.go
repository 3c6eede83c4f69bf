package usecase

import (
	"context"

	"github.com/doligo/doligo/internal/domain"
)

// InvoicePurchaseOrder drafts the supplier invoice of purchase order id's
// received quantities that its supplier invoices (drafts included) do not
// bill yet (domain.SupplierInvoiceFromOrder). The order is locked first, so
// two concurrent calls draft one invoice and answer one 409
// already-invoiced.
func (s *DocumentService) InvoicePurchaseOrder(ctx context.Context, actor domain.Principal, id int64) (*domain.Document, error) {
	now, today := stamp(s.now()), s.today()
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.Document, error) {
		po, err := lockOf(ctx, r, []domain.DocType{domain.DocPurchaseOrder}, id)
		if err != nil {
			return nil, err
		}
		made, err := documentsOf(ctx, r.Readers(), domain.DocumentFilter{Types: []domain.DocType{domain.DocSupplierInvoice}, SourceID: po.ID})
		if err != nil {
			return nil, err
		}
		inv, err := domain.SupplierInvoiceFromOrder(po, made, today, actor.UserID)
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

// documentsOf returns every document f matches, with their lines, a page
// at a time (the documents made from one order: a handful).
func documentsOf(ctx context.Context, r domain.Readers, f domain.DocumentFilter) ([]*domain.Document, error) {
	var all []*domain.Document
	for q := (domain.ListQuery{Limit: 100}); ; q.Offset += q.Limit {
		page, err := r.Documents.List(ctx, f, q)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if len(page.Items) < q.Limit {
			return all, nil
		}
	}
}
