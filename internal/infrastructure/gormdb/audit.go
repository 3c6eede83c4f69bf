package gormdb

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/doligo/doligo/internal/domain"
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
	Hash string
}

func (chainHeadModel) TableName() string { return "fiscal_chain_head" }

// auditRepo buffers what a unit of work records and chains; Do writes it
// all (flush) just before the commit, so an attempt that rolls back or is
// run again leaves nothing behind: each attempt gets a new auditRepo.
type auditRepo struct {
	db      *gorm.DB
	entries []auditModel
	links   []chainModel
}

// Record implements domain.AuditRepository.
func (r *auditRepo) Record(_ context.Context, e domain.AuditEntry) error {
	changes := string(e.Changes)
	if changes == "" {
		changes = "{}"
	}
	r.entries = append(r.entries, auditModel{
		UserID: nullableID(e.UserID), RequestID: e.RequestID, Action: e.Action,
		ObjectType: e.ObjectType, ObjectID: e.ObjectID, Changes: changes,
	})
	return nil
}

// Chain implements domain.AuditRepository.
func (r *auditRepo) Chain(_ context.Context, objectType string, objectID int64, content string) error {
	r.links = append(r.links, chainModel{ObjectType: objectType, ObjectID: objectID, Content: content})
	return nil
}

// flush writes the buffered audit rows in one multi-row INSERT, then — last,
// so the head's lock is held only for the append and the commit — locks the
// chain's head, links the buffered entries after it and moves it on.
func (r *auditRepo) flush(ctx context.Context) error {
	now := dbTime(time.Now())
	db := r.db.WithContext(ctx)
	if len(r.entries) > 0 {
		for i := range r.entries {
			r.entries[i].At = now
		}
		if err := db.Create(&r.entries).Error; err != nil {
			return fmt.Errorf("write audit trail: %w", err)
		}
	}
	if len(r.links) == 0 {
		return nil
	}
	var head chainHeadModel
	err := db.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).Where("id = ?", 1).Take(&head).Error
	if err != nil {
		return fmt.Errorf("lock the fiscal chain's head: %w", err)
	}
	for i := range r.links {
		l := &r.links[i]
		head.Seq++
		l.Seq, l.PrevHash, l.CreatedAt = head.Seq, head.Hash, now
		l.Hash = domain.ChainHash(l.PrevHash, l.Content)
		head.Hash = l.Hash
	}
	if err := db.Create(&r.links).Error; err != nil {
		return fmt.Errorf("append to the fiscal chain: %w", err)
	}
	err = db.Model(&chainHeadModel{}).Where("id = ?", 1).Updates(map[string]any{"seq": head.Seq, "hash": head.Hash}).Error
	if err != nil {
		return fmt.Errorf("move the fiscal chain's head: %w", err)
	}
	return nil
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
	rows, total, err := listPage[auditModel](func() *gorm.DB { return r.filtered(ctx, f) }, f.ListQuery, auditSortColumns, true)
	if err != nil {
		return domain.Page[*domain.AuditEntry]{}, fmt.Errorf("list audit trail: %w", err)
	}
	page := domain.Page[*domain.AuditEntry]{Total: total, Items: make([]*domain.AuditEntry, len(rows))}
	for i, m := range rows {
		page.Items[i] = m.entry()
	}
	return page, nil
}

// Each implements domain.AuditReader: the rows one by one from a single
// query, in the list's order, whatever their number.
func (r *auditRepo) Each(ctx context.Context, f domain.AuditFilter) iter.Seq2[*domain.AuditEntry, error] {
	return func(yield func(*domain.AuditEntry, error) bool) {
		col, ok := auditSortColumns[f.Sort]
		desc := f.Desc
		if !ok {
			col, desc = "id", true
		}
		order := col
		if desc {
			order += " DESC"
		}
		if col != "id" {
			order += ", id"
			if desc {
				order += " DESC"
			}
		}
		rows, err := r.filtered(ctx, f).Order(order).Rows()
		if err != nil {
			yield(nil, fmt.Errorf("read audit trail: %w", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var m auditModel
			if err := r.db.ScanRows(rows, &m); err != nil {
				yield(nil, fmt.Errorf("read audit trail: %w", err))
				return
			}
			if !yield(m.entry(), nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(nil, fmt.Errorf("read audit trail: %w", err))
		}
	}
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
