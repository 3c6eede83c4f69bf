package gormdb

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/doligo/doligo/internal/domain"
)

// invoiceTemplateModel is a row of invoice_templates.
type invoiceTemplateModel struct {
	ID             int64 `gorm:"primaryKey"`
	ThirdPartyID   int64 `gorm:"column:thirdparty_id"`
	Currency       string
	Note           string
	LinesJSON      string `gorm:"column:lines_json"`
	Frequency      string
	PeriodInterval int
	AnchorDate     time.Time
	AnchorCount    int
	NextDate       time.Time
	EndDate        *time.Time
	MaxCount       *int
	GeneratedCount int
	AutoValidate   bool
	AutoSend       bool
	Active         bool
	Version        int64
	CreatedBy      int64
	CreatedAt      time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt      time.Time `gorm:"autoUpdateTime:false"`
}

func (invoiceTemplateModel) TableName() string { return "invoice_templates" }

// templateLine is the stored form of a domain.LineInput: decimals as exact
// strings, absent price and rate as null (taken from the product when an
// invoice is generated).
type templateLine struct {
	ProductID       int64            `json:"product_id,omitempty"`
	Description     string           `json:"description"`
	Qty             decimal.Decimal  `json:"qty"`
	UnitPrice       *decimal.Decimal `json:"unit_price"`
	DiscountPercent decimal.Decimal  `json:"discount_percent"`
	VATRate         *decimal.Decimal `json:"vat_rate"`
}

func toInvoiceTemplateModel(t *domain.InvoiceTemplate) (invoiceTemplateModel, error) {
	lines := make([]templateLine, len(t.Lines))
	for i, l := range t.Lines {
		lines[i] = templateLine{
			ProductID: l.ProductID, Description: l.Description, Qty: l.Qty, UnitPrice: l.UnitPrice,
			DiscountPercent: l.DiscountPercent, VATRate: l.VATRate,
		}
	}
	b, err := json.Marshal(lines)
	if err != nil {
		return invoiceTemplateModel{}, fmt.Errorf("encode lines of invoice template %d: %w", t.ID, err)
	}
	return invoiceTemplateModel{
		ID: t.ID, ThirdPartyID: t.ThirdPartyID, Currency: t.Currency, Note: t.Note, LinesJSON: string(b),
		Frequency: string(t.Frequency), PeriodInterval: t.Interval, AnchorDate: dateOnly(t.AnchorDate), AnchorCount: t.AnchorCount,
		NextDate: dateOnly(t.NextDate), EndDate: optDate(t.EndDate), MaxCount: t.MaxCount, GeneratedCount: t.GeneratedCount,
		AutoValidate: t.AutoValidate, AutoSend: t.AutoSend, Active: t.Active, Version: t.Version, CreatedBy: t.CreatedBy,
		CreatedAt: dbTime(t.CreatedAt), UpdatedAt: dbTime(t.UpdatedAt),
	}, nil
}

func (m invoiceTemplateModel) template() (*domain.InvoiceTemplate, error) {
	var lines []templateLine
	if err := json.Unmarshal([]byte(m.LinesJSON), &lines); err != nil {
		return nil, fmt.Errorf("decode lines of invoice template %d: %w", m.ID, err)
	}
	t := &domain.InvoiceTemplate{
		ID: m.ID, ThirdPartyID: m.ThirdPartyID, Currency: m.Currency, Note: m.Note, Lines: make([]domain.LineInput, len(lines)),
		Frequency: domain.Frequency(m.Frequency), Interval: m.PeriodInterval, AnchorDate: dateOnly(m.AnchorDate), AnchorCount: m.AnchorCount,
		NextDate: dateOnly(m.NextDate), EndDate: optDate(m.EndDate), MaxCount: m.MaxCount, GeneratedCount: m.GeneratedCount,
		AutoValidate: m.AutoValidate, AutoSend: m.AutoSend, Active: m.Active, Version: m.Version, CreatedBy: m.CreatedBy,
		CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
	}
	for i, l := range lines {
		t.Lines[i] = domain.LineInput{
			ProductID: l.ProductID, Description: l.Description, Qty: l.Qty, UnitPrice: l.UnitPrice,
			DiscountPercent: l.DiscountPercent, VATRate: l.VATRate,
		}
	}
	return t, nil
}

// invoiceTemplatePeriodModel is a row of invoice_template_periods.
type invoiceTemplatePeriodModel struct {
	TemplateID int64 `gorm:"primaryKey;autoIncrement:false"`
	PeriodDate time.Time
	DocumentID *int64
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
}

func (invoiceTemplatePeriodModel) TableName() string { return "invoice_template_periods" }

type invoiceTemplateRepo struct{ db *gorm.DB }

func (r *invoiceTemplateRepo) Create(ctx context.Context, t *domain.InvoiceTemplate) error {
	m, err := toInvoiceTemplateModel(t)
	if err != nil {
		return err
	}
	if err := r.db.WithContext(ctx).Create(&m).Error; err != nil {
		return fmt.Errorf("create invoice template: %w", err)
	}
	t.ID = m.ID
	return nil
}

func (r *invoiceTemplateRepo) Get(ctx context.Context, id int64) (*domain.InvoiceTemplate, error) {
	return r.take(r.db.WithContext(ctx), id)
}

func (r *invoiceTemplateRepo) Lock(ctx context.Context, id int64) (*domain.InvoiceTemplate, error) {
	return r.take(r.db.WithContext(ctx).Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}), id)
}

func (r *invoiceTemplateRepo) take(db *gorm.DB, id int64) (*domain.InvoiceTemplate, error) {
	var m invoiceTemplateModel
	if err := takeOne(db.Where("id = ?", id), &m, "invoice template", id); err != nil {
		return nil, err
	}
	return m.template()
}

func (r *invoiceTemplateRepo) List(ctx context.Context, f domain.InvoiceTemplateFilter) (domain.Page[*domain.InvoiceTemplate], error) {
	filtered := func() *gorm.DB {
		db := r.db.WithContext(ctx).Model(&invoiceTemplateModel{})
		if f.ThirdPartyID > 0 {
			db = db.Where("thirdparty_id = ?", f.ThirdPartyID)
		}
		if f.Active != nil {
			db = db.Where("active = ?", *f.Active)
		}
		return db
	}
	cols := map[string]string{"id": "id", "next_date": "next_date", "created_at": "created_at", "updated_at": "updated_at"}
	page, err := listPage(filtered, f.ListQuery, cols, false, invoiceTemplateModel.template)
	if err != nil {
		return page, fmt.Errorf("list invoice templates: %w", err)
	}
	return page, nil
}

func (r *invoiceTemplateRepo) page(rows []invoiceTemplateModel, total int64) (domain.Page[*domain.InvoiceTemplate], error) {
	page := domain.Page[*domain.InvoiceTemplate]{Total: total, Items: make([]*domain.InvoiceTemplate, len(rows))}
	for i, m := range rows {
		t, err := m.template()
		if err != nil {
			return domain.Page[*domain.InvoiceTemplate]{}, err
		}
		page.Items[i] = t
	}
	return page, nil
}

func (r *invoiceTemplateRepo) Due(ctx context.Context, today time.Time, afterID int64, limit int) ([]*domain.InvoiceTemplate, error) {
	var rows []invoiceTemplateModel
	err := r.db.WithContext(ctx).
		Where("active = ? AND next_date <= ? AND id > ?", true, dateOnly(today), afterID).
		Where("end_date IS NULL OR next_date <= end_date").
		Where("max_count IS NULL OR generated_count < max_count").
		Order("id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read due invoice templates: %w", err)
	}
	page, err := r.page(rows, int64(len(rows)))
	return page.Items, err
}

func (r *invoiceTemplateRepo) Save(ctx context.Context, t *domain.InvoiceTemplate) error {
	m, err := toInvoiceTemplateModel(t)
	if err != nil {
		return err
	}
	err = r.db.WithContext(ctx).Model(&invoiceTemplateModel{}).Where("id = ?", t.ID).Updates(map[string]any{
		"thirdparty_id": m.ThirdPartyID, "currency": m.Currency, "note": m.Note, "lines_json": m.LinesJSON,
		"frequency": m.Frequency, "period_interval": m.PeriodInterval, "anchor_date": m.AnchorDate,
		"anchor_count": m.AnchorCount, "next_date": m.NextDate, "end_date": m.EndDate, "max_count": m.MaxCount,
		"generated_count": m.GeneratedCount, "auto_validate": m.AutoValidate, "auto_send": m.AutoSend,
		"active": m.Active, "version": m.Version, "updated_at": m.UpdatedAt,
	}).Error
	if err != nil {
		return fmt.Errorf("update invoice template %d: %w", t.ID, err)
	}
	return nil
}

func (r *invoiceTemplateRepo) Delete(ctx context.Context, id int64) error {
	return deleteOne(ctx, r.db.Where("id = ?", id), &invoiceTemplateModel{}, "invoice template", id)
}

func (r *invoiceTemplateRepo) RecordPeriod(ctx context.Context, templateID int64, period time.Time, documentID int64, at time.Time) error {
	m := invoiceTemplatePeriodModel{TemplateID: templateID, PeriodDate: dateOnly(period), DocumentID: &documentID, CreatedAt: dbTime(at)}
	if err := r.db.WithContext(ctx).Create(&m).Error; err != nil {
		if uniqueViolated(err) {
			return domain.ErrPeriodGenerated(templateID, period)
		}
		return fmt.Errorf("record period %s of invoice template %d: %w", period.Format(time.DateOnly), templateID, err)
	}
	return nil
}
