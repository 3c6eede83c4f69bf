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
	Ref             *string // NULL for none (the column is nullable; Create always writes one)
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

// Create is a reception's one write, once it is numbered: the reception
// with its lines (setting their IDs), the ledger rows movementIDs pointed at
// it (origin id, and the label naming it), what it did to its order — the
// qty_received of the changed lines and the order's status and updated_at —
// and its audit row (object_id from the reception's insert). One round trip on PostgreSQL (data-modifying WITH queries) and
// MySQL (a multi-statement command, arguments interpolated and escaped by the
// driver as in SaveLevelsAndMovements): it runs while the order's row and the
// shared numbering row of receptions are locked, so every round trip saved is
// time every other reception waits (docs/benchmarks.md, "Receptions").
// SQLite: one statement each.
func (r *receptionRepo) Create(ctx context.Context, rec *domain.Reception, label string, movementIDs []int64, order *domain.Document, lines []domain.Line, audit *domain.AuditEntry) error {
	w := receptionWrite{
		rec: rec, label: label, movementIDs: movementIDs, order: order, lines: lines, now: dbTime(time.Now()),
		header: receptionModel{
			Ref: optString(rec.Ref), PurchaseOrderID: rec.PurchaseOrderID, WarehouseID: rec.WarehouseID,
			ReceptionDate: dateOnly(rec.Date), CreatedBy: rec.CreatedBy, CreatedAt: dbTime(rec.CreatedAt),
		},
		orderRow: toDocumentModel(order),
	}
	w.withAudit(audit)
	var err error
	switch r.dialect {
	case sqldialect.Postgres:
		err = r.createPostgres(ctx, w)
	case sqldialect.MySQL:
		err = r.createMySQL(ctx, w)
	default:
		err = r.createEach(ctx, w)
	}
	if err != nil {
		return receptionWriteError(rec, err)
	}
	return nil
}

// withAudit sets w's audit row from audit, when not nil.
func (w *receptionWrite) withAudit(audit *domain.AuditEntry) {
	if audit != nil {
		e := pendingOf(*audit)
		w.audit = &e
	}
}

// receptionWrite is what Create writes.
type receptionWrite struct {
	rec         *domain.Reception
	header      receptionModel
	label       string
	movementIDs []int64
	order       *domain.Document
	orderRow    documentModel
	lines       []domain.Line // the order's changed lines
	audit       *pendingAudit // the reception's audit row, if any; its object id is the reception's
	now         time.Time     // the audit row's time
}

const receptionColumns = "ref, purchase_order_id, warehouse_id, reception_date, created_by, created_at"

func (w receptionWrite) headerArgs() []any {
	m := w.header
	return []any{m.Ref, m.PurchaseOrderID, m.WarehouseID, m.ReceptionDate, m.CreatedBy, m.CreatedAt}
}

// createdRow is a row of createPostgres's answer: the reception's id, and
// one of its lines (none: NULLs).
type createdRow struct {
	ReceptionID int64
	ID          *int64
	LineNo      *int
}

func (r *receptionRepo) createPostgres(ctx context.Context, w receptionWrite) error {
	var q strings.Builder
	args := w.headerArgs()
	q.WriteString("WITH h AS (INSERT INTO receptions (" + receptionColumns + ") VALUES (?, ?, ?, ?, ?, ?) RETURNING id)")
	if len(w.movementIDs) > 0 {
		q.WriteString(", m AS (UPDATE stock_movements SET label = ?, origin_id = (SELECT id FROM h) WHERE id IN ?)")
		args = append(args, w.label, w.movementIDs)
	}
	if len(w.lines) > 0 {
		q.WriteString(", l AS (UPDATE commercial_document_lines AS t SET qty_received = v.q FROM (VALUES ")
		for i, l := range w.lines {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(CAST(? AS BIGINT), CAST(? AS NUMERIC))")
			args = append(args, l.ID, l.QtyReceived)
		}
		q.WriteString(") AS v (id, q) WHERE t.id = v.id AND t.document_id = ?)")
		args = append(args, w.order.ID)
	}
	q.WriteString(", o AS (UPDATE commercial_documents SET status = ?, updated_at = ? WHERE id = ?)")
	args = append(args, w.orderRow.Status, w.orderRow.UpdatedAt, w.order.ID)
	if w.audit != nil {
		q.WriteString(", a AS (INSERT INTO audit_log (" + auditColumns + ") SELECT ?, ?, ?, ?, ?, h.id, ? FROM h)")
		args = append(args, w.audit.args(w.now, false)...)
	}
	if len(w.rec.Lines) == 0 {
		q.WriteString(" SELECT h.id AS reception_id FROM h")
	} else {
		q.WriteString(", x AS (INSERT INTO reception_lines (reception_id, line_no, order_line_id, product_id, qty, unit_cost) " +
			"SELECT h.id, v.line_no, v.order_line_id, v.product_id, v.qty, v.unit_cost FROM h, (VALUES ")
		for i, l := range w.rec.Lines {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(CAST(? AS INTEGER), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS NUMERIC), CAST(? AS NUMERIC))")
			args = append(args, i+1, l.OrderLineID, optID(l.ProductID), l.Qty, l.UnitCost)
		}
		q.WriteString(") AS v (line_no, order_line_id, product_id, qty, unit_cost) RETURNING reception_id, id, line_no) " +
			"SELECT reception_id, id, line_no FROM x")
	}
	var rows []createdRow
	if err := rawFind(r.db.WithContext(ctx), &rows, q.String(), args...); err != nil {
		return err
	}
	if len(rows) != max(len(w.rec.Lines), 1) {
		return fmt.Errorf("%d rows written for a reception of %d lines", len(rows), len(w.rec.Lines))
	}
	w.rec.ID = rows[0].ReceptionID
	for _, row := range rows {
		if row.ID != nil && row.LineNo != nil {
			w.rec.Lines[*row.LineNo-1].ID = *row.ID
		}
	}
	return nil
}

// createMySQL refers to the reception's id as LAST_INSERT_ID() in the
// statements after its INSERT (an UPDATE leaves it alone, and a statement
// sees the value of the statement before it, so every row of the lines'
// INSERT gets it), and ends with a SELECT of it and of the first line's id,
// then LAST_INSERT_ID() (InnoDB gives the rows of one multi-row INSERT
// consecutive ids, as GORM's batch inserts rely on too).
func (r *receptionRepo) createMySQL(ctx context.Context, w receptionWrite) error {
	var q strings.Builder
	args := w.headerArgs()
	q.WriteString("INSERT INTO receptions (" + receptionColumns + ") VALUES (?, ?, ?, ?, ?, ?);\n")
	if len(w.movementIDs) > 0 {
		q.WriteString("UPDATE stock_movements SET label = ?, origin_id = LAST_INSERT_ID() WHERE id IN (" + sqlbind.List(len(w.movementIDs)) + ");\n")
		args = append(args, w.label)
		for _, id := range w.movementIDs {
			args = append(args, id)
		}
	}
	for _, l := range w.lines {
		q.WriteString("UPDATE commercial_document_lines SET qty_received = ? WHERE id = ? AND document_id = ?;\n")
		args = append(args, l.QtyReceived, l.ID, w.order.ID)
	}
	q.WriteString("UPDATE commercial_documents SET status = ?, updated_at = ? WHERE id = ?;\n")
	args = append(args, w.orderRow.Status, w.orderRow.UpdatedAt, w.order.ID)
	if len(w.rec.Lines) > 0 {
		q.WriteString("INSERT INTO reception_lines (reception_id, line_no, order_line_id, product_id, qty, unit_cost) VALUES ")
		for i, l := range w.rec.Lines {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(LAST_INSERT_ID(), ?, ?, ?, ?, ?)")
			args = append(args, i+1, l.OrderLineID, optID(l.ProductID), l.Qty, l.UnitCost)
		}
		q.WriteString(";\nSELECT reception_id, id FROM reception_lines WHERE id = LAST_INSERT_ID()")
	} else {
		q.WriteString("SELECT LAST_INSERT_ID(), 0")
	}
	if w.audit != nil {
		// LAST_INSERT_ID() is the first line's id, or the reception's.
		objectID := "LAST_INSERT_ID()"
		if len(w.rec.Lines) > 0 {
			objectID = "(SELECT reception_id FROM reception_lines WHERE id = LAST_INSERT_ID())"
		}
		q.WriteString(";\nINSERT INTO audit_log (" + auditColumns + ") VALUES (?, ?, ?, ?, ?, " + objectID + ", ?)")
		args = append(args, w.audit.args(w.now, false)...)
	}
	// The *sql.Tx of the unit of work, beneath GORM, which would not pass a
	// multi-statement command through unchanged.
	res, err := r.db.WithContext(ctx).Statement.ConnPool.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return err
	}
	defer res.Close()
	var id, firstLine int64
	for { // every result set is empty but the SELECT's, the last
		for res.Next() {
			if err := res.Scan(&id, &firstLine); err != nil {
				return err
			}
		}
		if !res.NextResultSet() {
			break
		}
	}
	if err := res.Err(); err != nil {
		return err
	}
	if id == 0 {
		return fmt.Errorf("the reception's id was not returned")
	}
	w.rec.ID = id
	for i := range w.rec.Lines {
		w.rec.Lines[i].ID = firstLine + int64(i)
	}
	return nil
}

// createEach is Create one statement at a time (SQLite, where a write holds
// the whole database and round trips cost no network).
func (r *receptionRepo) createEach(ctx context.Context, w receptionWrite) error {
	db := r.db.WithContext(ctx)
	h := w.header
	if err := db.Create(&h).Error; err != nil {
		return err
	}
	w.rec.ID = h.ID
	if len(w.movementIDs) > 0 {
		err := db.Model(&stockMovementModel{}).Where("id IN ?", w.movementIDs).
			Updates(map[string]any{"label": w.label, "origin_id": h.ID}).Error
		if err != nil {
			return err
		}
	}
	for _, l := range w.lines {
		err := db.Model(&documentLineModel{}).Where("id = ? AND document_id = ?", l.ID, w.order.ID).Update("qty_received", l.QtyReceived).Error
		if err != nil {
			return err
		}
	}
	err := db.Model(&documentModel{}).Where("id = ?", w.order.ID).
		Updates(map[string]any{"status": w.orderRow.Status, "updated_at": w.orderRow.UpdatedAt}).Error
	if err != nil {
		return err
	}
	if len(w.rec.Lines) == 0 {
		return w.insertAudit(db)
	}
	rows := make([]receptionLineModel, len(w.rec.Lines))
	for i, l := range w.rec.Lines {
		rows[i] = receptionLineModel{
			ReceptionID: h.ID, LineNo: i + 1, OrderLineID: l.OrderLineID, ProductID: optID(l.ProductID),
			Qty: l.Qty, UnitCost: l.UnitCost,
		}
	}
	if err := db.Create(&rows).Error; err != nil {
		return err
	}
	for i := range rows {
		w.rec.Lines[i].ID = rows[i].ID
	}
	return w.insertAudit(db)
}

// insertAudit writes w's audit row, if any, for the reception inserted.
func (w receptionWrite) insertAudit(db *gorm.DB) error {
	if w.audit == nil {
		return nil
	}
	e := *w.audit
	e.ObjectID = w.rec.ID
	q, args := auditInsert([]pendingAudit{e}, w.now)
	return db.Exec(q, args...).Error
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
	page, err := listPage(filtered, f.ListQuery, cols, true, infallible(receptionModel.reception))
	if err != nil {
		return page, fmt.Errorf("list receptions: %w", err)
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
