package gormdb

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/sqlbind"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// stockLevelModel is a row of stock_levels; (product_id, warehouse_id) is the
// primary key, so there is no sequence to consume when a row is ensured.
type stockLevelModel struct {
	ProductID   int64 `gorm:"primaryKey;autoIncrement:false"`
	WarehouseID int64 `gorm:"primaryKey;autoIncrement:false"`
	Qty         decimal.Decimal
	UpdatedAt   time.Time `gorm:"autoUpdateTime:false"`
}

func (stockLevelModel) TableName() string { return "stock_levels" }

func (m stockLevelModel) level() *domain.StockLevel {
	return &domain.StockLevel{ProductID: m.ProductID, WarehouseID: m.WarehouseID, Qty: m.Qty, UpdatedAt: m.UpdatedAt.UTC()}
}

type stockRepo struct {
	db      *gorm.DB
	dialect string
}

// LockLevels implements domain.StockRepository. It takes the locks product by
// product in ascending id, each statement locking that product's rows in
// ascending warehouse id through the primary key: the global order
// (product_id, warehouse_id) holds whatever plan the optimiser picks for a
// bigger statement. A missing row is inserted (ON CONFLICT DO NOTHING, so two
// transactions creating it at once both go on) and the product's rows are
// locked again. Rows that exist — the usual case — cost one statement per
// product and take no shared lock that a later FOR UPDATE would need to
// upgrade (MySQL's duplicate-key check on an upsert would).
//
// SQLite: GORM drops FOR UPDATE; the transaction holds the database's single
// write lock from BEGIN IMMEDIATE, which serialises writers just as well.
func (r *stockRepo) LockLevels(ctx context.Context, locks []domain.LevelLock) ([]*domain.StockLevel, map[int64]decimal.Decimal, error) {
	var out []*domain.StockLevel
	costs := map[int64]decimal.Decimal{}
	for _, lk := range domain.NormalizeLevelLocks(locks) {
		if lk.AllWarehouses {
			rows, cost, ok, err := r.lockWithCost(ctx, lk)
			if err != nil {
				return nil, nil, err
			}
			if ok {
				for _, m := range rows {
					out = append(out, m.level())
				}
				costs[lk.ProductID] = cost
				continue
			}
		}
		rows, err := r.lockProduct(ctx, lk)
		if err != nil {
			return nil, nil, err
		}
		if missing := missingWarehouses(rows, lk.WarehouseIDs); len(missing) > 0 {
			if err := r.ensure(ctx, lk.ProductID, missing); err != nil {
				return nil, nil, err
			}
			if rows, err = r.lockProduct(ctx, lk); err != nil {
				return nil, nil, err
			}
			if missing := missingWarehouses(rows, lk.WarehouseIDs); len(missing) > 0 {
				return nil, nil, fmt.Errorf("stock levels of product %d in warehouses %v are missing after insertion", lk.ProductID, missing)
			}
		}
		for _, m := range rows {
			out = append(out, m.level())
		}
		if lk.AllWarehouses {
			cost, err := r.lockCost(ctx, lk.ProductID)
			if err != nil {
				return nil, nil, err
			}
			costs[lk.ProductID] = cost
		}
	}
	return out, costs, nil
}

// lockProduct reads the product's levels named by lk with SELECT … FOR UPDATE,
// in warehouse order.
func (r *stockRepo) lockProduct(ctx context.Context, lk domain.LevelLock) ([]stockLevelModel, error) {
	q := r.db.WithContext(ctx).
		// CT-02 (internal/usecase/stock_concurrency_test.go) fails without
		// this clause: concurrent debits read the same level and overwrite
		// each other's result.
		Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
		Where("product_id = ?", lk.ProductID)
	if !lk.AllWarehouses {
		q = q.Where("warehouse_id IN ?", lk.WarehouseIDs)
	}
	var rows []stockLevelModel
	if err := q.Order("warehouse_id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("lock stock levels of product %d: %w", lk.ProductID, err)
	}
	return rows, nil
}

// ensure inserts zero levels for the product in the warehouses, leaving
// existing rows alone. An unknown warehouse is NotFound, checked here rather
// than on every operation: a level that exists proves its warehouse does
// (foreign key, ON DELETE CASCADE), so only a level about to be created needs
// the query.
func (r *stockRepo) ensure(ctx context.Context, productID int64, warehouseIDs []int64) error {
	var found []int64
	if err := r.db.WithContext(ctx).Model(&warehouseModel{}).Where("id IN ?", warehouseIDs).Pluck("id", &found).Error; err != nil {
		return fmt.Errorf("read warehouses: %w", err)
	}
	for _, w := range warehouseIDs {
		if !slices.Contains(found, w) {
			return domain.NotFound("warehouse", w)
		}
	}
	now := dbTime(r.db.NowFunc())
	rows := make([]stockLevelModel, len(warehouseIDs))
	for i, w := range warehouseIDs {
		rows[i] = stockLevelModel{ProductID: productID, WarehouseID: w, UpdatedAt: now}
	}
	err := r.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error
	if err != nil && foreignKeyViolated(err) { // deleted since the use case checked it
		return domain.NotFound("product or warehouse of stock level", fmt.Sprintf("%d/%v", productID, warehouseIDs))
	}
	if err != nil {
		return fmt.Errorf("create stock levels of product %d: %w", productID, err)
	}
	return nil
}

func missingWarehouses(rows []stockLevelModel, want []int64) []int64 {
	have := make(map[int64]bool, len(rows))
	for _, m := range rows {
		have[m.WarehouseID] = true
	}
	var missing []int64
	for _, w := range want {
		if !have[w] {
			missing = append(missing, w)
		}
	}
	return missing
}

// SaveLevels implements domain.StockRepository.
func (r *stockRepo) SaveLevels(ctx context.Context, levels []*domain.StockLevel) error {
	for _, l := range levels {
		err := r.db.WithContext(ctx).Model(&stockLevelModel{}).
			Where("product_id = ? AND warehouse_id = ?", l.ProductID, l.WarehouseID).
			Updates(map[string]any{"qty": l.Qty, "updated_at": dbTime(l.UpdatedAt)}).Error
		if err != nil {
			return fmt.Errorf("update stock level of product %d in warehouse %d: %w", l.ProductID, l.WarehouseID, err)
		}
	}
	return nil
}

// SaveLevelsAndMovements writes the levels locked by LockLevels and appends
// their ledger rows, setting the movements' IDs: SaveLevels then
// movementRepo.Add, except on MySQL, where the level UPDATEs and the ledger
// INSERT go to the server in one multi-statement command, and on PostgreSQL,
// where they are one statement (saveLevelsAndMovementsPostgres). They run while the
// levels are locked, so every round trip saved there is time other writers of
// the row do not wait (docs/benchmarks.md, "Stock"). The arguments are
// interpolated and escaped by the driver (interpolateParams, see MySQLDSN),
// never concatenated; an error in any statement stops the batch and is
// returned, and the caller's unit of work rolls back.
func (r *stockRepo) SaveLevelsAndMovements(ctx context.Context, levels []*domain.StockLevel, ms []*domain.Movement) error {
	// PostgreSQL: one statement too, within its 65535 bind parameters.
	if r.dialect == sqldialect.Postgres && len(ms) > 0 && 4*len(levels)+len(movementColumns)*len(ms) <= 65535 {
		return r.saveLevelsAndMovementsPostgres(ctx, levels, ms)
	}
	if r.dialect != sqldialect.MySQL || len(ms) == 0 {
		if err := r.SaveLevels(ctx, levels); err != nil {
			return err
		}
		return (&movementRepo{db: r.db}).Add(ctx, ms)
	}
	var q strings.Builder
	args := make([]any, 0, 4*len(levels)+len(movementColumns)*len(ms))
	for _, l := range levels {
		q.WriteString("UPDATE stock_levels SET qty = ?, updated_at = ? WHERE product_id = ? AND warehouse_id = ?;\n")
		args = append(args, l.Qty, dbTime(l.UpdatedAt), l.ProductID, l.WarehouseID)
	}
	// The INSERT comes last: the driver reports the last statement's result,
	// whose insert id is the first of the rows it wrote.
	q.WriteString("INSERT INTO stock_movements (" + strings.Join(movementColumns, ", ") + ") VALUES ")
	row := "(" + sqlbind.List(len(movementColumns)) + ")"
	for i, m := range ms {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(row)
		args = append(args, movementValues(m)...)
	}
	// The *sql.Tx of the unit of work, beneath GORM: GORM's Exec would hide
	// the insert id.
	res, err := r.db.WithContext(ctx).Statement.ConnPool.ExecContext(ctx, q.String(), args...)
	if err != nil {
		return fmt.Errorf("update stock levels and append stock movements: %w", err)
	}
	first, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("append stock movements: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != int64(len(ms)) {
		return fmt.Errorf("append stock movements: %d of %d rows written (%v)", n, len(ms), err)
	}
	// A multi-row INSERT … VALUES reserves its ids in one go, consecutive
	// with auto_increment_increment = 1: the assumption GORM's batch Create
	// (the other dialects' path) makes too.
	for i, m := range ms {
		m.ID = first + int64(i)
	}
	return nil
}

// saveLevelsAndMovementsPostgres is SaveLevelsAndMovements on PostgreSQL: one
// statement, the level UPDATEs as data-modifying WITH queries of the ledger
// INSERT, whose RETURNING gives the movements' ids in the order of its VALUES
// (as for GORM's batch Create).
func (r *stockRepo) saveLevelsAndMovementsPostgres(ctx context.Context, levels []*domain.StockLevel, ms []*domain.Movement) error {
	var q strings.Builder
	args := make([]any, 0, 4*len(levels)+len(movementColumns)*len(ms))
	for i, l := range levels {
		if i == 0 {
			q.WriteString("WITH ")
		} else {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "l%d AS (UPDATE stock_levels SET qty = ?, updated_at = ? WHERE product_id = ? AND warehouse_id = ?)", i)
		args = append(args, l.Qty, dbTime(l.UpdatedAt), l.ProductID, l.WarehouseID)
	}
	q.WriteString(" INSERT INTO stock_movements (" + strings.Join(movementColumns, ", ") + ") VALUES ")
	row := "(" + sqlbind.List(len(movementColumns)) + ")"
	for i, m := range ms {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(row)
		args = append(args, movementValues(m)...)
	}
	q.WriteString(" RETURNING id")
	var ids []int64
	if err := rawFind(r.db.WithContext(ctx), &ids, q.String(), args...); err != nil {
		return fmt.Errorf("update stock levels and append stock movements: %w", err)
	}
	if len(ids) != len(ms) {
		return fmt.Errorf("append stock movements: %d of %d rows written", len(ids), len(ms))
	}
	for i, m := range ms {
		m.ID = ids[i]
	}
	return nil
}

// movementColumns are the columns of stock_movements an append writes, in
// the order SaveLevelsAndMovements passes them.
var movementColumns = []string{"product_id", "warehouse_id", "qty", "balance_after", "unit_cost", "label",
	"origin_type", "origin_id", "user_id", "request_id", "created_at"}

// movementValues is m's row, in the order of movementColumns.
func movementValues(m *domain.Movement) []any {
	mm := toMovementModel(m)
	return []any{mm.ProductID, mm.WarehouseID, mm.Qty, mm.BalanceAfter, mm.UnitCost, mm.Label,
		mm.OriginType, mm.OriginID, mm.UserID, mm.RequestID, mm.CreatedAt}
}

// ProductLevels implements domain.StockRepository.
func (r *stockRepo) ProductLevels(ctx context.Context, productID int64) ([]*domain.StockLevel, error) {
	var rows []stockLevelModel
	if err := r.db.WithContext(ctx).Where("product_id = ?", productID).Order("warehouse_id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read stock levels of product %d: %w", productID, err)
	}
	out := make([]*domain.StockLevel, len(rows))
	for i, m := range rows {
		out[i] = m.level()
	}
	return out, nil
}

// stockMovementModel is a row of the stock ledger.
type stockMovementModel struct {
	ID           int64 `gorm:"primaryKey"`
	ProductID    int64
	WarehouseID  int64
	Qty          decimal.Decimal
	BalanceAfter decimal.Decimal
	UnitCost     decimal.NullDecimal
	Label        string
	OriginType   string
	OriginID     *int64 // NULL: no origin document
	UserID       *int64 // NULL: no user; not a foreign key, the ledger outlives accounts
	RequestID    string
	CreatedAt    time.Time `gorm:"autoCreateTime:false"`
}

func (stockMovementModel) TableName() string { return "stock_movements" }

func nullableID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func idOrZero(id *int64) int64 {
	if id == nil {
		return 0
	}
	return *id
}

func toMovementModel(m *domain.Movement) stockMovementModel {
	return stockMovementModel{
		ProductID: m.ProductID, WarehouseID: m.WarehouseID, Qty: m.Qty, BalanceAfter: m.BalanceAfter,
		UnitCost: m.UnitCost, Label: m.Label, OriginType: m.Origin.Type, OriginID: nullableID(m.Origin.ID),
		UserID: nullableID(m.UserID), RequestID: m.RequestID, CreatedAt: dbTime(m.CreatedAt),
	}
}

func (m stockMovementModel) movement() *domain.Movement {
	return &domain.Movement{
		ID: m.ID, ProductID: m.ProductID, WarehouseID: m.WarehouseID, Qty: m.Qty, BalanceAfter: m.BalanceAfter,
		UnitCost: m.UnitCost, Label: m.Label, Origin: domain.Origin{Type: m.OriginType, ID: idOrZero(m.OriginID)},
		UserID: idOrZero(m.UserID), RequestID: m.RequestID, CreatedAt: m.CreatedAt.UTC(),
	}
}

type movementRepo struct{ db *gorm.DB }

// Add implements domain.MovementRepository: one INSERT for all the rows.
func (r *movementRepo) Add(ctx context.Context, ms []*domain.Movement) error {
	return insertAll(ctx, r.db, ms, toMovementModel, func(m *domain.Movement, row stockMovementModel) { m.ID = row.ID }, "stock movements")
}

func (r *movementRepo) Get(ctx context.Context, id int64) (*domain.Movement, error) {
	var m stockMovementModel
	if err := takeOne(r.db.WithContext(ctx).Where("id = ?", id), &m, "stock movement", id); err != nil {
		return nil, err
	}
	return m.movement(), nil
}

func (r *movementRepo) filtered(ctx context.Context, f domain.MovementFilter) *gorm.DB {
	db := r.db.WithContext(ctx).Model(&stockMovementModel{})
	if f.ProductID != 0 {
		db = db.Where("product_id = ?", f.ProductID)
	}
	if f.WarehouseID != 0 {
		db = db.Where("warehouse_id = ?", f.WarehouseID)
	}
	if !f.From.IsZero() {
		db = db.Where("created_at >= ?", dbTime(f.From))
	}
	if !f.To.IsZero() {
		db = db.Where("created_at < ?", dbTime(f.To))
	}
	if f.OriginType != "" {
		db = db.Where("origin_type = ?", f.OriginType)
	}
	if f.OriginID != 0 {
		db = db.Where("origin_id = ?", f.OriginID)
	}
	return db
}

// List implements domain.MovementRepository; newest first unless sorted.
func (r *movementRepo) List(ctx context.Context, f domain.MovementFilter) (domain.Page[*domain.Movement], error) {
	cols := map[string]string{"id": "id", "created_at": "created_at"}
	page, err := listPage(func() *gorm.DB { return r.filtered(ctx, f) }, f.ListQuery, cols, true, infallible(stockMovementModel.movement))
	if err != nil {
		return page, fmt.Errorf("list stock movements: %w", err)
	}
	return page, nil
}

// ExistsForProduct implements domain.MovementRepository.
func (r *movementRepo) ExistsForProduct(ctx context.Context, productID int64) (bool, error) {
	return r.exists(ctx, "product_id", productID)
}

// ExistsForWarehouse implements domain.MovementRepository.
func (r *movementRepo) ExistsForWarehouse(ctx context.Context, warehouseID int64) (bool, error) {
	return r.exists(ctx, "warehouse_id", warehouseID)
}

// exists reads at most one id of the movements whose column (a constant of
// the callers, never input) equals id.
func (r *movementRepo) exists(ctx context.Context, column string, id int64) (bool, error) {
	var ids []int64
	err := r.db.WithContext(ctx).Model(&stockMovementModel{}).Where(column+" = ?", id).Limit(1).Pluck("id", &ids).Error
	if err != nil {
		return false, fmt.Errorf("look for stock movements of %s %d: %w", column, id, err)
	}
	return len(ids) > 0, nil
}
