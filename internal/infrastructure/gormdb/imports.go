package gormdb

import (
	"context"
	"fmt"
	"slices"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/doligo/doligo/internal/domain"
)

// The bulk statements of CSV imports (usecase.ImportService): a file of
// 10,000 lines is a few dozen statements, never one per line.

// importBatch is how many rows one statement of an import reads or writes:
// at 14 columns a row, 7,000 host parameters, under SQLite's 32,766.
const importBatch = 500

// rowsByKey reads the rows of M whose column col holds one of keys,
// importBatch keys a statement; with lock, the rows stay locked until the unit
// of work ends, taken in key order so two imports lock in the same order.
func rowsByKey[M any](ctx context.Context, db *gorm.DB, col string, keys []string, lock bool) ([]M, error) {
	keys = slices.Compact(slices.Sorted(slices.Values(keys)))
	var out []M
	for chunk := range slices.Chunk(keys, importBatch) {
		q := db.WithContext(ctx).Where(col+" IN ?", chunk).Order(col)
		if lock {
			q = q.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate})
		}
		var rows []M
		if err := q.Find(&rows).Error; err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

// keyedRow is a row model with a natural key.
type keyedRow interface {
	naturalKey() string
	rowID() int64
}

func (m productModel) naturalKey() string    { return m.Ref }
func (m productModel) rowID() int64          { return m.ID }
func (m thirdPartyModel) naturalKey() string { return m.Code }
func (m thirdPartyModel) rowID() int64       { return m.ID }

// insertRows inserts rows, importBatch a statement, and returns their new IDs
// by key (column col), read back: a multi-row INSERT on MySQL returns only the
// first ID, and the others are consecutive only in some lock modes.
func insertRows[M keyedRow](ctx context.Context, db *gorm.DB, col string, rows []M) (map[string]int64, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	if err := db.WithContext(ctx).CreateInBatches(&rows, importBatch).Error; err != nil {
		return nil, err
	}
	keys := make([]string, len(rows))
	for i, m := range rows {
		keys[i] = m.naturalKey()
	}
	made, err := rowsByKey[M](ctx, db, col, keys, false)
	if err != nil {
		return nil, err
	}
	ids := make(map[string]int64, len(made))
	for _, m := range made {
		ids[m.naturalKey()] = m.rowID()
	}
	for _, k := range keys {
		if _, ok := ids[k]; !ok {
			return nil, fmt.Errorf("%s %q not found after its insert", col, k)
		}
	}
	return ids, nil
}

// updateRows writes cols of existing rows (identified by id), importBatch a
// statement: an INSERT that meets the row's primary key and updates it (ON
// CONFLICT (id) DO UPDATE; ON DUPLICATE KEY UPDATE on MySQL). The rows are
// locked beforehand (LockByRefs, LockByCodes), so none can have gone and be
// inserted again, and their unique keys do not change, so no other row is met.
func updateRows[M any](ctx context.Context, db *gorm.DB, rows []M, cols []string) error {
	if len(rows) == 0 {
		return nil
	}
	return db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "id"}},
		DoUpdates: clause.AssignmentColumns(cols),
	}).CreateInBatches(&rows, importBatch).Error
}

func (r *productRepo) ByRefs(ctx context.Context, refs []string) (map[string]*domain.Product, error) {
	return r.byRefs(ctx, refs, false)
}

func (r *productRepo) LockByRefs(ctx context.Context, refs []string) (map[string]*domain.Product, error) {
	return r.byRefs(ctx, refs, true)
}

func (r *productRepo) byRefs(ctx context.Context, refs []string, lock bool) (map[string]*domain.Product, error) {
	rows, err := rowsByKey[productModel](ctx, r.db, "ref", refs, lock)
	if err != nil {
		return nil, fmt.Errorf("read products by ref: %w", err)
	}
	out := make(map[string]*domain.Product, len(rows))
	for _, m := range rows {
		out[m.Ref] = m.product()
	}
	return out, nil
}

func (r *productRepo) CreateMany(ctx context.Context, ps []*domain.Product) error {
	rows := make([]productModel, len(ps))
	for i, p := range ps {
		rows[i] = toProductModel(p)
	}
	ids, err := insertRows(ctx, r.db, "ref", rows)
	if err != nil {
		if uniqueViolated(err) {
			return domain.Conflictf("duplicate-ref", "a product ref of the import was taken meanwhile: import the file again")
		}
		return fmt.Errorf("create products: %w", err)
	}
	for _, p := range ps {
		p.ID = ids[p.Ref]
	}
	return nil
}

func (r *productRepo) SaveMany(ctx context.Context, ps []*domain.Product) error {
	rows := make([]productModel, len(ps))
	for i, p := range ps {
		rows[i] = toProductModel(p)
	}
	err := updateRows(ctx, r.db, rows, []string{
		"label", "unit_price", "vat_rate", "cost_price", "track_stock", "active", "min_stock", "desired_stock", "updated_at",
	})
	if err != nil {
		return fmt.Errorf("update products: %w", err)
	}
	return nil
}

func (r *thirdPartyRepo) ByCodes(ctx context.Context, codes []string) (map[string]*domain.ThirdParty, error) {
	return r.byCodes(ctx, codes, false)
}

func (r *thirdPartyRepo) LockByCodes(ctx context.Context, codes []string) (map[string]*domain.ThirdParty, error) {
	return r.byCodes(ctx, codes, true)
}

func (r *thirdPartyRepo) byCodes(ctx context.Context, codes []string, lock bool) (map[string]*domain.ThirdParty, error) {
	rows, err := rowsByKey[thirdPartyModel](ctx, r.db, "code", codes, lock)
	if err != nil {
		return nil, fmt.Errorf("read third parties by code: %w", err)
	}
	out := make(map[string]*domain.ThirdParty, len(rows))
	for _, m := range rows {
		out[m.Code] = m.thirdParty()
	}
	return out, nil
}

func (r *thirdPartyRepo) CreateMany(ctx context.Context, ts []*domain.ThirdParty) error {
	rows := make([]thirdPartyModel, len(ts))
	for i, t := range ts {
		rows[i] = toThirdPartyModel(t)
	}
	ids, err := insertRows(ctx, r.db, "code", rows)
	if err != nil {
		if uniqueViolated(err) {
			return domain.Conflictf("duplicate-code", "a third-party code of the import was taken meanwhile: import the file again")
		}
		return fmt.Errorf("create third parties: %w", err)
	}
	for _, t := range ts {
		t.ID = ids[t.Code]
	}
	return nil
}

func (r *thirdPartyRepo) UpdateMany(ctx context.Context, ts []*domain.ThirdParty) error {
	rows := make([]thirdPartyModel, len(ts))
	for i, t := range ts {
		rows[i] = toThirdPartyModel(t)
	}
	err := updateRows(ctx, r.db, rows, []string{
		"name", "is_customer", "is_prospect", "is_supplier", "email", "phone", "tax_id", "address", "locale",
		"payment_terms_days", "updated_at", "country", "vat_id",
	})
	if err != nil {
		return fmt.Errorf("update third parties: %w", err)
	}
	return nil
}
