package usecase_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// stockEnv is the catalog and the stock ledger wired on one test database.
type stockEnv struct {
	db      *testdb.DB
	uow     *gormdb.UnitOfWork
	catalog *usecase.CatalogService
	stock   *usecase.StockService
}

var clerk = domain.Principal{UserID: 7, Login: "clerk"}

func newStockEnv(t *testing.T, db *testdb.DB, allowNegative bool) *stockEnv {
	t.Helper()
	uow := gormdb.NewUnitOfWork(db.DB)
	return &stockEnv{
		db: db, uow: uow,
		catalog: usecase.NewCatalogService(uow, time.Now),
		stock:   usecase.NewStockService(uow, usecase.StockOptions{AllowNegative: allowNegative}),
	}
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func (e *stockEnv) product(t *testing.T, ref string, mutate ...func(*domain.Product)) *domain.Product {
	t.Helper()
	p := &domain.Product{Ref: ref, Label: "Product " + ref, Type: domain.ProductTypeProduct, TrackStock: true, Active: true,
		UnitPrice: dec("10"), VATRate: dec("20")}
	for _, m := range mutate {
		m(p)
	}
	if err := e.catalog.CreateProduct(context.Background(), p); err != nil {
		t.Fatalf("create product %s: %v", ref, err)
	}
	return p
}

func (e *stockEnv) warehouse(t *testing.T, ref string) *domain.Warehouse {
	t.Helper()
	w := &domain.Warehouse{Ref: ref, Label: "Warehouse " + ref}
	if err := e.catalog.CreateWarehouse(context.Background(), w); err != nil {
		t.Fatalf("create warehouse %s: %v", ref, err)
	}
	return w
}

func move(p *domain.Product, w *domain.Warehouse, qty string) domain.StockOperation {
	op, err := domain.NewStockMovement(p.ID, w.ID, dec(qty), decimal.NullDecimal{}, "")
	if err != nil {
		panic(err)
	}
	return op
}

func receiveAt(p *domain.Product, w *domain.Warehouse, qty, cost string) domain.StockOperation {
	op, err := domain.NewStockMovement(p.ID, w.ID, dec(qty), decimal.NewNullDecimal(dec(cost)), "receipt")
	if err != nil {
		panic(err)
	}
	return op
}

func transfer(p *domain.Product, from, to *domain.Warehouse, qty string) domain.StockOperation {
	op, err := domain.Transfer{ProductID: p.ID, FromWarehouseID: from.ID, ToWarehouseID: to.ID, Qty: dec(qty)}.Operation()
	if err != nil {
		panic(err)
	}
	return op
}

func (e *stockEnv) apply(t *testing.T, op domain.StockOperation) []*domain.Movement {
	t.Helper()
	ms, err := e.stock.Apply(context.Background(), clerk, op)
	if err != nil {
		t.Fatalf("apply %+v: %v", op, err)
	}
	return ms
}

// level reads one stock level straight from the table ("0" when no row).
func (e *stockEnv) level(t *testing.T, p *domain.Product, w *domain.Warehouse) decimal.Decimal {
	t.Helper()
	var qty []decimal.Decimal
	err := e.db.Gorm.Table("stock_levels").Where("product_id = ? AND warehouse_id = ?", p.ID, w.ID).Pluck("qty", &qty).Error
	if err != nil {
		t.Fatal(err)
	}
	if len(qty) == 0 {
		return decimal.Zero
	}
	return qty[0]
}

func (e *stockEnv) costPrice(t *testing.T, p *domain.Product) decimal.Decimal {
	t.Helper()
	got, _, err := e.catalog.Product(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got.CostPrice
}

// rowCounts counts the rows of the stock tables, to prove that a refused
// operation wrote nothing.
func (e *stockEnv) rowCounts(t *testing.T) [2]int64 {
	t.Helper()
	var out [2]int64
	for i, table := range []string{"stock_levels", "stock_movements"} {
		if err := e.db.Gorm.Table(table).Count(&out[i]).Error; err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// assertLedgerMatchesLevels checks the ledger's invariants over the whole
// database, summing in Go (SQLite keeps decimals as text): every level equals
// the sum of its movements, and each movement's balance_after is the running
// sum of its level's movements in id order.
func (e *stockEnv) assertLedgerMatchesLevels(t *testing.T) {
	t.Helper()
	type key struct{ p, w int64 }
	var moves []struct {
		ID, ProductID, WarehouseID int64
		Qty, BalanceAfter          decimal.Decimal
	}
	if err := e.db.Gorm.Table("stock_movements").Order("id").Find(&moves).Error; err != nil {
		t.Fatal(err)
	}
	sums := map[key]decimal.Decimal{}
	for _, m := range moves {
		k := key{m.ProductID, m.WarehouseID}
		sums[k] = sums[k].Add(m.Qty)
		if !sums[k].Equal(m.BalanceAfter) {
			t.Errorf("movement %d: balance_after %s, running sum %s", m.ID, m.BalanceAfter, sums[k])
		}
	}
	var levels []struct {
		ProductID, WarehouseID int64
		Qty                    decimal.Decimal
	}
	if err := e.db.Gorm.Table("stock_levels").Find(&levels).Error; err != nil {
		t.Fatal(err)
	}
	for _, l := range levels {
		k := key{l.ProductID, l.WarehouseID}
		if !sums[k].Equal(l.Qty) {
			t.Errorf("level of product %d in warehouse %d is %s, its movements sum to %s", l.ProductID, l.WarehouseID, l.Qty, sums[k])
		}
		delete(sums, k)
	}
	for k, s := range sums {
		t.Errorf("movements of product %d in warehouse %d (sum %s) have no level", k.p, k.w, s)
	}
}

func wantFields(t *testing.T, err error, fields ...string) {
	t.Helper()
	var ve *domain.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a validation error on %v", err, fields)
	}
	for _, f := range fields {
		found := false
		for _, fe := range ve.Fields {
			found = found || fe.Field == f
		}
		if !found {
			t.Errorf("validation error %v does not name %s", ve, f)
		}
	}
}

func TestStockLedger(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			env := newStockEnv(t, testdb.Migrated(t, d), false)
			ctx := domain.WithRequestID(context.Background(), "req-ledger")
			w1, w2 := env.warehouse(t, "W1"), env.warehouse(t, "W2")

			t.Run("receipt and debit", func(t *testing.T) {
				p := env.product(t, "P-RD")
				ms, err := env.stock.Apply(ctx, clerk, move(p, w1, "10.5"))
				if err != nil {
					t.Fatal(err)
				}
				m := ms[0]
				if m.ID == 0 || !m.Qty.Equal(dec("10.5")) || !m.BalanceAfter.Equal(dec("10.5")) || m.UserID != clerk.UserID ||
					m.RequestID != "req-ledger" || m.Origin.Type != domain.OriginManual || m.Label != "Manual movement" {
					t.Fatalf("receipt = %+v", m)
				}
				m = env.apply(t, move(p, w1, "-10.5"))[0]
				if !m.BalanceAfter.IsZero() || !env.level(t, p, w1).IsZero() {
					t.Fatalf("debit to zero: balance %s, level %s", m.BalanceAfter, env.level(t, p, w1))
				}
				got, err := env.stock.Movement(ctx, m.ID)
				if err != nil || !got.Qty.Equal(dec("-10.5")) || got.CreatedAt.IsZero() {
					t.Fatalf("read back %+v, %v", got, err)
				}
			})

			t.Run("a debit beyond the stock is refused and writes nothing", func(t *testing.T) {
				p := env.product(t, "P-INS")
				env.apply(t, move(p, w1, "3"))
				before := env.rowCounts(t)
				_, err := env.stock.Apply(ctx, clerk, move(p, w1, "-3.000001"))
				var ins *domain.InsufficientStockError
				if !errors.As(err, &ins) || problemCode(err) != domain.CodeInsufficientStock || !errors.Is(err, domain.ErrConflict) {
					t.Fatalf("err = %v, want insufficient stock", err)
				}
				if !ins.Available.Equal(dec("3")) || !ins.Requested.Equal(dec("3.000001")) {
					t.Errorf("error = %+v", ins)
				}
				if env.rowCounts(t) != before || !env.level(t, p, w1).Equal(dec("3")) {
					t.Fatal("the refused debit wrote something")
				}
			})

			t.Run("an operation is all or nothing", func(t *testing.T) {
				p, q := env.product(t, "P-AON1"), env.product(t, "P-AON2")
				env.apply(t, move(p, w1, "5"))
				before := env.rowCounts(t)
				op := domain.StockOperation{Label: "kit", Origin: domain.Origin{Type: "test"}, Lines: []domain.StockLine{
					{ProductID: p.ID, WarehouseID: w1.ID, Qty: dec("-5")},
					{ProductID: q.ID, WarehouseID: w2.ID, Qty: dec("7")},
					{ProductID: q.ID, WarehouseID: w1.ID, Qty: dec("-1")}, // nothing there
				}}
				if _, err := env.stock.Apply(ctx, clerk, op); problemCode(err) != domain.CodeInsufficientStock {
					t.Fatalf("err = %v", err)
				}
				if env.rowCounts(t) != before || !env.level(t, p, w1).Equal(dec("5")) {
					t.Fatal("a failed operation left some of its lines written")
				}
			})

			t.Run("transfer moves both legs", func(t *testing.T) {
				p := env.product(t, "P-TR")
				env.apply(t, move(p, w1, "8"))
				ms := env.apply(t, transfer(p, w1, w2, "2.25"))
				if len(ms) != 2 || ms[0].WarehouseID != w1.ID || !ms[0].Qty.Equal(dec("-2.25")) ||
					ms[1].WarehouseID != w2.ID || !ms[1].BalanceAfter.Equal(dec("2.25")) || ms[0].Origin.Type != domain.OriginTransfer {
					t.Fatalf("legs = %+v %+v", ms[0], ms[1])
				}
				before := env.rowCounts(t)
				if _, err := env.stock.Apply(ctx, clerk, transfer(p, w2, w1, "3")); problemCode(err) != domain.CodeInsufficientStock {
					t.Fatalf("transfer beyond the stock: %v", err)
				}
				if env.rowCounts(t) != before || !env.level(t, p, w1).Equal(dec("5.75")) || !env.level(t, p, w2).Equal(dec("2.25")) {
					t.Fatal("a refused transfer moved something")
				}
			})

			t.Run("inventory writes the differences", func(t *testing.T) {
				p, q, r := env.product(t, "P-INV1"), env.product(t, "P-INV2"), env.product(t, "P-INV3")
				env.apply(t, move(p, w2, "10"))
				env.apply(t, move(q, w2, "4"))
				op, err := domain.InventoryCount{WarehouseID: w2.ID, Lines: []domain.CountedLine{
					{ProductID: p.ID, CountedQty: dec("7")}, {ProductID: q.ID, CountedQty: dec("4")}, {ProductID: r.ID, CountedQty: dec("1.5")},
				}}.Operation()
				if err != nil {
					t.Fatal(err)
				}
				ms := env.apply(t, op)
				if len(ms) != 2 || ms[0].ProductID != p.ID || !ms[0].Qty.Equal(dec("-3")) || !ms[0].BalanceAfter.Equal(dec("7")) ||
					ms[1].ProductID != r.ID || !ms[1].Qty.Equal(dec("1.5")) || ms[0].Origin.Type != domain.OriginInventory {
					t.Fatalf("difference movements = %+v", ms)
				}
			})

			t.Run("weighted average cost", func(t *testing.T) {
				p := env.product(t, "P-WAC")
				steps := []struct {
					op   domain.StockOperation
					cost string
				}{
					{receiveAt(p, w1, "10", "5"), "5"},               // nothing on hand: the unit cost
					{receiveAt(p, w2, "10", "8"), "6.5"},             // (10×5 + 10×8) / 20, over both warehouses
					{move(p, w1, "-5"), "6.5"},                       // issues keep the average
					{receiveAt(p, w1, "5", "1"), "5.125"},            // (15×6.5 + 5×1) / 20
					{receiveAt(p, w2, "0.000001", "999"), "5.12505"}, // (20×5.125 + 0.000999) / 20.000001 = 5.12504969…
				}
				for i, s := range steps {
					env.apply(t, s.op)
					if got := env.costPrice(t, p); !got.Equal(dec(s.cost)) {
						t.Fatalf("step %d: cost price %s, want %s", i, got, s.cost)
					}
				}
				q := env.product(t, "P-WAC3")
				env.apply(t, receiveAt(q, w1, "1", "1"))
				env.apply(t, receiveAt(q, w1, "2", "0"))
				if got := env.costPrice(t, q); !got.Equal(dec("0.333333")) {
					t.Fatalf("1×1 + 2×0 over 3 = %s, want 0.333333 (rounded to 6 decimals)", got)
				}
			})

			t.Run("refused products and warehouses write nothing", func(t *testing.T) {
				svc := env.product(t, "S-1", func(p *domain.Product) { p.Type, p.TrackStock = domain.ProductTypeService, false })
				untracked := env.product(t, "P-UNTR", func(p *domain.Product) { p.TrackStock = false })
				p := env.product(t, "P-REF")
				before := env.rowCounts(t)
				for name, c := range map[string]struct {
					op   domain.StockOperation
					kind error
				}{
					"service":           {move(svc, w1, "1"), domain.ErrInvalid},
					"untracked":         {move(untracked, w1, "1"), domain.ErrInvalid},
					"unknown product":   {move(&domain.Product{ID: 987654}, w1, "1"), domain.ErrNotFound},
					"unknown warehouse": {move(p, &domain.Warehouse{ID: 987654}, "1"), domain.ErrNotFound},
				} {
					if _, err := env.stock.Apply(ctx, clerk, c.op); !errors.Is(err, c.kind) {
						t.Errorf("%s: err = %v, want %v", name, err, c.kind)
					}
				}
				if env.rowCounts(t) != before {
					t.Fatal("a refused operation wrote something")
				}
			})

			t.Run("bad quantities are validation errors", func(t *testing.T) {
				p := env.product(t, "P-BAD")
				_, err := domain.NewStockMovement(p.ID, w1.ID, decimal.Zero, decimal.NullDecimal{}, "")
				wantFields(t, err, "qty")
				_, err = domain.NewStockMovement(p.ID, w1.ID, dec("1.0000001"), decimal.NullDecimal{}, "")
				wantFields(t, err, "qty")
				_, err = domain.NewStockMovement(p.ID, w1.ID, dec("1e14"), decimal.NullDecimal{}, "")
				wantFields(t, err, "qty")
				_, err = domain.NewStockMovement(p.ID, w1.ID, dec("-1"), decimal.NewNullDecimal(dec("2")), "")
				wantFields(t, err, "unit_cost")
				_, err = domain.Transfer{ProductID: p.ID, FromWarehouseID: w1.ID, ToWarehouseID: w1.ID, Qty: dec("-1")}.Operation()
				wantFields(t, err, "qty", "to_warehouse_id")
				// Callers that build operations themselves are checked too.
				before := env.rowCounts(t)
				_, err = env.stock.Apply(ctx, clerk, domain.StockOperation{Origin: domain.Origin{Type: "test"}, Lines: []domain.StockLine{
					{ProductID: p.ID, WarehouseID: w1.ID, Qty: dec("0")},
					{ProductID: p.ID, WarehouseID: w1.ID, Qty: dec("0.1234567")},
				}})
				wantFields(t, err, "lines[0].qty", "lines[1].qty")
				if env.rowCounts(t) != before {
					t.Fatal("an invalid operation wrote something")
				}
			})

			t.Run("a level beyond the column is refused", func(t *testing.T) {
				p := env.product(t, "P-BIG")
				env.apply(t, move(p, w1, "99999999999999"))
				if _, err := env.stock.Apply(ctx, clerk, move(p, w1, "1")); problemCode(err) != "stock-overflow" || !errors.Is(err, domain.ErrInvalid) {
					t.Fatalf("err = %v, want stock-overflow", err)
				}
			})

			t.Run("deleting what the ledger mentions is a conflict", func(t *testing.T) {
				p, w := env.product(t, "P-DEL"), env.warehouse(t, "W-DEL")
				env.apply(t, move(p, w, "1"))
				if err := env.catalog.DeleteProduct(ctx, p.ID); problemCode(err) != "has-movements" {
					t.Fatalf("delete product: %v", err)
				}
				if err := env.catalog.DeleteWarehouse(ctx, w.ID); problemCode(err) != "has-movements" {
					t.Fatalf("delete warehouse: %v", err)
				}
				// A count of zero creates the level row but no movement: the
				// product can still go, and its empty level with it.
				q := env.product(t, "P-DEL2")
				op, _ := domain.InventoryCount{WarehouseID: w.ID, Lines: []domain.CountedLine{{ProductID: q.ID}}}.Operation()
				if ms := env.apply(t, op); len(ms) != 0 {
					t.Fatalf("count of 0 on nothing wrote %d movements", len(ms))
				}
				if err := env.catalog.DeleteProduct(ctx, q.ID); err != nil {
					t.Fatal(err)
				}
				if err := env.catalog.DeleteProduct(ctx, q.ID); !errors.Is(err, domain.ErrNotFound) {
					t.Fatalf("second delete: %v", err)
				}
			})

			t.Run("product stock and history", func(t *testing.T) {
				p := env.product(t, "P-HIST")
				env.apply(t, move(p, w1, "4"))
				env.apply(t, move(p, w2, "6"))
				env.apply(t, move(p, w1, "-4"))
				_, stock, err := env.catalog.Product(ctx, p.ID)
				if err != nil || len(stock) != 1 || stock[0].WarehouseID != w2.ID || !stock[0].Qty.Equal(dec("6")) {
					t.Fatalf("product stock (non-zero) = %+v, %v", stock, err)
				}
				all, err := env.stock.ProductStock(ctx, p.ID)
				if err != nil || len(all) != 2 || all[0].WarehouseID != w1.ID || !all[0].Qty.IsZero() {
					t.Fatalf("every level = %+v, %v", all, err)
				}
				page, err := env.stock.Movements(ctx, domain.MovementFilter{ListQuery: domain.ListQuery{Limit: 2}, ProductID: p.ID})
				if err != nil || page.Total != 3 || len(page.Items) != 2 || !page.Items[0].Qty.Equal(dec("-4")) {
					t.Fatalf("history = %+v, %v", page, err)
				}
				page, err = env.stock.Movements(ctx, domain.MovementFilter{ListQuery: domain.ListQuery{Limit: 10}, ProductID: p.ID, WarehouseID: w1.ID,
					From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour)})
				if err != nil || page.Total != 2 {
					t.Fatalf("history in w1 within the hour = %+v, %v", page, err)
				}
				page, err = env.stock.Movements(ctx, domain.MovementFilter{ListQuery: domain.ListQuery{Limit: 10}, ProductID: p.ID, To: time.Now().Add(-time.Hour)})
				if err != nil || page.Total != 0 {
					t.Fatalf("history before an hour ago = %+v, %v", page, err)
				}
			})

			env.assertLedgerMatchesLevels(t)
		})
	}
}

// With DOLIGO_STOCK_ALLOW_NEGATIVE a debit may go below zero, and a receipt
// at cost on negative stock takes the receipt's cost as the average.
func TestStockAllowNegative(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			env := newStockEnv(t, testdb.Migrated(t, d), true)
			p, w := env.product(t, "P-NEG"), env.warehouse(t, "W")
			if m := env.apply(t, move(p, w, "-2.5"))[0]; !m.BalanceAfter.Equal(dec("-2.5")) {
				t.Fatalf("balance %s", m.BalanceAfter)
			}
			env.apply(t, receiveAt(p, w, "4", "3"))
			if got := env.costPrice(t, p); !got.Equal(dec("3")) || !env.level(t, p, w).Equal(dec("1.5")) {
				t.Fatalf("cost %s, level %s", got, env.level(t, p, w))
			}
			env.assertLedgerMatchesLevels(t)
		})
	}
}
