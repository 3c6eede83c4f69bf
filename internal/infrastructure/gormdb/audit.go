package gormdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// The audit trail (audit_log) and the fiscal chain (fiscal_chain, under the
// one-row fiscal_chain_head), migration 18. Both are append-only: this file
// inserts into them and reads them, and nothing in the code updates or
// deletes their rows (TestNoAuditUpdateOrDelete).

type auditModel struct {
	ID         int64 `gorm:"primaryKey"`
	At         time.Time
	UserID     *int64 // NULL: the system
	RequestID  string
	Action     string
	ObjectType string
	ObjectID   int64
	Changes    string
}

func (auditModel) TableName() string { return "audit_log" }

func (m auditModel) entry() *domain.AuditEntry {
	e := &domain.AuditEntry{
		ID: m.ID, At: m.At.UTC(), RequestID: m.RequestID, Action: m.Action,
		ObjectType: m.ObjectType, ObjectID: m.ObjectID, Changes: json.RawMessage(m.Changes),
	}
	if m.UserID != nil {
		e.UserID = *m.UserID
	}
	return e
}

type chainModel struct {
	Seq        int64 `gorm:"primaryKey;autoIncrement:false"`
	ObjectType string
	ObjectID   int64
	Content    string
	PrevHash   string
	Hash       string
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
}

func (chainModel) TableName() string { return "fiscal_chain" }

type chainHeadModel struct {
	ID   int64 `gorm:"primaryKey"`
	Seq  int64
	Hash string // the last link's; PrevHash, the one before, is only written
}

func (chainHeadModel) TableName() string { return "fiscal_chain_head" }

// auditRepo buffers what a unit of work records and chains; Do writes it
// all (flush) just before the commit, so an attempt that rolls back or is
// run again leaves nothing behind: each attempt gets a new auditRepo.
type auditRepo struct {
	db      *gorm.DB
	dialect string
	entries []pendingAudit
	links   []chainModel
}

// pendingAudit is an audit row waiting for the commit.
type pendingAudit struct {
	UserID                        *int64
	RequestID, Action, ObjectType string
	ObjectID                      int64
	Changes                       string
}

// Record implements domain.AuditRepository.
func (r *auditRepo) Record(_ context.Context, e domain.AuditEntry) error {
	r.entries = append(r.entries, pendingOf(e))
	return nil
}

// pendingOf is the row of e.
func pendingOf(e domain.AuditEntry) pendingAudit {
	changes := string(e.Changes)
	if changes == "" {
		changes = "{}"
	}
	return pendingAudit{
		UserID: nullableID(e.UserID), RequestID: e.RequestID, Action: e.Action,
		ObjectType: e.ObjectType, ObjectID: e.ObjectID, Changes: changes,
	}
}

// auditColumns are the columns of an audit row, in the order of
// pendingAudit.args.
const auditColumns = "at, user_id, request_id, action, object_type, object_id, changes"

// args are the values of the row at now, its object_id excepted when
// objectID is false (a write that inserts the object supplies it).
func (e pendingAudit) args(now time.Time, objectID bool) []any {
	if !objectID {
		return []any{now, e.UserID, e.RequestID, e.Action, e.ObjectType, e.Changes}
	}
	return []any{now, e.UserID, e.RequestID, e.Action, e.ObjectType, e.ObjectID, e.Changes}
}

// Chain implements domain.AuditRepository.
func (r *auditRepo) Chain(_ context.Context, objectType string, objectID int64, content string) error {
	r.links = append(r.links, chainModel{ObjectType: objectType, ObjectID: objectID, Content: content})
	return nil
}

// flush writes the buffered audit rows in one multi-row INSERT and appends
// the buffered links to the fiscal chain — last, just before COMMIT, so the
// chain head's lock is held only for the append and the commit — in as few
// round trips as the dialect allows:
//
//   - PostgreSQL: one statement per link, the first carrying the audit
//     INSERT as a data-modifying WITH: the head's UPDATE computes the new
//     hash from the old one in SQL (sha256), which locks the head and, after
//     a wait, reads the latest committed head; its RETURNING feeds the link's
//     INSERT.
//   - MySQL: one multi-statement command: the audit INSERT, then per link
//     the head's UPDATE (SHA2; assignments run left to right, so prev_hash
//     takes the old hash), which leaves the new values in session
//     variables, and the link's INSERT … VALUES of them (no second read of
//     the head: 0.80 → 0.85 of the validations without the chain, see
//     docs/benchmarks.md). MySQL 8 warns that assigning variables inside
//     an expression is deprecated (MariaDB does not); should a release drop
//     it, the INSERT … SELECT from the head is the fallback.
//   - SQLite: the database write lock is the transaction's already; the
//     audit rows are written, the head read, the hashes computed in Go, and
//     the links and the head written (in-process: round trips cost little).
//
// A unit of work of more than auditBatch rows (an inventory of thousands of
// products) writes the rows before the last auditBatch in statements of
// their own first, within every dialect's limit of bind parameters.
//
// Every hash is domain.ChainHash's (SHA-256 of the previous hash followed by
// the content, lower-case hex); GET /audit/verify recomputes them in Go.
func (r *auditRepo) flush(ctx context.Context) error {
	if len(r.entries) == 0 && len(r.links) == 0 {
		return nil
	}
	now := dbTime(time.Now())
	db := r.db.WithContext(ctx)
	entries := r.entries
	for len(entries) > auditBatch {
		q, args := auditInsert(entries[:auditBatch], now)
		if err := db.Exec(q, args...).Error; err != nil {
			return fmt.Errorf("write the audit trail: %w", err)
		}
		entries = entries[auditBatch:]
	}
	var q strings.Builder
	var args []any
	if len(entries) > 0 {
		var insert string
		insert, args = auditInsert(entries, now)
		q.WriteString(insert)
	}
	var err error
	switch r.dialect {
	case sqldialect.Postgres:
		err = r.flushPostgres(db, q.String(), args, now)
	case sqldialect.MySQL:
		for _, l := range r.links {
			if q.Len() > 0 {
				q.WriteString(";\n")
			}
			q.WriteString("UPDATE fiscal_chain_head SET seq = (@doligo_seq := seq + 1), prev_hash = (@doligo_prev := hash), " +
				"hash = (@doligo_hash := SHA2(CONCAT(hash, ?), 256)) WHERE id = 1;\n" +
				"INSERT INTO fiscal_chain (seq, object_type, object_id, content, prev_hash, hash, created_at) " +
				"VALUES (@doligo_seq, ?, ?, ?, @doligo_prev, @doligo_hash, ?)")
			args = append(args, l.Content, l.ObjectType, l.ObjectID, l.Content, now)
		}
		_, err = db.Statement.ConnPool.ExecContext(ctx, q.String(), args...)
	default:
		err = r.flushSQLite(ctx, db, q.String(), args, now)
	}
	if err != nil {
		return fmt.Errorf("write the audit trail and the fiscal chain: %w", err)
	}
	return nil
}

// auditBatch is the most audit rows one INSERT writes: 7 values a row keeps
// it under SQLite's 32766 bind parameters.
const auditBatch = 1000

// auditInsert is the INSERT of entries, at now.
func auditInsert(entries []pendingAudit, now time.Time) (string, []any) {
	var q strings.Builder
	args := make([]any, 0, 7*len(entries))
	q.WriteString("INSERT INTO audit_log (" + auditColumns + ") VALUES ")
	for i, e := range entries {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?)")
		args = append(args, e.args(now, true)...)
	}
	return q.String(), args
}

// flushPostgres runs the audit INSERT (audit, args) and the links'
// appends, one statement per link.
func (r *auditRepo) flushPostgres(db *gorm.DB, audit string, args []any, now time.Time) error {
	if len(r.links) == 0 {
		return db.Exec(audit, args...).Error
	}
	for i, l := range r.links {
		var q strings.Builder
		q.WriteString("WITH ")
		if i == 0 && audit != "" {
			q.WriteString("a AS (" + audit + "), ")
		} else {
			args = nil
		}
		q.WriteString("h AS (UPDATE fiscal_chain_head SET seq = seq + 1, prev_hash = hash, " +
			"hash = encode(sha256(convert_to(hash || CAST(? AS TEXT), 'UTF8')), 'hex') WHERE id = 1 RETURNING seq, prev_hash, hash) " +
			"INSERT INTO fiscal_chain (seq, object_type, object_id, content, prev_hash, hash, created_at) " +
			"SELECT seq, ?, ?, ?, prev_hash, hash, ? FROM h RETURNING seq")
		args = append(args, l.Content, l.ObjectType, l.ObjectID, l.Content, now)
		var seqs []int64
		if err := rawFind(db, &seqs, q.String(), args...); err != nil {
			return err
		}
		if len(seqs) != 1 {
			return errors.New("the fiscal chain's head is missing")
		}
	}
	return nil
}

// flushSQLite writes the audit rows, then reads the head (the transaction
// holds the database's write lock since BEGIN IMMEDIATE: nobody else
// appends), links the buffered entries in Go and writes them and the head.
// One statement per call: the driver binds the arguments of a command's
// first statement only.
func (r *auditRepo) flushSQLite(ctx context.Context, db *gorm.DB, audit string, args []any, now time.Time) error {
	pool := db.Statement.ConnPool
	if audit != "" {
		if _, err := pool.ExecContext(ctx, audit, args...); err != nil {
			return err
		}
	}
	if len(r.links) == 0 {
		return nil
	}
	var head []chainHeadModel
	if err := rawFind(db, &head, "SELECT id, seq, hash FROM fiscal_chain_head WHERE id = 1"); err != nil {
		return err
	}
	if len(head) != 1 {
		return errors.New("the fiscal chain's head is missing")
	}
	h, prev := head[0], ""
	var q strings.Builder
	args = args[:0]
	q.WriteString("INSERT INTO fiscal_chain (seq, object_type, object_id, content, prev_hash, hash, created_at) VALUES ")
	for i, l := range r.links {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?)")
		h.Seq++
		prev, h.Hash = h.Hash, domain.ChainHash(h.Hash, l.Content)
		args = append(args, h.Seq, l.ObjectType, l.ObjectID, l.Content, prev, h.Hash, now)
	}
	if _, err := pool.ExecContext(ctx, q.String(), args...); err != nil {
		return err
	}
	_, err := pool.ExecContext(ctx, "UPDATE fiscal_chain_head SET seq = ?, prev_hash = ?, hash = ? WHERE id = 1", h.Seq, prev, h.Hash)
	return err
}

func (r *auditRepo) filtered(ctx context.Context, f domain.AuditFilter) *gorm.DB {
	db := r.db.WithContext(ctx).Model(&auditModel{})
	if f.ObjectType != "" {
		db = db.Where("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != 0 {
		db = db.Where("object_id = ?", f.ObjectID)
	}
	if f.UserID != 0 {
		db = db.Where("user_id = ?", f.UserID)
	}
	if f.Action != "" {
		db = db.Where("action = ?", f.Action)
	}
	if !f.From.IsZero() {
		db = db.Where("at >= ?", dbTime(f.From))
	}
	if !f.To.IsZero() {
		db = db.Where("at < ?", dbTime(f.To))
	}
	return db
}

var auditSortColumns = map[string]string{"id": "id", "at": "at"}

// List implements domain.AuditReader; newest first unless sorted.
func (r *auditRepo) List(ctx context.Context, f domain.AuditFilter) (domain.Page[*domain.AuditEntry], error) {
	page, err := listPage(func() *gorm.DB { return r.filtered(ctx, f) }, f.ListQuery, auditSortColumns, true, infallible(auditModel.entry))
	if err != nil {
		return page, fmt.Errorf("list audit trail: %w", err)
	}
	return page, nil
}

// ChainHead implements domain.AuditReader.
func (r *auditRepo) ChainHead(ctx context.Context) (int64, string, error) {
	var head chainHeadModel
	if err := r.db.WithContext(ctx).Where("id = ?", 1).Take(&head).Error; err != nil {
		return 0, "", fmt.Errorf("read the fiscal chain's head: %w", err)
	}
	return head.Seq, head.Hash, nil
}

// ChainAfter implements domain.AuditReader.
func (r *auditRepo) ChainAfter(ctx context.Context, after, upTo int64, limit int) ([]domain.ChainLink, error) {
	var rows []chainModel
	err := r.db.WithContext(ctx).Where("seq > ? AND seq <= ?", after, upTo).Order("seq").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read the fiscal chain: %w", err)
	}
	links := make([]domain.ChainLink, len(rows))
	for i, m := range rows {
		links[i] = domain.ChainLink{
			Seq: m.Seq, ObjectType: m.ObjectType, ObjectID: m.ObjectID, Content: m.Content,
			PrevHash: m.PrevHash, Hash: m.Hash, At: m.CreatedAt.UTC(),
		}
	}
	return links, nil
}

// Chained implements domain.AuditReader.
func (r *auditRepo) Chained(ctx context.Context, objectType string, objectID int64) (bool, error) {
	var seqs []int64
	err := r.db.WithContext(ctx).Model(&chainModel{}).
		Where("object_type = ? AND object_id = ?", objectType, objectID).Limit(1).Pluck("seq", &seqs).Error
	if err != nil {
		return false, fmt.Errorf("look for %s %d in the fiscal chain: %w", objectType, objectID, err)
	}
	return len(seqs) > 0, nil
}
