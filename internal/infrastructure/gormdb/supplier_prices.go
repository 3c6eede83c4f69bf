package gormdb

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// supplierPriceModel is a row of supplier_prices. On SQLite decimals are
// written in decimal.Decimal's canonical text (no trailing zeros), so the
// unique index on (product_id, supplier_id, min_qty) sees 1 and 1.000 as one.
type supplierPriceModel struct {
	ID           int64 `gorm:"primaryKey"`
	ProductID    int64
	SupplierID   int64
	SupplierRef  string
	UnitPrice    decimal.Decimal
	MinQty       decimal.Decimal
	VATRate      decimal.Decimal `gorm:"column:vat_rate"`
	LeadTimeDays int
	CreatedAt    time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt    time.Time `gorm:"autoUpdateTime:false"`
}

func (supplierPriceModel) TableName() string { return "supplier_prices" }

func toSupplierPriceModel(p *domain.SupplierPrice) supplierPriceModel {
	return supplierPriceModel{
		ID: p.ID, ProductID: p.ProductID, SupplierID: p.SupplierID, SupplierRef: p.SupplierRef,
		UnitPrice: p.UnitPrice, MinQty: p.MinQty, VATRate: p.VATRate, LeadTimeDays: p.LeadTimeDays,
		CreatedAt: dbTime(p.CreatedAt), UpdatedAt: dbTime(p.UpdatedAt),
	}
}

func (m supplierPriceModel) price() *domain.SupplierPrice {
	return &domain.SupplierPrice{
		ID: m.ID, ProductID: m.ProductID, SupplierID: m.SupplierID, SupplierRef: m.SupplierRef,
		UnitPrice: m.UnitPrice, MinQty: m.MinQty, VATRate: m.VATRate, LeadTimeDays: m.LeadTimeDays,
		CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
	}
}

type supplierPriceRepo struct {
	db      *gorm.DB
	dialect string
}

func (r *supplierPriceRepo) Create(ctx context.Context, p *domain.SupplierPrice) error {
	m := toSupplierPriceModel(p)
	if err := r.db.WithContext(ctx).Create(&m).Error; err != nil {
		if uniqueViolated(err) {
			return domain.ErrDuplicateSupplierPrice(p.ProductID, p.SupplierID, p.MinQty)
		}
		return fmt.Errorf("create supplier price: %w", err)
	}
	p.ID = m.ID
	return nil
}

func (r *supplierPriceRepo) Get(ctx context.Context, id int64) (*domain.SupplierPrice, error) {
	return r.take(r.db.WithContext(ctx), id)
}

func (r *supplierPriceRepo) Lock(ctx context.Context, id int64) (*domain.SupplierPrice, error) {
	return r.take(r.db.WithContext(ctx).Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}), id)
}

func (r *supplierPriceRepo) take(db *gorm.DB, id int64) (*domain.SupplierPrice, error) {
	var m supplierPriceModel
	if err := takeOne(db.Where("id = ?", id), &m, "supplier price", id); err != nil {
		return nil, err
	}
	return m.price(), nil
}

func (r *supplierPriceRepo) List(ctx context.Context, f domain.SupplierPriceFilter) (domain.Page[*domain.SupplierPrice], error) {
	filtered := func() *gorm.DB {
		db := r.db.WithContext(ctx).Model(&supplierPriceModel{})
		if f.ProductID > 0 {
			db = db.Where("product_id = ?", f.ProductID)
		}
		if f.SupplierID > 0 {
			db = db.Where("supplier_id = ?", f.SupplierID)
		}
		return db
	}
	cols := map[string]string{
		"id": "id", "product_id": "product_id", "supplier_id": "supplier_id", "unit_price": "unit_price",
		"min_qty": "min_qty", "lead_time_days": "lead_time_days", "created_at": "created_at", "updated_at": "updated_at",
	}
	if r.dialect == sqldialect.SQLite {
		// Exact TEXT sorts "10" before "9"; REAL is exact enough to order by.
		cols["unit_price"] = "CAST(unit_price AS REAL)"
		cols["min_qty"] = "CAST(min_qty AS REAL)"
	}
	page, err := listPage(filtered, f.ListQuery, cols, false, infallible(supplierPriceModel.price))
	if err != nil {
		return page, fmt.Errorf("list supplier prices: %w", err)
	}
	return page, nil
}

func (r *supplierPriceRepo) ForProducts(ctx context.Context, productIDs []int64) (map[int64][]*domain.SupplierPrice, error) {
	out := make(map[int64][]*domain.SupplierPrice, len(productIDs))
	if len(productIDs) == 0 {
		return out, nil
	}
	ids := slices.Clone(productIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var rows []supplierPriceModel
	for chunk := range slices.Chunk(ids, 500) {
		var part []supplierPriceModel
		if err := r.db.WithContext(ctx).Where("product_id IN ?", chunk).Order("product_id, id").Find(&part).Error; err != nil {
			return nil, fmt.Errorf("read supplier prices: %w", err)
		}
		rows = append(rows, part...)
	}
	for _, m := range rows {
		out[m.ProductID] = append(out[m.ProductID], m.price())
	}
	return out, nil
}

func (r *supplierPriceRepo) Save(ctx context.Context, p *domain.SupplierPrice) error {
	m := toSupplierPriceModel(p)
	err := r.db.WithContext(ctx).Model(&supplierPriceModel{}).Where("id = ?", p.ID).Updates(map[string]any{
		"supplier_ref": m.SupplierRef, "unit_price": m.UnitPrice, "min_qty": m.MinQty, "vat_rate": m.VATRate,
		"lead_time_days": m.LeadTimeDays, "updated_at": m.UpdatedAt,
	}).Error
	if err != nil {
		if uniqueViolated(err) {
			return domain.ErrDuplicateSupplierPrice(p.ProductID, p.SupplierID, p.MinQty)
		}
		return fmt.Errorf("update supplier price %d: %w", p.ID, err)
	}
	return nil
}

func (r *supplierPriceRepo) Delete(ctx context.Context, id int64) error {
	return deleteOne(ctx, r.db.Where("id = ?", id), &supplierPriceModel{}, "supplier price", id)
}
