package gormdb

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/doligo/doligo/internal/domain"
)

// paymentModel is a row of payments.
type paymentModel struct {
	ID         int64 `gorm:"primaryKey"`
	DocumentID int64
	Amount     decimal.Decimal
	PayDate    time.Time
	Method     string
	Reference  string
	// The exchange of a foreign-currency document's payment (domain.PaymentFX).
	CurrencyRate       decimal.NullDecimal
	ExchangeDifference decimal.NullDecimal
	CreatedBy          int64
	CreatedAt          time.Time `gorm:"autoCreateTime:false"`
	// BankAccountID is the account the payment landed on (NULL: none).
	BankAccountID *int64
}

func (paymentModel) TableName() string { return "payments" }

func (m paymentModel) payment() *domain.Payment {
	return &domain.Payment{
		ID: m.ID, DocumentID: m.DocumentID, Amount: m.Amount, Date: dateOnly(m.PayDate),
		Method: domain.PaymentMethod(m.Method), Reference: m.Reference, CreatedBy: m.CreatedBy, CreatedAt: m.CreatedAt.UTC(),
		BankAccountID: idOf(m.BankAccountID),
		FX:            domain.PaymentFX{Rate: m.CurrencyRate, Difference: m.ExchangeDifference},
	}
}

type paymentRepo struct{ db *gorm.DB }

func (r *paymentRepo) Add(ctx context.Context, p *domain.Payment) error {
	m := paymentModel{
		DocumentID: p.DocumentID, Amount: p.Amount, PayDate: dateOnly(p.Date), Method: string(p.Method),
		Reference: p.Reference, CreatedBy: p.CreatedBy, CreatedAt: dbTime(p.CreatedAt), BankAccountID: optID(p.BankAccountID),
		CurrencyRate: p.FX.Rate, ExchangeDifference: p.FX.Difference,
	}
	if err := r.db.WithContext(ctx).Create(&m).Error; err != nil {
		return fmt.Errorf("record payment of document %d: %w", p.DocumentID, err)
	}
	p.ID = m.ID
	return nil
}

func (r *paymentRepo) Get(ctx context.Context, documentID, id int64) (*domain.Payment, error) {
	var m paymentModel
	if err := takeOne(r.db.WithContext(ctx).Where("id = ? AND document_id = ?", id, documentID), &m, "payment", id); err != nil {
		return nil, err
	}
	return m.payment(), nil
}

func (r *paymentRepo) Delete(ctx context.Context, documentID, id int64) error {
	return deleteOne(ctx, r.db.Where("id = ? AND document_id = ?", id, documentID), &paymentModel{}, "payment", id)
}

func (r *paymentRepo) List(ctx context.Context, documentID int64) ([]*domain.Payment, error) {
	var rows []paymentModel
	if err := r.db.WithContext(ctx).Where("document_id = ?", documentID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list payments of document %d: %w", documentID, err)
	}
	out := make([]*domain.Payment, len(rows))
	for i, m := range rows {
		out[i] = m.payment()
	}
	return out, nil
}
