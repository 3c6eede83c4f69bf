package gormdb

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/sqlbind"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// productModel is a row of products. Decimals are NUMERIC on PostgreSQL and
// MySQL and exact TEXT on SQLite; decimal.Decimal reads and writes both.
type productModel struct {
	ID           int64 `gorm:"primaryKey"`
	Ref          string
	Label        string
	Type         string
	UnitPrice    decimal.Decimal
	VATRate      decimal.Decimal `gorm:"column:vat_rate"`
	CostPrice    decimal.Decimal
	TrackStock   bool
	Active       bool
	MinStock     decimal.NullDecimal
	DesiredStock decimal.NullDecimal
	CreatedAt    time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt    time.Time `gorm:"autoUpdateTime:false"`
}

func (productModel) TableName() string { return "products" }

func toProductModel(p *domain.Product) productModel {
	return productModel{
		ID: p.ID, Ref: p.Ref, Label: p.Label, Type: string(p.Type),
		UnitPrice: p.UnitPrice, VATRate: p.VATRate, CostPrice: p.CostPrice,
		TrackStock: p.TrackStock, Active: p.Active, MinStock: p.MinStock, DesiredStock: p.DesiredStock,
		CreatedAt: dbTime(p.CreatedAt), UpdatedAt: dbTime(p.UpdatedAt),
	}
}

func (m productModel) product() *domain.Product {
	return &domain.Product{
		ID: m.ID, Ref: m.Ref, Label: m.Label, Type: domain.ProductType(m.Type),
		UnitPrice: m.UnitPrice, VATRate: m.VATRate, CostPrice: m.CostPrice,
		TrackStock: m.TrackStock, Active: m.Active, MinStock: m.MinStock, DesiredStock: m.DesiredStock,
		CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
	}
}

type productRepo struct {
	db      *gorm.DB
	dialect string
}

func (r *productRepo) Create(ctx context.Context, p *domain.Product) error {
	m := toProductModel(p)
	if err := r.db.WithContext(ctx).Create(&m).Error; err != nil {
		if uniqueViolated(err) {
			return domain.ErrDuplicateRef("product", p.Ref)
		}
		return fmt.Errorf("create product: %w", err)
	}
	p.ID = m.ID
	return nil
}

func (r *productRepo) Get(ctx context.Context, id int64) (*domain.Product, error) {
	return r.take(ctx, r.db.WithContext(ctx), id)
}

// productWithLevels reads a product and its stock levels in one statement:
// one row per level, or one row of NULL level columns when it has none.
const productWithLevels = `SELECT p.id, p.ref, p.label, p.type, p.unit_price, p.vat_rate, p.cost_price, p.track_stock, p.active,
	p.min_stock, p.desired_stock, p.created_at, p.updated_at, l.warehouse_id, l.qty, l.updated_at
	FROM products p LEFT JOIN stock_levels l ON l.product_id = p.id
	WHERE p.id = ? ORDER BY l.warehouse_id`

var productWithLevelsDollar = sqlbind.Dollar(productWithLevels)

// GetWithLevels implements domain.ProductReader: one round trip, scanned by
// database/sql beneath GORM (the hot read of GET /products/{id}: GORM's
// statement building and reflective scanning were most of its CPU).
func (r *productRepo) GetWithLevels(ctx context.Context, id int64) (*domain.Product, []*domain.StockLevel, error) {
	q := productWithLevels
	if r.dialect == sqldialect.Postgres {
		q = productWithLevelsDollar
	}
	// The pool, or the transaction, r.db reads through; ctx is passed here.
	rows, err := r.db.Statement.ConnPool.QueryContext(ctx, q, id)
	if err != nil {
		return nil, nil, fmt.Errorf("read product %d and its stock: %w", id, err)
	}
	defer rows.Close()
	var (
		m      productModel
		levels []*domain.StockLevel
		found  bool
	)
	for rows.Next() {
		var (
			warehouse sql.NullInt64
			qty       decimal.NullDecimal
			at        sql.NullTime
		)
		if err := rows.Scan(&m.ID, &m.Ref, &m.Label, &m.Type, &m.UnitPrice, &m.VATRate, &m.CostPrice, &m.TrackStock, &m.Active,
			&m.MinStock, &m.DesiredStock, &m.CreatedAt, &m.UpdatedAt, &warehouse, &qty, &at); err != nil {
			return nil, nil, fmt.Errorf("read product %d and its stock: %w", id, err)
		}
		found = true
		if warehouse.Valid {
			levels = append(levels, &domain.StockLevel{ProductID: id, WarehouseID: warehouse.Int64, Qty: qty.Decimal, UpdatedAt: at.Time.UTC()})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read product %d and its stock: %w", id, err)
	}
	if !found {
		return nil, nil, domain.NotFound("product", id)
	}
	return m.product(), levels, nil
}

func (r *productRepo) Lock(ctx context.Context, id int64) (*domain.Product, error) {
	return r.take(ctx, r.db.WithContext(ctx).Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}), id)
}

func (r *productRepo) take(_ context.Context, db *gorm.DB, id int64) (*domain.Product, error) {
	var m productModel
	if err := takeOne(db.Where("id = ?", id), &m, "product", id); err != nil {
		return nil, err
	}
	return m.product(), nil
}

func (r *productRepo) GetMany(ctx context.Context, ids []int64) (map[int64]*domain.Product, error) {
	out := make(map[int64]*domain.Product, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []productModel
	if err := r.db.WithContext(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read products: %w", err)
	}
	for _, m := range rows {
		out[m.ID] = m.product()
	}
	return out, nil
}

func (r *productRepo) OfDocumentLines(ctx context.Context, lineIDs []int64) (map[int64]*domain.Product, error) {
	out := make(map[int64]*domain.Product, len(lineIDs))
	if len(lineIDs) == 0 {
		return out, nil
	}
	var rows []productModel
	lines := r.db.WithContext(ctx).Model(&documentLineModel{}).Select("product_id").Where("id IN ?", lineIDs)
	if err := r.db.WithContext(ctx).Where("id IN (?)", lines).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read products of document lines: %w", err)
	}
	for _, m := range rows {
		out[m.ID] = m.product()
	}
	return out, nil
}

func (r *productRepo) List(ctx context.Context, f domain.ProductFilter) (domain.Page[*domain.Product], error) {
	filtered := func() *gorm.DB {
		db := r.db.WithContext(ctx).Model(&productModel{})
		if f.Search != "" {
			p := "%" + likeEscape(strings.ToLower(f.Search)) + "%"
			db = db.Where("LOWER(ref) LIKE ? ESCAPE '!' OR LOWER(label) LIKE ? ESCAPE '!'", p, p)
		}
		if f.Type != "" {
			db = db.Where("type = ?", string(f.Type))
		}
		if f.Active != nil {
			db = db.Where("active = ?", *f.Active)
		}
		return db
	}
	cols := map[string]string{
		"id": "id", "ref": "ref", "label": "label", "type": "type", "unit_price": "unit_price",
		"created_at": "created_at", "updated_at": "updated_at",
	}
	if r.dialect == sqldialect.SQLite {
		// SQLite keeps decimals as exact TEXT, which sorts "10" before "9";
		// REAL is exact enough to order prices (never to compute with them).
		cols["unit_price"] = "CAST(unit_price AS REAL)"
	}
	page, err := listPage(filtered, f.ListQuery, cols, false, infallible(productModel.product))
	if err != nil {
		return page, fmt.Errorf("list products: %w", err)
	}
	return page, nil
}

func (r *productRepo) Save(ctx context.Context, p *domain.Product) error {
	m := toProductModel(p)
	res := r.db.WithContext(ctx).Model(&productModel{}).Where("id = ?", p.ID).Updates(map[string]any{
		"ref": m.Ref, "label": m.Label, "unit_price": m.UnitPrice, "vat_rate": m.VATRate,
		"cost_price": m.CostPrice, "track_stock": m.TrackStock, "active": m.Active, "updated_at": m.UpdatedAt,
		"min_stock": m.MinStock, "desired_stock": m.DesiredStock,
	})
	if res.Error != nil {
		if uniqueViolated(res.Error) {
			return domain.ErrDuplicateRef("product", p.Ref)
		}
		return fmt.Errorf("update product %d: %w", p.ID, res.Error)
	}
	return nil
}

func (r *productRepo) SetCostPrice(ctx context.Context, id int64, cost decimal.Decimal, at time.Time) error {
	err := r.db.WithContext(ctx).Model(&productModel{}).Where("id = ?", id).
		Updates(map[string]any{"cost_price": cost, "updated_at": dbTime(at)}).Error
	if err != nil {
		return fmt.Errorf("update cost price of product %d: %w", id, err)
	}
	return nil
}

func (r *productRepo) Delete(ctx context.Context, id int64) error {
	return deleteOne(ctx, r.db.Where("id = ?", id), &productModel{}, "product", id)
}

// warehouseModel is a row of warehouses.
type warehouseModel struct {
	ID        int64 `gorm:"primaryKey"`
	Ref       string
	Label     string
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
}

func (warehouseModel) TableName() string { return "warehouses" }

func (m warehouseModel) warehouse() *domain.Warehouse {
	return &domain.Warehouse{ID: m.ID, Ref: m.Ref, Label: m.Label, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC()}
}

type warehouseRepo struct{ db *gorm.DB }

func (r *warehouseRepo) Create(ctx context.Context, w *domain.Warehouse) error {
	m := warehouseModel{Ref: w.Ref, Label: w.Label, CreatedAt: dbTime(w.CreatedAt), UpdatedAt: dbTime(w.UpdatedAt)}
	if err := r.db.WithContext(ctx).Create(&m).Error; err != nil {
		if uniqueViolated(err) {
			return domain.ErrDuplicateRef("warehouse", w.Ref)
		}
		return fmt.Errorf("create warehouse: %w", err)
	}
	w.ID = m.ID
	return nil
}

func (r *warehouseRepo) Get(ctx context.Context, id int64) (*domain.Warehouse, error) {
	return r.take(r.db.WithContext(ctx), id)
}

func (r *warehouseRepo) Lock(ctx context.Context, id int64) (*domain.Warehouse, error) {
	return r.take(r.db.WithContext(ctx).Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}), id)
}

func (r *warehouseRepo) take(db *gorm.DB, id int64) (*domain.Warehouse, error) {
	var m warehouseModel
	if err := takeOne(db.Where("id = ?", id), &m, "warehouse", id); err != nil {
		return nil, err
	}
	return m.warehouse(), nil
}

func (r *warehouseRepo) Existing(ctx context.Context, ids []int64) (map[int64]bool, error) {
	out := make(map[int64]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var found []int64
	if err := r.db.WithContext(ctx).Model(&warehouseModel{}).Where("id IN ?", ids).Pluck("id", &found).Error; err != nil {
		return nil, fmt.Errorf("read warehouses: %w", err)
	}
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}

func (r *warehouseRepo) List(ctx context.Context, q domain.ListQuery) (domain.Page[*domain.Warehouse], error) {
	filtered := func() *gorm.DB {
		db := r.db.WithContext(ctx).Model(&warehouseModel{})
		if q.Search != "" {
			p := "%" + likeEscape(strings.ToLower(q.Search)) + "%"
			db = db.Where("LOWER(ref) LIKE ? ESCAPE '!' OR LOWER(label) LIKE ? ESCAPE '!'", p, p)
		}
		return db
	}
	cols := map[string]string{"id": "id", "ref": "ref", "label": "label", "created_at": "created_at", "updated_at": "updated_at"}
	page, err := listPage(filtered, q, cols, false, infallible(warehouseModel.warehouse))
	if err != nil {
		return page, fmt.Errorf("list warehouses: %w", err)
	}
	return page, nil
}

func (r *warehouseRepo) Save(ctx context.Context, w *domain.Warehouse) error {
	err := r.db.WithContext(ctx).Model(&warehouseModel{}).Where("id = ?", w.ID).Updates(map[string]any{
		"ref": w.Ref, "label": w.Label, "updated_at": dbTime(w.UpdatedAt),
	}).Error
	if err != nil {
		if uniqueViolated(err) {
			return domain.ErrDuplicateRef("warehouse", w.Ref)
		}
		return fmt.Errorf("update warehouse %d: %w", w.ID, err)
	}
	return nil
}

func (r *warehouseRepo) Delete(ctx context.Context, id int64) error {
	return deleteOne(ctx, r.db.Where("id = ?", id), &warehouseModel{}, "warehouse", id)
}

// listPage reads the list q asks for from the rows filtered() selects,
// sorted by the whitelisted column (cols maps a sort field to its SQL
// expression; the default is id, descending when defaultDesc) with the id as
// tie-breaker so that pages are stable, and converts each row with conv: one
// page and the count of every matching row, or, when q.Stream, every row from
// q.Offset on (at most q.Limit when set) as a sequence read from one query
// (streamRows), with no count.
func listPage[M, T any](filtered func() *gorm.DB, q domain.ListQuery, cols map[string]string, defaultDesc bool, conv func(M) (T, error)) (domain.Page[T], error) {
	col, ok := cols[q.Sort]
	desc := q.Desc
	if !ok {
		col, desc = "id", defaultDesc
	}
	order := []clause.OrderByColumn{{Column: clause.Column{Name: col, Raw: true}, Desc: desc}}
	if col != "id" {
		order = append(order, clause.OrderByColumn{Column: clause.Column{Name: "id"}, Desc: desc})
	}
	limit := q.Limit
	switch {
	case limit <= 0 && q.Offset > 0:
		limit = math.MaxInt // MySQL has no OFFSET without LIMIT (GORM would write one)
	case limit <= 0:
		limit = -1 // GORM: no LIMIT
	}
	sorted := func() *gorm.DB { return filtered().Order(clause.OrderBy{Columns: order}).Limit(limit).Offset(q.Offset) }
	if q.Stream {
		return domain.Page[T]{Rows: streamRows(sorted(), conv)}, nil
	}
	var page domain.Page[T]
	if err := filtered().Count(&page.Total).Error; err != nil {
		return page, err
	}
	var rows []M
	if err := sorted().Find(&rows).Error; err != nil {
		return page, err
	}
	page.Items = make([]T, len(rows))
	for i, m := range rows {
		t, err := conv(m)
		if err != nil {
			return domain.Page[T]{}, err
		}
		page.Items[i] = t
	}
	return page, nil
}

// infallible adapts a row conversion that cannot fail to listPage.
func infallible[M, T any](conv func(M) T) func(M) (T, error) {
	return func(m M) (T, error) { return conv(m), nil }
}
