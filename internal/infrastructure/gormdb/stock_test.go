package gormdb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// stockFixture creates a stocked product and n warehouses.
func stockFixture(t *testing.T, uow *gormdb.UnitOfWork, ref string, n int) (product int64, warehouses []int64) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	err := uow.Do(context.Background(), func(ctx context.Context, r domain.Repositories) error {
		p := &domain.Product{Ref: ref, Label: "Stocked", Type: domain.ProductTypeProduct, TrackStock: true, Active: true, CreatedAt: now, UpdatedAt: now}
		if err := r.Products.Create(ctx, p); err != nil {
			return err
		}
		product = p.ID
		for i := range n {
			w := &domain.Warehouse{Ref: fmt.Sprintf("%s-W%d", ref, i), Label: "Stocked", CreatedAt: now, UpdatedAt: now}
			if err := r.Warehouses.Create(ctx, w); err != nil {
				return err
			}
			warehouses = append(warehouses, w.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return product, warehouses
}

// withLocked runs fn in a unit of work holding the levels of product in ws.
func withLocked(ctx context.Context, uow *gormdb.UnitOfWork, product int64, ws []int64, fn func(ctx context.Context, r domain.Repositories, locked []*domain.StockLevel) error) error {
	return uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		locked, _, err := r.Stock.LockLevels(ctx, []domain.LevelLock{{ProductID: product, WarehouseIDs: ws}})
		if err != nil {
			return err
		}
		return fn(ctx, r, locked)
	})
}

// The levels and the ledger rows are written together; every movement gets
// the id of its own row, in order.
func TestSaveLevelsAndMovements(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx, uow, now := context.Background(), gormdb.NewUnitOfWork(db.DB), time.Now().UTC().Truncate(time.Second)
		product, ws := stockFixture(t, uow, "SLM-"+db.Dialect, 2)
		var moves []*domain.Movement
		err := withLocked(ctx, uow, product, ws, func(ctx context.Context, r domain.Repositories, locked []*domain.StockLevel) error {
			moves = nil
			for i, l := range locked {
				qty := decimal.NewFromInt(int64(10 * (i + 1)))
				l.Qty, l.UpdatedAt = qty, now
				moves = append(moves, &domain.Movement{ProductID: product, WarehouseID: l.WarehouseID, Qty: qty, BalanceAfter: qty,
					Label: fmt.Sprintf("line %d", i), Origin: domain.Origin{Type: "manual"}, UserID: 7, RequestID: "req", CreatedAt: now})
			}
			return r.Stock.SaveLevelsAndMovements(ctx, locked, moves)
		})
		if err != nil {
			t.Fatal(err)
		}
		err = uow.Read(ctx, func(ctx context.Context, r domain.Readers) error {
			levels, err := r.Stock.ProductLevels(ctx, product)
			if err != nil {
				return err
			}
			if len(levels) != 2 || levels[0].Qty.String() != "10" || levels[1].Qty.String() != "20" {
				t.Errorf("levels after the write: %+v, %+v; want 10 and 20", levels[0], levels[1])
			}
			for i, m := range moves {
				got, err := r.Movements.Get(ctx, m.ID)
				if err != nil {
					return fmt.Errorf("movement %d (id %d): %w", i, m.ID, err)
				}
				if got.Label != m.Label || got.WarehouseID != m.WarehouseID || !got.Qty.Equal(m.Qty) || got.UserID != 7 || got.Origin.ID != 0 {
					t.Errorf("movement id %d holds %+v; want %+v", m.ID, got, m)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if moves[0].ID == moves[1].ID {
			t.Errorf("both movements got id %d", moves[0].ID)
		}
	})
}

// An error of the ledger INSERT, sent after the level UPDATE (in the same
// command on MySQL), is reported and the unit of work rolls the level back.
func TestSaveLevelsAndMovementsFailureRollsBack(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx, uow, now := context.Background(), gormdb.NewUnitOfWork(db.DB), time.Now().UTC().Truncate(time.Second)
		product, ws := stockFixture(t, uow, "SLMF-"+db.Dialect, 1)
		err := withLocked(ctx, uow, product, ws, func(ctx context.Context, r domain.Repositories, locked []*domain.StockLevel) error {
			locked[0].Qty, locked[0].UpdatedAt = decimal.NewFromInt(3), now
			return r.Stock.SaveLevels(ctx, locked)
		})
		if err != nil {
			t.Fatal(err)
		}
		err = withLocked(ctx, uow, product, ws, func(ctx context.Context, r domain.Repositories, locked []*domain.StockLevel) error {
			locked[0].Qty, locked[0].UpdatedAt = decimal.NewFromInt(5), now
			bad := &domain.Movement{ProductID: product + 1_000_000, WarehouseID: ws[0], Qty: decimal.NewFromInt(5), BalanceAfter: decimal.NewFromInt(5),
				Label: "no such product", Origin: domain.Origin{Type: "manual"}, CreatedAt: now} // foreign key violation
			return r.Stock.SaveLevelsAndMovements(ctx, locked, []*domain.Movement{bad})
		})
		if err == nil {
			t.Fatal("a ledger row of an unknown product was written")
		}
		err = uow.Read(ctx, func(ctx context.Context, r domain.Readers) error {
			levels, err := r.Stock.ProductLevels(ctx, product)
			if err != nil {
				return err
			}
			if len(levels) != 1 || levels[0].Qty.String() != "3" {
				t.Errorf("levels after the failed write: %+v; want one level at 3", levels)
			}
			exists, err := r.Movements.ExistsForProduct(ctx, product)
			if err != nil {
				return err
			}
			if exists {
				t.Error("a movement of the product was written")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// On MySQL the pool's connections are at READ COMMITTED from the start: the
// unit of work no longer sets the level per transaction.
func TestMySQLSessionIsReadCommitted(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		if db.Dialect != sqldialect.MySQL {
			t.Skip("MySQL only")
		}
		var version string
		if err := db.SQL.QueryRow("SELECT VERSION()").Scan(&version); err != nil {
			t.Fatal(err)
		}
		name, err := gormdb.IsolationVariable(version)
		if err != nil {
			t.Fatal(err)
		}
		err = gormdb.NewUnitOfWork(db.DB).Do(context.Background(), func(ctx context.Context, r domain.Repositories) error {
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var level string
		if err := db.SQL.QueryRow("SELECT @@SESSION." + name).Scan(&level); err != nil {
			t.Fatal(err)
		}
		if level != "READ-COMMITTED" {
			t.Errorf("session isolation %s = %q; want READ-COMMITTED", name, level)
		}
	})
}
