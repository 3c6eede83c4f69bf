package gormdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/doligo/doligo/internal/domain"
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

// Create implements domain.ReceptionRepository: the reception's number, the
// reception and its lines, the levels and ledger rows of the stock it adds,
// its order's received quantities and status, and its audit row (object_id
// from the reception's insert). One round trip on MySQL (a multi-statement
// command, arguments interpolated and escaped by the driver as in
// SaveLevelsAndMovements) and two on PostgreSQL (the number, then one
// statement of data-modifying WITH queries): it runs while the order's row,
// the levels and the shared numbering row of receptions are locked, so
// every round trip saved is time every other reception waits
// (docs/benchmarks.md, "Receptions"). The ledger rows are inserted after the
// reception, with its id as their origin: nothing to point at it afterwards.
// SQLite: one statement each.
func (r *receptionRepo) Create(ctx context.Context, w domain.ReceptionWrite) error {
	rec := w.Reception
	var err error
	if r.dialect == sqldialect.MySQL {
		// The number is formatted by the command that takes it; what names
		// the reception is written with a stand-in ref that the command
		// replaces (createMySQL).
		err = r.createMySQL(ctx, r.write(w, domain.ReceptionRefStandIn))
	} else {
		var n int64
		n, err = (&numberingRepo{db: r.db, dialect: r.dialect}).Next(ctx, w.Number.Sequence, w.Number.Period)
		if err != nil {
			return err
		}
		rec.Ref = w.Number.Mask.Format(rec.Date, n)
		if r.dialect == sqldialect.Postgres {
			err = r.createPostgres(ctx, r.write(w, rec.Ref))
		} else {
			err = r.createEach(ctx, r.write(w, rec.Ref))
		}
	}
	if err != nil {
		return receptionWriteError(rec, err)
	}
	for _, m := range w.Stock.Moves {
		m.Origin.ID = rec.ID
		m.Label = strings.ReplaceAll(m.Label, domain.ReceptionRefStandIn, rec.Ref)
	}
	return nil
}

// write is what Create writes of w, the reception named ref.
func (r *receptionRepo) write(w domain.ReceptionWrite, ref string) receptionWrite {
	rec := w.Reception
	named := *rec
	named.Ref = ref
	var label string
	var audit *domain.AuditEntry
	if w.Named != nil {
		label, audit = w.Named(&named)
	}
	for _, m := range w.Stock.Moves {
		m.Label = label
	}
	out := receptionWrite{
		rec: rec, number: w.Number, label: label, stock: w.Stock, order: w.Order, lines: w.Lines, now: dbTime(time.Now()),
		header: receptionModel{
			Ref: optString(ref), PurchaseOrderID: rec.PurchaseOrderID, WarehouseID: rec.WarehouseID,
			ReceptionDate: dateOnly(rec.Date), CreatedBy: rec.CreatedBy, CreatedAt: dbTime(rec.CreatedAt),
		},
		orderRow: toDocumentModel(w.Order),
	}
	out.withAudit(audit)
	return out
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
	rec      *domain.Reception
	number   domain.ReceptionNumber
	header   receptionModel
	label    string // the ledger rows'
	stock    domain.ReceptionStock
	order    *domain.Document
	orderRow documentModel
	lines    []domain.Line // the order's changed lines
	audit    *pendingAudit // the reception's audit row, if any; its object id is the reception's
	now      time.Time     // the audit row's time
}

const receptionColumns = "ref, purchase_order_id, warehouse_id, reception_date, created_by, created_at"

func (w receptionWrite) headerArgs() []any {
	m := w.header
	return []any{m.Ref, m.PurchaseOrderID, m.WarehouseID, m.ReceptionDate, m.CreatedBy, m.CreatedAt}
}

// levelsSQL is the UPDATE of every changed level, with its arguments.
func (w receptionWrite) levelsSQL() ([]string, []any) {
	stmts := make([]string, len(w.stock.Levels))
	args := make([]any, 0, 4*len(w.stock.Levels))
	for i, l := range w.stock.Levels {
		stmts[i] = "UPDATE stock_levels SET qty = ?, updated_at = ? WHERE product_id = ? AND warehouse_id = ?"
		args = append(args, l.Qty, dbTime(l.UpdatedAt), l.ProductID, l.WarehouseID)
	}
	return stmts, args
}

// movesSQL writes the ledger rows' INSERT, the columns of exprs given by
// those SQL expressions (the reception's id as origin_id) rather than the
// rows' values, and returns its arguments.
func (w receptionWrite) movesSQL(q *strings.Builder, exprs map[string]string) []any {
	cols := make([]string, len(movementColumns))
	for i, c := range movementColumns {
		cols[i] = "?"
		if e, ok := exprs[c]; ok {
			cols[i] = e
		}
	}
	row := "(" + strings.Join(cols, ", ") + ")"
	args := make([]any, 0, len(movementColumns)*len(w.stock.Moves))
	q.WriteString("INSERT INTO stock_movements (" + strings.Join(movementColumns, ", ") + ") VALUES ")
	for i, m := range w.stock.Moves {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(row)
		values := movementValues(m)
		for j, c := range movementColumns {
			if _, ok := exprs[c]; !ok {
				args = append(args, values[j])
			}
		}
	}
	return args
}

// setMoveIDs sets the ledger rows' ids from the first: a multi-row INSERT
// … VALUES reserves its ids in one go, consecutive (as SaveLevelsAndMovements
// and GORM's batch Create rely on too).
func (w receptionWrite) setMoveIDs(first int64) error {
	if len(w.stock.Moves) > 0 && first == 0 {
		return fmt.Errorf("the ledger rows' ids were not returned")
	}
	for i, m := range w.stock.Moves {
		m.ID = first + int64(i)
	}
	return nil
}

// createdRow is a row of createPostgres's answer: the reception's id, the
// first ledger row's id (NULL without any), and one of its lines (none:
// NULLs).
type createdRow struct {
	ReceptionID int64
	FirstMove   *int64
	ID          *int64
	LineNo      *int
}

func (r *receptionRepo) createPostgres(ctx context.Context, w receptionWrite) error {
	var q strings.Builder
	q.WriteString("WITH ")
	levels, args := w.levelsSQL()
	for i, u := range levels {
		fmt.Fprintf(&q, "s%d AS (%s), ", i, u)
	}
	q.WriteString("h AS (INSERT INTO receptions (" + receptionColumns + ") VALUES (?, ?, ?, ?, ?, ?) RETURNING id)")
	args = append(args, w.headerArgs()...)
	if len(w.stock.Moves) > 0 {
		q.WriteString(", m AS (")
		args = append(args, w.movesSQL(&q, map[string]string{"origin_id": "(SELECT id FROM h)"})...)
		q.WriteString(" RETURNING id)")
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
	// The ledger rows' ids are one sequence's, taken in the order of the
	// VALUES: the least is the first row's.
	firstMove := "CAST(NULL AS BIGINT)"
	if len(w.stock.Moves) > 0 {
		firstMove = "(SELECT min(id) FROM m)"
	}
	if len(w.rec.Lines) == 0 {
		q.WriteString(" SELECT h.id AS reception_id, " + firstMove + " AS first_move FROM h")
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
			"SELECT reception_id, " + firstMove + " AS first_move, id, line_no FROM x")
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
	var first int64
	if rows[0].FirstMove != nil {
		first = *rows[0].FirstMove
	}
	return w.setMoveIDs(first)
}

// createMySQL takes the number (the sequence row's upsert, which locks it
// and leaves the value it writes in LAST_INSERT_ID(expr) whether it inserts
// or updates the row: the table has no AUTO_INCREMENT of its own to
// overwrite it) and formats it by the mask's layout into @doligo_ref, which
// takes the place of the stand-in ref in the label and the audit row. It keeps
// the ids of what it inserts in session variables (the reception's, to
// refer to it; its first line's and first ledger row's, to answer them) and
// ends with a SELECT of them and the ref: InnoDB gives the rows of one
// multi-row INSERT consecutive ids, as GORM's batch inserts rely on too.
func (r *receptionRepo) createMySQL(ctx context.Context, w receptionWrite) error {
	var q strings.Builder
	levels, args := w.levelsSQL()
	for _, u := range levels {
		q.WriteString(u + ";\n")
	}
	prefix, width, suffix := w.number.Mask.Layout(w.rec.Date)
	q.WriteString("INSERT INTO numbering_sequences (doc_type, period, last_value) VALUES (?, ?, LAST_INSERT_ID(1)) " +
		"ON DUPLICATE KEY UPDATE last_value = LAST_INSERT_ID(last_value + 1);\n" +
		"SET @doligo_ref = CONCAT(?, LPAD(LAST_INSERT_ID(), GREATEST(?, CHAR_LENGTH(LAST_INSERT_ID())), '0'), ?);\n" +
		"INSERT INTO receptions (" + receptionColumns + ") VALUES (@doligo_ref, ?, ?, ?, ?, ?);\n" +
		"SET @doligo_reception = LAST_INSERT_ID(), @doligo_line = 0, @doligo_move = 0, @doligo_label = REPLACE(?, ?, @doligo_ref);\n")
	args = append(args, w.number.Sequence, w.number.Period, prefix, width, suffix)
	args = append(args, w.headerArgs()[1:]...)
	args = append(args, w.label, domain.ReceptionRefStandIn)
	if len(w.stock.Moves) > 0 {
		args = append(args, w.movesSQL(&q, map[string]string{"label": "@doligo_label", "origin_id": "@doligo_reception"})...)
		q.WriteString(";\nSET @doligo_move = LAST_INSERT_ID();\n")
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
			q.WriteString("(@doligo_reception, ?, ?, ?, ?, ?)")
			args = append(args, i+1, l.OrderLineID, optID(l.ProductID), l.Qty, l.UnitCost)
		}
		q.WriteString(";\nSET @doligo_line = LAST_INSERT_ID();\n")
	}
	if w.audit != nil {
		q.WriteString("INSERT INTO audit_log (" + auditColumns + ") VALUES (?, ?, ?, ?, ?, @doligo_reception, REPLACE(?, ?, @doligo_ref));\n")
		args = append(args, w.audit.args(w.now, false)...)
		args = append(args, domain.ReceptionRefStandIn)
	}
	q.WriteString("SELECT @doligo_reception, @doligo_line, @doligo_move, @doligo_ref")
	// The *sql.Tx of the unit of work, beneath GORM, which would not pass a
	// multi-statement command through unchanged.
	res, err := r.db.WithContext(ctx).Statement.ConnPool.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return err
	}
	defer res.Close()
	var id, firstLine, firstMove int64
	var ref sql.NullString
	for { // every result set is empty but the SELECT's, the last
		for res.Next() {
			if err := res.Scan(&id, &firstLine, &firstMove, &ref); err != nil {
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
	if id == 0 || (len(w.rec.Lines) > 0 && firstLine == 0) || !ref.Valid || ref.String == "" {
		return fmt.Errorf("the reception's ids and number were not returned")
	}
	w.rec.ID, w.rec.Ref = id, ref.String
	for i := range w.rec.Lines {
		w.rec.Lines[i].ID = firstLine + int64(i)
	}
	return w.setMoveIDs(firstMove)
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
	for _, m := range w.stock.Moves {
		m.Origin.ID = h.ID
	}
	if err := (&stockRepo{db: r.db, dialect: r.dialect}).SaveLevelsAndMovements(ctx, w.stock.Levels, w.stock.Moves); err != nil {
		return err
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
