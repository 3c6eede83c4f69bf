package gormdb

import (
	"context"
	"fmt"

	"github.com/doligo/doligo/internal/domain"
)

func (r *documentRepo) DeductingInvoices(ctx context.Context, downPaymentID int64) ([]int64, error) {
	var ids []int64
	err := r.db.WithContext(ctx).Model(&documentLineModel{}).Distinct("commercial_document_lines.document_id").
		Joins("JOIN commercial_documents d ON d.id = commercial_document_lines.document_id").
		Where("commercial_document_lines.down_payment_id = ? AND d.doc_type = ?", downPaymentID, string(domain.DocInvoice)).
		Order("commercial_document_lines.document_id").
		Pluck("commercial_document_lines.document_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("invoices deducting down payment %d: %w", downPaymentID, err)
	}
	return ids, nil
}
