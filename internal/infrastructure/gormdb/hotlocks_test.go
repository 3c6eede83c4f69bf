package gormdb_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// A lock of every level of a product (a receipt at cost) returns the levels
// with the product's cost price, whether the levels all exist (one round trip
// on PostgreSQL and MySQL) or one must be created first (the general path).
func TestLockLevelsReturnsTheCostBasis(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx, uow := context.Background(), gormdb.NewUnitOfWork(db.DB)
		product, ws := stockFixture(t, uow, "LLC-"+db.Dialect, 2)
		other, _ := stockFixture(t, uow, "LLC2-"+db.Dialect, 0)
		err := uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
			return r.Products.SetCostPrice(ctx, product, decimal.RequireFromString("4.5"), time.Now())
		})
		if err != nil {
			t.Fatal(err)
		}
		lock := func(locks ...domain.LevelLock) ([]*domain.StockLevel, map[int64]decimal.Decimal) {
			t.Helper()
			var levels []*domain.StockLevel
			var costs map[int64]decimal.Decimal
			err := uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
				var err error
				levels, costs, err = r.Stock.LockLevels(ctx, locks)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return levels, costs
		}
		// No level yet: created, then locked with the product.
		levels, costs := lock(domain.LevelLock{ProductID: product, WarehouseIDs: []int64{ws[1]}, AllWarehouses: true})
		if len(levels) != 1 || levels[0].WarehouseID != ws[1] || !costs[product].Equal(decimal.RequireFromString("4.5")) {
			t.Fatalf("first lock: %d levels, costs %v; want the level of warehouse %d and cost 4.5", len(levels), costs, ws[1])
		}
		// A named warehouse without a level beside one that has it.
		levels, costs = lock(domain.LevelLock{ProductID: product, WarehouseIDs: []int64{ws[0]}, AllWarehouses: true})
		if len(levels) != 2 || levels[0].WarehouseID != ws[0] || levels[1].WarehouseID != ws[1] || len(costs) != 1 {
			t.Fatalf("second lock: %+v, costs %v; want both warehouses in order and one cost", levels, costs)
		}
		// Both exist now: the one-round-trip path; a lock of named levels
		// only locks no product row and returns no cost.
		levels, costs = lock(
			domain.LevelLock{ProductID: other, WarehouseIDs: []int64{ws[0]}},
			domain.LevelLock{ProductID: product, WarehouseIDs: []int64{ws[1]}, AllWarehouses: true},
		)
		if len(levels) != 3 || levels[0].ProductID != product || levels[2].ProductID != other {
			t.Fatalf("third lock: %+v; want product %d's two levels, then product %d's", levels, product, other)
		}
		if _, ok := costs[other]; ok || !costs[product].Equal(decimal.RequireFromString("4.5")) {
			t.Fatalf("third lock costs %v; want only product %d at 4.5", costs, product)
		}
	})
}

// The product's row is held with its levels: a concurrent edit of its cost
// price waits for the unit of work that locked it (so a receipt's average is
// computed from the cost it will replace).
func TestLockLevelsHoldsTheProductRow(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		if db.Dialect == "sqlite" {
			t.Skip("SQLite serialises every writer on the database's lock")
		}
		ctx, uow := context.Background(), gormdb.NewUnitOfWork(db.DB)
		product, ws := stockFixture(t, uow, "LLH-"+db.Dialect, 1)
		locked, release, edited := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		var editedWhileHeld bool
		go func() {
			<-locked
			edited <- uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
				return r.Products.SetCostPrice(ctx, product, decimal.NewFromInt(9), time.Now())
			})
		}()
		err := uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
			if _, _, err := r.Stock.LockLevels(ctx, []domain.LevelLock{{ProductID: product, WarehouseIDs: ws, AllWarehouses: true}}); err != nil {
				return err
			}
			close(locked)
			// Give the edit the time to run if it could; it must not have.
			select {
			case <-edited:
				editedWhileHeld = true
			case <-time.After(300 * time.Millisecond):
			}
			close(release)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		<-release
		if editedWhileHeld {
			t.Fatal("the product's cost price was changed while LockLevels held its row")
		}
		if err := <-edited; err != nil {
			t.Fatal(err)
		}
	})
}

// LockWithLines waits for the document's lock and then returns the lines as
// the unit of work that held it left them, not as they were when it started
// waiting.
func TestLockWithLinesSeesWhatTheHolderCommitted(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx, uow := context.Background(), gormdb.NewUnitOfWork(db.DB)
		var tp domain.ThirdParty
		var wh domain.Warehouse
		err := uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
			tp = domain.ThirdParty{Name: "Supplier", Code: "LWL", IsSupplier: true, CreatedAt: time.Now(), UpdatedAt: time.Now()}
			if err := r.ThirdParties.Create(ctx, &tp); err != nil {
				return err
			}
			wh = domain.Warehouse{Ref: "LWL", Label: "LWL", CreatedAt: time.Now(), UpdatedAt: time.Now()}
			return r.Warehouses.Create(ctx, &wh)
		})
		if err != nil {
			t.Fatal(err)
		}
		price, vat := decimal.NewFromInt(3), decimal.NewFromInt(20)
		var order, empty *domain.Document
		err = uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
			for _, n := range []int{2, 0} {
				in := domain.DraftInput{ThirdPartyID: tp.ID}
				for range n {
					in.Lines = append(in.Lines, domain.LineInput{Description: "x", Qty: decimal.NewFromInt(10), UnitPrice: &price, VATRate: &vat})
				}
				d, err := domain.NewDraft(domain.DocPurchaseOrder, in, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), "EUR", 1)
				if err != nil {
					return err
				}
				d.CreatedAt, d.UpdatedAt = time.Now(), time.Now()
				if err := r.Documents.Create(ctx, d); err != nil {
					return err
				}
				if n > 0 {
					order = d
				} else {
					empty = d
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		locked, seen := make(chan struct{}), make(chan *domain.Document, 1)
		go func() {
			<-locked
			var d *domain.Document
			err := uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
				var err error
				d, err = r.Documents.LockWithLines(ctx, order.ID)
				return err
			})
			if err != nil {
				t.Error(err)
			}
			seen <- d
		}()
		err = uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
			d, err := r.Documents.LockWithLines(ctx, order.ID)
			if err != nil {
				return err
			}
			if len(d.Lines) != 2 || d.Lines[0].ID > d.Lines[1].ID {
				t.Errorf("holder read %d lines; want 2 in line order", len(d.Lines))
			}
			close(locked)
			time.Sleep(200 * time.Millisecond) // let the other one wait on the lock
			rec := &domain.Reception{PurchaseOrderID: d.ID, WarehouseID: wh.ID, Date: d.Date, CreatedAt: time.Now(),
				Lines: []domain.ReceptionLine{{OrderLineID: d.Lines[1].ID, Qty: decimal.NewFromInt(4), UnitCost: price}}}
			d.Lines[1].QtyReceived = decimal.NewFromInt(4)
			d.Status = domain.StatusPartiallyReceived
			return r.Receptions.Create(ctx, domain.ReceptionWrite{Reception: rec, Order: d, Lines: d.Lines[1:],
				Number: domain.ReceptionNumber{Sequence: domain.ReceptionSequence, Mask: domain.MustNumberMask("LWL-{0}")}})
		})
		if err != nil {
			t.Fatal(err)
		}
		got := <-seen
		if got == nil {
			t.FailNow()
		}
		if got.Status != domain.StatusPartiallyReceived || len(got.Lines) != 2 ||
			!got.Lines[0].QtyReceived.IsZero() || !got.Lines[1].QtyReceived.Equal(decimal.NewFromInt(4)) {
			t.Fatalf("after waiting: status %s, lines %+v; want partially_received with 0 and 4 received", got.Status, got.Lines)
		}

		// A document without lines, and none at all.
		err = uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
			d, err := r.Documents.LockWithLines(ctx, empty.ID)
			if err != nil {
				return err
			}
			if d.ID != empty.ID || len(d.Lines) != 0 {
				t.Errorf("empty document: %+v", d)
			}
			_, err = r.Documents.LockWithLines(ctx, empty.ID+1000)
			if !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("missing document: %v; want not found", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// The locks a reception holds its order's row through take one round trip
// each on PostgreSQL and MySQL when the rows exist: one statement through
// GORM (PostgreSQL) or one multi-statement command beneath it (MySQL, not
// counted), against the two statements or more of the general paths they
// fall back to. A silent fallback would cost every reception of an order a
// round trip under its lock (docs/benchmarks.md, "Receptions").
func TestHotLocksTakeOneRoundTrip(t *testing.T) {
	for _, d := range testdb.Dialects() {
		if d == sqldialect.SQLite {
			continue
		}
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			ctx, uow := context.Background(), gormdb.NewUnitOfWork(db.DB)
			product, ws := stockFixture(t, uow, "HL", 1)
			err := uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
				_, _, err := r.Stock.LockLevels(ctx, []domain.LevelLock{{ProductID: product, WarehouseIDs: ws}})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			order := seedOneLineOrder(t, uow)
			queries := countQueries(t, db.Gorm)
			err = uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
				before := queries.Load()
				levels, costs, err := r.Stock.LockLevels(ctx, []domain.LevelLock{{ProductID: product, WarehouseIDs: ws, AllWarehouses: true}})
				if err != nil {
					return err
				}
				if n := queries.Load() - before; n > 1 || len(levels) != 1 || len(costs) != 1 {
					t.Errorf("LockLevels of every level with the cost: %d statements, %d levels, %d costs; want 1 round trip, 1, 1", n, len(levels), len(costs))
				}
				before = queries.Load()
				doc, err := r.Documents.LockWithLines(ctx, order)
				if err != nil {
					return err
				}
				if n := queries.Load() - before; n > 1 || len(doc.Lines) != 1 {
					t.Errorf("LockWithLines: %d statements, %d lines; want 1 round trip and 1 line", n, len(doc.Lines))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// seedOneLineOrder writes a purchase order of one line and returns its id.
func seedOneLineOrder(t *testing.T, uow *gormdb.UnitOfWork) int64 {
	t.Helper()
	var id int64
	err := uow.Do(context.Background(), func(ctx context.Context, r domain.Repositories) error {
		tp := domain.ThirdParty{Name: "Supplier", Code: "HL", IsSupplier: true, CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if err := r.ThirdParties.Create(ctx, &tp); err != nil {
			return err
		}
		price, vat := decimal.NewFromInt(3), decimal.NewFromInt(20)
		d, err := domain.NewDraft(domain.DocPurchaseOrder, domain.DraftInput{ThirdPartyID: tp.ID, Lines: []domain.LineInput{
			{Description: "x", Qty: decimal.NewFromInt(10), UnitPrice: &price, VATRate: &vat}}}, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), "EUR", 1)
		if err != nil {
			return err
		}
		d.CreatedAt, d.UpdatedAt = time.Now(), time.Now()
		if err := r.Documents.Create(ctx, d); err != nil {
			return err
		}
		id = d.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// LockToReceive reads, with the order and its lines, which products of the
// lines keep stock and whether the warehouse exists — in the one locking
// statement on PostgreSQL and MySQL, without locking the product or the
// warehouse (a concurrent edit of either goes through while the order is
// held); on SQLite and for an order without lines, by the fallback.
func TestLockToReceiveReadsTheFactsWithoutLockingThem(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx, uow := context.Background(), gormdb.NewUnitOfWork(db.DB)
		stocked, ws := stockFixture(t, uow, "LTR-"+db.Dialect, 1)
		var service, untracked int64
		var order, empty int64
		err := uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
			now := time.Now()
			for i, p := range []*domain.Product{
				{Ref: "LTR-S-" + db.Dialect, Label: "Service", Type: domain.ProductTypeService, Active: true, CreatedAt: now, UpdatedAt: now},
				{Ref: "LTR-U-" + db.Dialect, Label: "Untracked", Type: domain.ProductTypeProduct, Active: true, CreatedAt: now, UpdatedAt: now},
			} {
				if err := r.Products.Create(ctx, p); err != nil {
					return err
				}
				if i == 0 {
					service = p.ID
				} else {
					untracked = p.ID
				}
			}
			tp := domain.ThirdParty{Name: "Supplier", Code: "LTR", IsSupplier: true, CreatedAt: now, UpdatedAt: now}
			if err := r.ThirdParties.Create(ctx, &tp); err != nil {
				return err
			}
			price, vat, qty := decimal.NewFromInt(3), decimal.NewFromInt(20), decimal.NewFromInt(5)
			for _, lines := range [][]domain.LineInput{{
				{ProductID: stocked, Qty: qty, UnitPrice: &price, VATRate: &vat},
				{ProductID: service, Qty: qty, UnitPrice: &price, VATRate: &vat},
				{Description: "free text", Qty: qty, UnitPrice: &price, VATRate: &vat},
				{ProductID: untracked, Qty: qty, UnitPrice: &price, VATRate: &vat},
			}, nil} {
				d, err := domain.NewDraft(domain.DocPurchaseOrder, domain.DraftInput{ThirdPartyID: tp.ID, Lines: lines}, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), "EUR", 1)
				if err != nil {
					return err
				}
				d.CreatedAt, d.UpdatedAt = now, now
				if err := r.Documents.Create(ctx, d); err != nil {
					return err
				}
				if lines != nil {
					order = d.ID
				} else {
					empty = d.ID
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		wantStocked := map[int64]bool{stocked: true, service: false, untracked: false}
		queries := countQueries(t, db.Gorm)
		locked, release, edited := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			<-locked
			err := uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
				return r.Products.SetCostPrice(ctx, stocked, decimal.NewFromInt(9), time.Now())
			})
			if err == nil {
				err = db.Gorm.WithContext(ctx).Exec("UPDATE warehouses SET label = ? WHERE id = ?", "Edited", ws[0]).Error
			}
			edited <- err
		}()
		err = uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
			before := queries.Load()
			d, facts, err := r.Documents.LockToReceive(ctx, order, ws[0], nil)
			if err != nil {
				return err
			}
			if n := queries.Load() - before; n > 1 && db.Dialect != sqldialect.SQLite {
				t.Errorf("LockToReceive: %d statements; want 1 round trip", n)
			}
			if d.ID != order || len(d.Lines) != 4 || !facts.WarehouseExists || !maps.Equal(facts.Stocked, wantStocked) {
				t.Errorf("LockToReceive: %d lines, facts %+v; want 4 lines, the warehouse, stocked %v", len(d.Lines), facts, wantStocked)
			}
			if db.Dialect == sqldialect.SQLite {
				close(release) // one writer at a time: nothing to overlap
				return nil
			}
			close(locked)
			select {
			case err := <-edited:
				edited <- err
			case <-time.After(10 * time.Second):
				t.Error("the product or the warehouse stayed locked with the order")
			}
			close(release)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		<-release
		if db.Dialect == sqldialect.SQLite {
			close(locked)
		}
		if err := <-edited; err != nil {
			t.Fatal(err)
		}

		err = uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
			if _, facts, err := r.Documents.LockToReceive(ctx, order, ws[0]+1000, nil); err != nil || facts.WarehouseExists || len(facts.Stocked) != 3 {
				t.Errorf("unknown warehouse: facts %+v, %v; want it missing and 3 products", facts, err)
			}
			d, facts, err := r.Documents.LockToReceive(ctx, empty, ws[0], nil)
			if err != nil || d.ID != empty || len(d.Lines) != 0 || !facts.WarehouseExists || len(facts.Stocked) != 0 {
				t.Errorf("order without lines: %+v, facts %+v, %v", d, facts, err)
			}
			if _, _, err := r.Documents.LockToReceive(ctx, empty+1000, ws[0], nil); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("missing order: %v; want not found", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// On MySQL, LockToReceive also locks, in its round trip, what LockLevels
// would for the received lines: every level of their products, and the
// rows of those products that have a level in the warehouse — and nothing
// of the lines not received. Elsewhere it leaves the stock to LockLevels.
func TestLockToReceiveLocksTheStockOfTheReceivedLines(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx, uow := context.Background(), gormdb.NewUnitOfWork(db.DB)
		a, ws := stockFixture(t, uow, "LTS-A-"+db.Dialect, 2)
		b, _ := stockFixture(t, uow, "LTS-B-"+db.Dialect, 0)
		c, _ := stockFixture(t, uow, "LTS-C-"+db.Dialect, 0)
		var order *domain.Document
		err := uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
			// Levels: a in both warehouses, b in the first, c in the second only.
			_, _, err := r.Stock.LockLevels(ctx, []domain.LevelLock{{ProductID: a, WarehouseIDs: ws}, {ProductID: b, WarehouseIDs: ws[:1]}, {ProductID: c, WarehouseIDs: ws[1:]}})
			if err != nil {
				return err
			}
			now := time.Now()
			tp := domain.ThirdParty{Name: "Supplier", Code: "LTS", IsSupplier: true, CreatedAt: now, UpdatedAt: now}
			if err := r.ThirdParties.Create(ctx, &tp); err != nil {
				return err
			}
			price, vat, qty := decimal.NewFromInt(3), decimal.NewFromInt(20), decimal.NewFromInt(5)
			var lines []domain.LineInput
			for _, p := range []int64{a, b, c} {
				lines = append(lines, domain.LineInput{ProductID: p, Qty: qty, UnitPrice: &price, VATRate: &vat})
			}
			order, err = domain.NewDraft(domain.DocPurchaseOrder, domain.DraftInput{ThirdPartyID: tp.ID, Lines: lines}, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), "EUR", 1)
			if err != nil {
				return err
			}
			order.CreatedAt, order.UpdatedAt = now, now
			return r.Documents.Create(ctx, order)
		})
		if err != nil {
			t.Fatal(err)
		}
		locked := func(table string, where string, args ...any) bool {
			t.Helper()
			// Outside the unit of work: another connection. NOWAIT fails at
			// once on a row another transaction holds.
			err := db.Gorm.WithContext(ctx).Exec("SELECT 1 FROM "+table+" WHERE "+where+" FOR UPDATE NOWAIT", args...).Error
			return err != nil
		}
		err = uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
			_, facts, err := r.Documents.LockToReceive(ctx, order.ID, ws[0], []int64{order.Lines[0].ID, order.Lines[2].ID})
			if err != nil {
				return err
			}
			if db.Dialect != sqldialect.MySQL {
				if facts.Stock != nil {
					t.Errorf("stock locked with the order on %s: %+v", db.Dialect, facts.Stock)
				}
				return nil
			}
			var got []string
			for _, l := range facts.Stock.Levels {
				got = append(got, fmt.Sprintf("%d/%d", l.ProductID, l.WarehouseID))
			}
			want := []string{fmt.Sprintf("%d/%d", a, ws[0]), fmt.Sprintf("%d/%d", a, ws[1]), fmt.Sprintf("%d/%d", c, ws[1])}
			if !slices.Equal(got, want) || len(facts.Stock.Costs) != 1 {
				t.Errorf("stock locked: levels %v, costs %v; want levels %v and the cost of product %d only", got, facts.Stock.Costs, want, a)
			}
			if _, _, ok := facts.Stock.For([]domain.LevelLock{{ProductID: a, WarehouseIDs: ws[:1], AllWarehouses: true}}); !ok {
				t.Error("the stock locked does not serve a receipt of product a")
			}
			if _, _, ok := facts.Stock.For([]domain.LevelLock{{ProductID: c, WarehouseIDs: ws[:1], AllWarehouses: true}}); ok {
				t.Error("the stock locked serves a receipt of product c, whose level is missing")
			}
			for _, c := range []struct {
				table, where string
				args         []any
				want         bool
			}{
				{"stock_levels", "product_id = ? AND warehouse_id = ?", []any{a, ws[1]}, true},
				{"products", "id = ?", []any{a}, true},
				{"stock_levels", "product_id = ? AND warehouse_id = ?", []any{c, ws[1]}, true},
				{"products", "id = ?", []any{c}, false},
				{"stock_levels", "product_id = ? AND warehouse_id = ?", []any{b, ws[0]}, false},
				{"products", "id = ?", []any{b}, false},
			} {
				if got := locked(c.table, c.where, c.args...); got != c.want {
					t.Errorf("%s %v locked: %v; want %v", c.table, c.args, got, c.want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if db.Dialect != sqldialect.MySQL {
			return
		}
		// The plans: the received lines first, then each level and product
		// through its primary key — no other row of either is read, so none
		// other is locked.
		levels, products := gormdb.ReceivedStockMySQL(2)
		lineArgs := []any{order.ID, order.Lines[0].ID, order.Lines[2].ID}
		for _, c := range []struct {
			q    string
			args []any
		}{{levels, lineArgs}, {products, append([]any{ws[0]}, lineArgs...)}} {
			var plan []struct {
				Table string
				Key   *string
			}
			if err := db.Gorm.Raw("EXPLAIN "+c.q, c.args...).Scan(&plan).Error; err != nil {
				t.Fatal(err)
			}
			var tables []string
			for _, p := range plan {
				key := "-"
				if p.Key != nil {
					key = *p.Key
				}
				tables = append(tables, p.Table+":"+key)
			}
			if len(tables) < 2 || !strings.HasPrefix(tables[0], "l:") || slices.ContainsFunc(tables[1:], func(t string) bool { return !strings.HasSuffix(t, ":PRIMARY") }) {
				t.Errorf("%s: plan %v; want l, then primary keys", c.q, tables)
			}
		}
	})
}
