package gormdb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/sqlbind"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// shipmentModel is a row of shipments.
type shipmentModel struct {
	ID           int64   `gorm:"primaryKey"`
	Ref          *string // NULL until Number, in the unit of work that inserts it
	OrderID      int64
	ThirdPartyID int64 `gorm:"column:thirdparty_id"`
	WarehouseID  int64
	ShipmentDate time.Time
	CreatedBy    int64
	CreatedAt    time.Time `gorm:"autoCreateTime:false"`
}

func (shipmentModel) TableName() string { return "shipments" }

// shipmentLineModel is a row of shipment_lines.
type shipmentLineModel struct {
	ID          int64 `gorm:"primaryKey"`
	ShipmentID  int64
	LineNo      int
	OrderLineID int64
	ProductID   *int64
	Qty         decimal.Decimal
}

func (shipmentLineModel) TableName() string { return "shipment_lines" }

func (m shipmentModel) shipment() *domain.Shipment {
	return &domain.Shipment{
		ID: m.ID, Ref: deref(m.Ref), OrderID: m.OrderID, ThirdPartyID: m.ThirdPartyID, WarehouseID: m.WarehouseID,
		Date: dateOnly(m.ShipmentDate), CreatedBy: m.CreatedBy, CreatedAt: m.CreatedAt.UTC(),
		Lines: []domain.ShipmentLine{},
	}
}

type shipmentRepo struct {
	db      *gorm.DB
	dialect string
}

// Create inserts the header, then every line in one INSERT.
func (r *shipmentRepo) Create(ctx context.Context, sh *domain.Shipment) error {
	m := shipmentModel{
		Ref: optString(sh.Ref), OrderID: sh.OrderID, ThirdPartyID: sh.ThirdPartyID, WarehouseID: sh.WarehouseID,
		ShipmentDate: dateOnly(sh.Date), CreatedBy: sh.CreatedBy, CreatedAt: dbTime(sh.CreatedAt),
	}
	if err := r.db.WithContext(ctx).Create(&m).Error; err != nil {
		return shipmentWriteError(sh, err)
	}
	sh.ID = m.ID
	if len(sh.Lines) == 0 {
		return nil
	}
	rows := make([]shipmentLineModel, len(sh.Lines))
	for i, l := range sh.Lines {
		rows[i] = shipmentLineModel{ShipmentID: sh.ID, LineNo: i + 1, OrderLineID: l.OrderLineID, ProductID: optID(l.ProductID), Qty: l.Qty}
	}
	if err := r.db.WithContext(ctx).Create(&rows).Error; err != nil {
		return shipmentWriteError(sh, err)
	}
	for i := range rows {
		sh.Lines[i].ID = rows[i].ID
	}
	return nil
}

// Number is the shipment's final write, after its number: its ref, the
// label of its ledger rows (ids movementIDs, which name it), the qty_shipped
// of the order's lines shipped and the order's updated_at. One round trip on
// PostgreSQL (data-modifying WITHs) and MySQL (a multi-statement command,
// arguments interpolated and escaped by the driver as in
// SaveLevelsAndMovements): it runs while the shared numbering row of
// shipments is locked, so every round trip saved is time every other
// shipment waits. SQLite: one statement after the other.
func (r *shipmentRepo) Number(ctx context.Context, sh *domain.Shipment, order *domain.Document, shipped []domain.Line, label string, movementIDs []int64) error {
	var err error
	switch r.dialect {
	case sqldialect.Postgres:
		var q strings.Builder
		var args []any
		q.WriteString("WITH d AS (UPDATE commercial_documents SET updated_at = ? WHERE id = ?)")
		args = append(args, dbTime(order.UpdatedAt), order.ID)
		if len(movementIDs) > 0 {
			q.WriteString(", m AS (UPDATE stock_movements SET label = ? WHERE id IN ?)")
			args = append(args, label, movementIDs)
		}
		if len(shipped) > 0 {
			q.WriteString(", l AS (UPDATE commercial_document_lines AS t SET qty_shipped = v.q FROM (VALUES ")
			for i, l := range shipped {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(CAST(? AS BIGINT), CAST(? AS NUMERIC))")
				args = append(args, l.ID, l.QtyShipped)
			}
			q.WriteString(") AS v (id, q) WHERE t.id = v.id AND t.document_id = ?)")
			args = append(args, order.ID)
		}
		q.WriteString(" UPDATE shipments SET ref = ? WHERE id = ?")
		args = append(args, sh.Ref, sh.ID)
		err = r.db.WithContext(ctx).Exec(q.String(), args...).Error
	case sqldialect.MySQL:
		q := "UPDATE shipments SET ref = ? WHERE id = ?;\nUPDATE commercial_documents SET updated_at = ? WHERE id = ?"
		args := []any{sh.Ref, sh.ID, dbTime(order.UpdatedAt), order.ID}
		if len(movementIDs) > 0 {
			q += ";\nUPDATE stock_movements SET label = ? WHERE id IN (" + sqlbind.List(len(movementIDs)) + ")"
			args = append(args, label)
			for _, id := range movementIDs {
				args = append(args, id)
			}
		}
		for _, l := range shipped {
			q += ";\nUPDATE commercial_document_lines SET qty_shipped = ? WHERE id = ? AND document_id = ?"
			args = append(args, l.QtyShipped, l.ID, order.ID)
		}
		// The *sql.Tx of the unit of work, beneath GORM, which would not
		// pass a multi-statement command through unchanged.
		_, err = r.db.WithContext(ctx).Statement.ConnPool.ExecContext(ctx, q, args...)
	default:
		db := r.db.WithContext(ctx)
		err = db.Model(&shipmentModel{}).Where("id = ?", sh.ID).Update("ref", sh.Ref).Error
		if err == nil {
			err = db.Model(&documentModel{}).Where("id = ?", order.ID).Update("updated_at", dbTime(order.UpdatedAt)).Error
		}
		if err == nil && len(movementIDs) > 0 {
			err = db.Model(&stockMovementModel{}).Where("id IN ?", movementIDs).Update("label", label).Error
		}
		for _, l := range shipped {
			if err != nil {
				break
			}
			err = db.Model(&documentLineModel{}).Where("id = ? AND document_id = ?", l.ID, order.ID).Update("qty_shipped", l.QtyShipped).Error
		}
	}
	if err != nil {
		return shipmentWriteError(sh, err)
	}
	return nil
}

// shipmentWriteError names the constraint violations a shipment can meet: a
// number already taken (the sequence is locked, so only a hand-made row can
// collide) or a warehouse deleted since the use case checked it.
func shipmentWriteError(sh *domain.Shipment, err error) error {
	switch {
	case uniqueViolated(err):
		return domain.ErrDuplicateRef("shipment", sh.Ref)
	case foreignKeyViolated(err):
		return domain.Conflictf("reference-gone", "shipment %s: a warehouse or product it names was deleted meanwhile", sh.Ref)
	}
	return fmt.Errorf("write shipment %s: %w", sh.Ref, err)
}

func (r *shipmentRepo) Get(ctx context.Context, id int64) (*domain.Shipment, error) {
	var m shipmentModel
	if err := takeOne(r.db.WithContext(ctx).Where("id = ?", id), &m, "shipment", id); err != nil {
		return nil, err
	}
	sh := m.shipment()
	return sh, r.loadLines(ctx, sh)
}

// loadLines reads the lines of every shipment of shs in one query.
func (r *shipmentRepo) loadLines(ctx context.Context, shs ...*domain.Shipment) error {
	return loadChildLines(ctx, r.db, "shipment_id", shs, func(sh *domain.Shipment) int64 { return sh.ID },
		func(l shipmentLineModel) int64 { return l.ShipmentID }, func(sh *domain.Shipment, l shipmentLineModel) {
			sl := domain.ShipmentLine{ID: l.ID, OrderLineID: l.OrderLineID, Qty: l.Qty}
			if l.ProductID != nil {
				sl.ProductID = *l.ProductID
			}
			sh.Lines = append(sh.Lines, sl)
		})
}

// List reads one page in three queries whatever its size: the count, the
// headers and the lines of the page.
func (r *shipmentRepo) List(ctx context.Context, f domain.ShipmentFilter) (domain.Page[*domain.Shipment], error) {
	filtered := func() *gorm.DB {
		db := r.db.WithContext(ctx).Model(&shipmentModel{})
		if f.OrderID != 0 {
			db = db.Where("order_id = ?", f.OrderID)
		}
		if f.ThirdPartyID != 0 {
			db = db.Where("thirdparty_id = ?", f.ThirdPartyID)
		}
		return db
	}
	cols := map[string]string{"id": "id", "date": "shipment_date", "created_at": "created_at"}
	page, err := listPage(filtered, f.ListQuery, cols, true, infallible(shipmentModel.shipment))
	if err != nil {
		return page, fmt.Errorf("list shipments: %w", err)
	}
	return page, r.loadLines(ctx, page.Items...)
}

// OrderStockMoved reports whether a ledger row names a shipment of the order.
func (r *shipmentRepo) OrderStockMoved(ctx context.Context, orderID int64) (bool, error) {
	var n int64
	err := r.db.WithContext(ctx).Model(&stockMovementModel{}).
		Where("origin_type = ? AND origin_id IN (?)", domain.OriginShipment,
			r.db.Model(&shipmentModel{}).Select("id").Where("order_id = ?", orderID)).
		Limit(1).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("read the stock movements of the shipments of order %d: %w", orderID, err)
	}
	return n > 0, nil
}
