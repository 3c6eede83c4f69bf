package gormdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/doligo/doligo/internal/domain"
)

// bomModel is a row of boms.
type bomModel struct {
	ID        int64 `gorm:"primaryKey"`
	Ref       string
	Label     string
	ProductID int64
	Qty       decimal.Decimal
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
}

func (bomModel) TableName() string { return "boms" }

// bomLineModel is a row of bom_lines; line_no keeps the client's order.
type bomLineModel struct {
	ID          int64 `gorm:"primaryKey"`
	BOMID       int64 `gorm:"column:bom_id"`
	LineNo      int
	ProductID   int64
	Qty         decimal.Decimal
	LossPercent decimal.Decimal
}

func (bomLineModel) TableName() string { return "bom_lines" }

func (m bomModel) bom() *domain.BOM {
	return &domain.BOM{
		ID: m.ID, Ref: m.Ref, Label: m.Label, ProductID: m.ProductID, Qty: m.Qty,
		Lines: []domain.BOMLine{}, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
	}
}

type bomRepo struct{ db *gorm.DB }

// LockGraph implements domain.BOMRepository by locking the one row of
// bom_graph_lock. SQLite: GORM drops FOR UPDATE; BEGIN IMMEDIATE already
// serialises every writer.
func (r *bomRepo) LockGraph(ctx context.Context) error {
	var ids []int64
	err := r.db.WithContext(ctx).Table("bom_graph_lock").
		Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
		Where("id = 1").Pluck("id", &ids).Error
	if err == nil && len(ids) != 1 {
		err = errors.New("the row of bom_graph_lock is missing")
	}
	if err != nil {
		return fmt.Errorf("lock the BOM graph: %w", err)
	}
	return nil
}

func (r *bomRepo) Create(ctx context.Context, b *domain.BOM) error {
	m := bomModel{
		Ref: b.Ref, Label: b.Label, ProductID: b.ProductID, Qty: b.Qty,
		CreatedAt: dbTime(b.CreatedAt), UpdatedAt: dbTime(b.UpdatedAt),
	}
	if err := r.db.WithContext(ctx).Create(&m).Error; err != nil {
		return bomWriteError(err, b)
	}
	b.ID = m.ID
	return r.insertLines(ctx, b)
}

// bomWriteError translates the constraint violations a BOM write can meet.
func bomWriteError(err error, b *domain.BOM) error {
	switch {
	case uniqueViolated(err):
		return domain.ErrDuplicateRef("bom", b.Ref)
	case foreignKeyViolated(err): // a product deleted since the use case checked it
		return domain.Conflictf("conflict", "a product of BOM %s was deleted meanwhile", b.Ref)
	}
	return fmt.Errorf("write BOM %s: %w", b.Ref, err)
}

func (r *bomRepo) insertLines(ctx context.Context, b *domain.BOM) error {
	if len(b.Lines) == 0 {
		return nil
	}
	rows := make([]bomLineModel, len(b.Lines))
	for i, l := range b.Lines {
		rows[i] = bomLineModel{BOMID: b.ID, LineNo: i + 1, ProductID: l.ProductID, Qty: l.Qty, LossPercent: l.LossPercent}
	}
	if err := r.db.WithContext(ctx).Create(&rows).Error; err != nil {
		return bomWriteError(err, b)
	}
	return nil
}

func (r *bomRepo) Get(ctx context.Context, id int64) (*domain.BOM, error) {
	var m bomModel
	if err := takeOne(r.db.WithContext(ctx).Where("id = ?", id), &m, "BOM", id); err != nil {
		return nil, err
	}
	b := m.bom()
	return b, r.loadLines(ctx, b)
}

// loadLines reads the lines of every BOM of bs in one query.
func (r *bomRepo) loadLines(ctx context.Context, bs ...*domain.BOM) error {
	return loadChildLines(ctx, r.db, "bom_id", bs, func(b *domain.BOM) int64 { return b.ID },
		func(l bomLineModel) int64 { return l.BOMID }, func(b *domain.BOM, l bomLineModel) {
			b.Lines = append(b.Lines, domain.BOMLine{ProductID: l.ProductID, Qty: l.Qty, LossPercent: l.LossPercent})
		})
}

// loadChildLines reads, in one query ordered by line_no, the line rows L of the
// parents ps (rows whose fk column holds a parent's id) and gives each to add
// with its parent.
func loadChildLines[P any, L any](ctx context.Context, db *gorm.DB, fk string, ps []P, id func(P) int64, parentOf func(L) int64, add func(P, L)) error {
	if len(ps) == 0 {
		return nil
	}
	byID := make(map[int64]P, len(ps))
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = id(p)
		byID[ids[i]] = p
	}
	var rows []L
	if err := db.WithContext(ctx).Where(fk+" IN ?", ids).Order(fk + ", line_no").Find(&rows).Error; err != nil {
		return fmt.Errorf("read lines (%s): %w", fk, err)
	}
	for _, l := range rows {
		add(byID[parentOf(l)], l)
	}
	return nil
}

func (r *bomRepo) List(ctx context.Context, f domain.BOMFilter) (domain.Page[*domain.BOM], error) {
	filtered := func() *gorm.DB {
		db := r.db.WithContext(ctx).Model(&bomModel{})
		if f.Search != "" {
			p := "%" + likeEscape(strings.ToLower(f.Search)) + "%"
			db = db.Where("LOWER(ref) LIKE ? ESCAPE '!' OR LOWER(label) LIKE ? ESCAPE '!'", p, p)
		}
		if f.ProductID != 0 {
			db = db.Where("product_id = ?", f.ProductID)
		}
		return db
	}
	cols := map[string]string{"id": "id", "ref": "ref", "created_at": "created_at", "updated_at": "updated_at"}
	page, err := listPage(filtered, f.ListQuery, cols, false, infallible(bomModel.bom))
	if err != nil {
		return page, fmt.Errorf("list BOMs: %w", err)
	}
	return page, r.loadLines(ctx, page.Items...)
}

func (r *bomRepo) Save(ctx context.Context, b *domain.BOM) error {
	err := r.db.WithContext(ctx).Model(&bomModel{}).Where("id = ?", b.ID).Updates(map[string]any{
		"ref": b.Ref, "label": b.Label, "product_id": b.ProductID, "qty": b.Qty, "updated_at": dbTime(b.UpdatedAt),
	}).Error
	if err != nil {
		return bomWriteError(err, b)
	}
	if err := r.db.WithContext(ctx).Where("bom_id = ?", b.ID).Delete(&bomLineModel{}).Error; err != nil {
		return fmt.Errorf("replace lines of BOM %d: %w", b.ID, err)
	}
	return r.insertLines(ctx, b)
}

func (r *bomRepo) Delete(ctx context.Context, id int64) error {
	return deleteOne(ctx, r.db.Where("id = ?", id), &bomModel{}, "BOM", id)
}

func (r *bomRepo) Components(ctx context.Context, productIDs []int64, excludeID int64) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	if len(productIDs) == 0 {
		return out, nil
	}
	var rows []struct{ Made, Component int64 }
	err := r.db.WithContext(ctx).Table("boms b").
		Select("b.product_id AS made, l.product_id AS component").
		Joins("JOIN bom_lines l ON l.bom_id = b.id").
		Where("b.product_id IN ? AND b.id <> ?", productIDs, excludeID).
		Order("b.product_id, l.product_id").
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read BOM components: %w", err)
	}
	for _, row := range rows {
		out[row.Made] = append(out[row.Made], row.Component)
	}
	return out, nil
}

// moModel is a row of manufacturing_orders.
type moModel struct {
	ID          int64 `gorm:"primaryKey"`
	BOMID       int64 `gorm:"column:bom_id"`
	ProductID   int64
	WarehouseID int64
	Qty         decimal.Decimal
	Status      string
	Label       string
	UnitCost    decimal.NullDecimal
	CreatedBy   *int64
	CreatedAt   time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt   time.Time `gorm:"autoUpdateTime:false"`
	ValidatedAt *time.Time
	ProducedAt  *time.Time
	CancelledAt *time.Time
}

func (moModel) TableName() string { return "manufacturing_orders" }

// moLineModel is a row of manufacturing_order_lines.
type moLineModel struct {
	ID        int64 `gorm:"primaryKey"`
	MOID      int64 `gorm:"column:mo_id"`
	LineNo    int
	ProductID int64
	Qty       decimal.Decimal
}

func (moLineModel) TableName() string { return "manufacturing_order_lines" }

func (m moModel) order() *domain.ManufacturingOrder {
	return &domain.ManufacturingOrder{
		ID: m.ID, BOMID: m.BOMID, ProductID: m.ProductID, WarehouseID: m.WarehouseID, Qty: m.Qty,
		Status: domain.MOStatus(m.Status), Label: m.Label, UnitCost: m.UnitCost, Lines: []domain.MOLine{},
		CreatedBy: idOrZero(m.CreatedBy), CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
		ValidatedAt: utcOrNil(m.ValidatedAt), ProducedAt: utcOrNil(m.ProducedAt), CancelledAt: utcOrNil(m.CancelledAt),
	}
}

func utcOrNil(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

type moRepo struct{ db *gorm.DB }

func (r *moRepo) Create(ctx context.Context, mo *domain.ManufacturingOrder) error {
	m := moModel{
		BOMID: mo.BOMID, ProductID: mo.ProductID, WarehouseID: mo.WarehouseID, Qty: mo.Qty,
		Status: string(mo.Status), Label: mo.Label, UnitCost: mo.UnitCost, CreatedBy: nullableID(mo.CreatedBy),
		CreatedAt: dbTime(mo.CreatedAt), UpdatedAt: dbTime(mo.UpdatedAt),
		ValidatedAt: optTime(mo.ValidatedAt), ProducedAt: optTime(mo.ProducedAt), CancelledAt: optTime(mo.CancelledAt),
	}
	err := r.db.WithContext(ctx).Create(&m).Error
	if err != nil && foreignKeyViolated(err) {
		return domain.Conflictf("conflict", "the BOM, product or warehouse of the order was deleted meanwhile")
	}
	if err != nil {
		return fmt.Errorf("create manufacturing order: %w", err)
	}
	mo.ID = m.ID
	if len(mo.Lines) == 0 {
		return nil
	}
	rows := make([]moLineModel, len(mo.Lines))
	for i, l := range mo.Lines {
		rows[i] = moLineModel{MOID: mo.ID, LineNo: i + 1, ProductID: l.ProductID, Qty: l.Qty}
	}
	if err := r.db.WithContext(ctx).Create(&rows).Error; err != nil {
		return fmt.Errorf("create lines of manufacturing order %d: %w", mo.ID, err)
	}
	return nil
}

func (r *moRepo) Get(ctx context.Context, id int64) (*domain.ManufacturingOrder, error) {
	var m moModel
	if err := takeOne(r.db.WithContext(ctx).Where("id = ?", id), &m, "manufacturing order", id); err != nil {
		return nil, err
	}
	mo := m.order()
	return mo, r.loadLines(ctx, mo)
}

// loadLines reads the lines of every order of mos in one query.
func (r *moRepo) loadLines(ctx context.Context, mos ...*domain.ManufacturingOrder) error {
	return loadChildLines(ctx, r.db, "mo_id", mos, func(mo *domain.ManufacturingOrder) int64 { return mo.ID },
		func(l moLineModel) int64 { return l.MOID }, func(mo *domain.ManufacturingOrder, l moLineModel) {
			mo.Lines = append(mo.Lines, domain.MOLine{ProductID: l.ProductID, Qty: l.Qty})
		})
}

func (r *moRepo) List(ctx context.Context, f domain.MOFilter) (domain.Page[*domain.ManufacturingOrder], error) {
	filtered := func() *gorm.DB {
		db := r.db.WithContext(ctx).Model(&moModel{})
		if f.Status != "" {
			db = db.Where("status = ?", string(f.Status))
		}
		if f.BOMID != 0 {
			db = db.Where("bom_id = ?", f.BOMID)
		}
		if f.ProductID != 0 {
			db = db.Where("product_id = ?", f.ProductID)
		}
		return db
	}
	cols := map[string]string{"id": "id", "created_at": "created_at", "updated_at": "updated_at"}
	page, err := listPage(filtered, f.ListQuery, cols, true, infallible(moModel.order))
	if err != nil {
		return page, fmt.Errorf("list manufacturing orders: %w", err)
	}
	return page, r.loadLines(ctx, page.Items...)
}

// SetStatus implements domain.ManufacturingOrderRepository with one
// UPDATE … WHERE id = ? AND status IN (from): on PostgreSQL and MySQL (READ
// COMMITTED) a concurrent writer of the row waits for its lock and then
// re-evaluates the condition on the committed row; on SQLite writers are
// serialised by BEGIN IMMEDIATE.
func (r *moRepo) SetStatus(ctx context.Context, mo *domain.ManufacturingOrder, from []domain.MOStatus) (bool, error) {
	statuses := make([]string, len(from))
	for i, s := range from {
		statuses[i] = string(s)
	}
	res := r.db.WithContext(ctx).Model(&moModel{}).Where("id = ? AND status IN ?", mo.ID, statuses).Updates(map[string]any{
		"status": string(mo.Status), "unit_cost": mo.UnitCost, "updated_at": dbTime(mo.UpdatedAt),
		"validated_at": optTime(mo.ValidatedAt), "produced_at": optTime(mo.ProducedAt), "cancelled_at": optTime(mo.CancelledAt),
	})
	if res.Error != nil {
		return false, fmt.Errorf("update status of manufacturing order %d: %w", mo.ID, res.Error)
	}
	return res.RowsAffected == 1, nil
}
