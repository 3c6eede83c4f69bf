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

// receptionModel is a row of receptions.
type receptionModel struct {
	ID              int64   `gorm:"primaryKey"`
	Ref             *string // NULL until Number, in the unit of work that inserts it
	PurchaseOrderID int64
	WarehouseID     int64
	ReceptionDate   time.Time
	CreatedBy       int64
	CreatedAt       time.Time `gorm:"autoCreateTime:false"`
}

func (receptionModel) TableName() string { return "receptions" }

// receptionLineModel is a row of reception_lines.
type receptionLineModel struct {
	ID          int64 `gorm:"primaryKey"`
	ReceptionID int64
	LineNo      int
	OrderLineID int64
	ProductID   *int64
	Qty         decimal.Decimal
	UnitCost    decimal.Decimal
}

func (receptionLineModel) TableName() string { return "reception_lines" }

func (m receptionModel) reception() *domain.Reception {
	return &domain.Reception{
		ID: m.ID, Ref: deref(m.Ref), PurchaseOrderID: m.PurchaseOrderID, WarehouseID: m.WarehouseID,
		Date: dateOnly(m.ReceptionDate), CreatedBy: m.CreatedBy, CreatedAt: m.CreatedAt.UTC(),
		Lines: []domain.ReceptionLine{},
	}
}

type receptionRepo struct {
	db      *gorm.DB
	dialect string
}

func (r *receptionRepo) Create(ctx context.Context, rec *domain.Reception) error {
	m := receptionModel{
		Ref: optString(rec.Ref), PurchaseOrderID: rec.PurchaseOrderID, WarehouseID: rec.WarehouseID,
		ReceptionDate: dateOnly(rec.Date), CreatedBy: rec.CreatedBy, CreatedAt: dbTime(rec.CreatedAt),
	}
	if r.dialect == sqldialect.Postgres && len(rec.Lines) > 0 {
		return r.createPostgres(ctx, rec, m)
	}
	if r.dialect == sqldialect.MySQL && len(rec.Lines) > 0 {
		return r.createMySQL(ctx, rec, m)
	}
	if err := r.db.WithContext(ctx).Create(&m).Error; err != nil {
		return receptionWriteError(rec, err)
	}
	rec.ID = m.ID
	if len(rec.Lines) == 0 {
		return nil
	}
	rows := make([]receptionLineModel, len(rec.Lines))
	for i, l := range rec.Lines {
		rows[i] = receptionLineModel{
			ReceptionID: rec.ID, LineNo: i + 1, OrderLineID: l.OrderLineID, ProductID: optID(l.ProductID),
			Qty: l.Qty, UnitCost: l.UnitCost,
		}
	}
	if err := r.db.WithContext(ctx).Create(&rows).Error; err != nil {
		return receptionWriteError(rec, err)
	}
	for i := range rows {
		rec.Lines[i].ID = rows[i].ID
	}
	return nil
}

// createPostgres is Create in one statement: the header's INSERT is a
// data-modifying WITH query of the lines' INSERT, which returns every line's
// id with the header's (a round trip less under the order's row lock).
func (r *receptionRepo) createPostgres(ctx context.Context, rec *domain.Reception, m receptionModel) error {
	var q strings.Builder
	q.WriteString("WITH h AS (INSERT INTO receptions (ref, purchase_order_id, warehouse_id, reception_date, created_by, created_at) " +
		"VALUES (?, ?, ?, ?, ?, ?) RETURNING id) " +
		"INSERT INTO reception_lines (reception_id, line_no, order_line_id, product_id, qty, unit_cost) " +
		"SELECT h.id, v.line_no, v.order_line_id, v.product_id, v.qty, v.unit_cost FROM h, (VALUES ")
	args := []any{m.Ref, m.PurchaseOrderID, m.WarehouseID, m.ReceptionDate, m.CreatedBy, m.CreatedAt}
	for i, l := range rec.Lines {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(CAST(? AS INTEGER), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS NUMERIC), CAST(? AS NUMERIC))")
		args = append(args, i+1, l.OrderLineID, optID(l.ProductID), l.Qty, l.UnitCost)
	}
	q.WriteString(") AS v (line_no, order_line_id, product_id, qty, unit_cost) RETURNING id, reception_id, line_no")
	var rows []receptionLineModel
	if err := r.db.WithContext(ctx).Raw(q.String(), args...).Scan(&rows).Error; err != nil {
		return receptionWriteError(rec, err)
	}
	if len(rows) != len(rec.Lines) {
		return fmt.Errorf("write reception: %d of %d lines written", len(rows), len(rec.Lines))
	}
	for _, row := range rows {
		rec.ID = row.ReceptionID
		rec.Lines[row.LineNo-1].ID = row.ID
	}
	return nil
}

// createMySQL is Create in one multi-statement command: the header's
// INSERT, its id kept in a session variable for the lines' INSERT, and a
// SELECT of that id and of the first line's (InnoDB gives the rows of one
// multi-row INSERT consecutive ids, as GORM's batch inserts rely on too).
func (r *receptionRepo) createMySQL(ctx context.Context, rec *domain.Reception, m receptionModel) error {
	var q strings.Builder
	q.WriteString("INSERT INTO receptions (ref, purchase_order_id, warehouse_id, reception_date, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?);\n" +
		"SET @doligo_reception_id = LAST_INSERT_ID();\n" +
		"INSERT INTO reception_lines (reception_id, line_no, order_line_id, product_id, qty, unit_cost) VALUES ")
	args := []any{m.Ref, m.PurchaseOrderID, m.WarehouseID, m.ReceptionDate, m.CreatedBy, m.CreatedAt}
	for i, l := range rec.Lines {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(@doligo_reception_id, ?, ?, ?, ?, ?)")
		args = append(args, i+1, l.OrderLineID, optID(l.ProductID), l.Qty, l.UnitCost)
	}
	q.WriteString(";\nSELECT @doligo_reception_id, LAST_INSERT_ID()")
	// The *sql.Tx of the unit of work, beneath GORM, which would not pass a
	// multi-statement command through unchanged.
	rows, err := r.db.WithContext(ctx).Statement.ConnPool.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return receptionWriteError(rec, err)
	}
	defer rows.Close()
	var headerID, firstLineID int64
	found := false
	for { // the INSERTs' and SET's result sets are empty; the SELECT's is last
		for rows.Next() {
			if err := rows.Scan(&headerID, &firstLineID); err != nil {
				return fmt.Errorf("write reception: %w", err)
			}
			found = true
		}
		if !rows.NextResultSet() {
			break
		}
	}
	if err := rows.Err(); err != nil {
		return receptionWriteError(rec, err)
	}
	if !found || headerID == 0 {
		return fmt.Errorf("write reception: the ids were not returned")
	}
	rec.ID = headerID
	for i := range rec.Lines {
		rec.Lines[i].ID = firstLineID + int64(i)
	}
	return nil
}

// Complete is a reception's last write, once it is numbered: rec.Ref, the
// label of its ledger rows (ids movementIDs, which name it), and what it did
// to its order — the qty_received of the changed lines and the order's
// status and updated_at. One round trip on PostgreSQL (data-modifying WITH
// queries) and MySQL (a multi-statement command, arguments interpolated and
// escaped by the driver as in SaveLevelsAndMovements): it runs while the
// order's row and the shared numbering row of receptions are locked, so
// every round trip saved is time every other reception waits
// (docs/benchmarks.md, "Receptions"). SQLite: one statement each.
func (r *receptionRepo) Complete(ctx context.Context, rec *domain.Reception, label string, movementIDs []int64, order *domain.Document, lines []domain.Line) error {
	om := toDocumentModel(order)
	var err error
	switch r.dialect {
	case sqldialect.Postgres:
		var q strings.Builder
		var args []any
		q.WriteString("WITH ")
		if len(movementIDs) > 0 {
			q.WriteString("m AS (UPDATE stock_movements SET label = ? WHERE id IN ?), ")
			args = append(args, label, movementIDs)
		}
		if len(lines) > 0 {
			q.WriteString("l AS (UPDATE commercial_document_lines AS t SET qty_received = v.q FROM (VALUES ")
			for i, l := range lines {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(CAST(? AS BIGINT), CAST(? AS NUMERIC))")
				args = append(args, l.ID, l.QtyReceived)
			}
			q.WriteString(") AS v (id, q) WHERE t.id = v.id AND t.document_id = ?), ")
			args = append(args, order.ID)
		}
		q.WriteString("o AS (UPDATE commercial_documents SET status = ?, updated_at = ? WHERE id = ?) " +
			"UPDATE receptions SET ref = ? WHERE id = ?")
		args = append(args, om.Status, om.UpdatedAt, order.ID, rec.Ref, rec.ID)
		err = r.db.WithContext(ctx).Exec(q.String(), args...).Error
	case sqldialect.MySQL:
		var q strings.Builder
		var args []any
		if len(movementIDs) > 0 {
			q.WriteString("UPDATE stock_movements SET label = ? WHERE id IN (" + sqlbind.List(len(movementIDs)) + ");\n")
			args = append(args, label)
			for _, id := range movementIDs {
				args = append(args, id)
			}
		}
		for _, l := range lines {
			q.WriteString("UPDATE commercial_document_lines SET qty_received = ? WHERE id = ? AND document_id = ?;\n")
			args = append(args, l.QtyReceived, l.ID, order.ID)
		}
		q.WriteString("UPDATE commercial_documents SET status = ?, updated_at = ? WHERE id = ?;\n" +
			"UPDATE receptions SET ref = ? WHERE id = ?")
		args = append(args, om.Status, om.UpdatedAt, order.ID, rec.Ref, rec.ID)
		// The *sql.Tx of the unit of work, beneath GORM, which would not
		// pass a multi-statement command through unchanged.
		_, err = r.db.WithContext(ctx).Statement.ConnPool.ExecContext(ctx, q.String(), args...)
	default:
		err = r.completeEach(ctx, rec, label, movementIDs, order, om, lines)
	}
	if err != nil {
		return receptionWriteError(rec, err)
	}
	return nil
}

// completeEach is Complete one statement at a time (SQLite, where a write
// holds the whole database and round trips cost no network).
func (r *receptionRepo) completeEach(ctx context.Context, rec *domain.Reception, label string, movementIDs []int64, order *domain.Document, om documentModel, lines []domain.Line) error {
	db := r.db.WithContext(ctx)
	if len(movementIDs) > 0 {
		if err := db.Model(&stockMovementModel{}).Where("id IN ?", movementIDs).Update("label", label).Error; err != nil {
			return err
		}
	}
	for _, l := range lines {
		err := db.Model(&documentLineModel{}).Where("id = ? AND document_id = ?", l.ID, order.ID).Update("qty_received", l.QtyReceived).Error
		if err != nil {
			return err
		}
	}
	err := db.Model(&documentModel{}).Where("id = ?", order.ID).
		Updates(map[string]any{"status": om.Status, "updated_at": om.UpdatedAt}).Error
	if err != nil {
		return err
	}
	return db.Model(&receptionModel{}).Where("id = ?", rec.ID).Update("ref", rec.Ref).Error
}

// receptionWriteError names the constraint violations a reception can meet:
// a number already taken (the sequence is locked, so only a hand-made row
// can collide) or a warehouse deleted since the use case checked it.
func receptionWriteError(rec *domain.Reception, err error) error {
	switch {
	case uniqueViolated(err):
		return domain.ErrDuplicateRef("reception", rec.Ref)
	case foreignKeyViolated(err):
		return domain.Conflictf("reference-gone", "reception %s: a warehouse or product it names was deleted meanwhile", rec.Ref)
	}
	return fmt.Errorf("write reception %s: %w", rec.Ref, err)
}

func (r *receptionRepo) Get(ctx context.Context, id int64) (*domain.Reception, error) {
	var m receptionModel
	if err := takeOne(r.db.WithContext(ctx).Where("id = ?", id), &m, "reception", id); err != nil {
		return nil, err
	}
	rec := m.reception()
	return rec, r.loadLines(ctx, rec)
}

// loadLines reads the lines of every reception of recs in one query.
func (r *receptionRepo) loadLines(ctx context.Context, recs ...*domain.Reception) error {
	return loadChildLines(ctx, r.db, "reception_id", recs, func(rec *domain.Reception) int64 { return rec.ID },
		func(l receptionLineModel) int64 { return l.ReceptionID }, func(rec *domain.Reception, l receptionLineModel) {
			rl := domain.ReceptionLine{ID: l.ID, OrderLineID: l.OrderLineID, Qty: l.Qty, UnitCost: l.UnitCost}
			if l.ProductID != nil {
				rl.ProductID = *l.ProductID
			}
			rec.Lines = append(rec.Lines, rl)
		})
}

// List reads one page in three queries whatever its size: the count, the
// headers and the lines of the page.
func (r *receptionRepo) List(ctx context.Context, f domain.ReceptionFilter) (domain.Page[*domain.Reception], error) {
	filtered := func() *gorm.DB {
		db := r.db.WithContext(ctx).Model(&receptionModel{})
		if f.PurchaseOrderID != 0 {
			db = db.Where("purchase_order_id = ?", f.PurchaseOrderID)
		}
		return db
	}
	cols := map[string]string{"id": "id", "date": "reception_date", "created_at": "created_at"}
	rows, total, err := listPage[receptionModel](filtered, f.ListQuery, cols, true)
	if err != nil {
		return domain.Page[*domain.Reception]{}, fmt.Errorf("list receptions: %w", err)
	}
	page := domain.Page[*domain.Reception]{Total: total, Items: make([]*domain.Reception, len(rows))}
	for i, m := range rows {
		page.Items[i] = m.reception()
	}
	return page, r.loadLines(ctx, page.Items...)
}

// optString maps "" to NULL.
func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// deref maps NULL to "".
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
