package usecase_test

// Reception benchmarks (docs/benchmarks.md, "Receptions"):
//
//	go test -run '^$' -bench BenchmarkReception -benchtime 3s ./internal/usecase/
//
// On PostgreSQL and MariaDB, 16 workers receive 1 unit at a time:
//
//	hot/locked       PurchaseService.Receive on one line of one purchase
//	                 order: the path every reception takes (webhook
//	                 subscriptions read, the order and its lines locked with
//	                 the warehouse's existence and the products' stock flag
//	                 read in the same statement, domain checks, the stock
//	                 writer's level locks and its levels and ledger write,
//	                 the numbering row last, then the reception's one write:
//	                 reception, lines, ledger origin and labels,
//	                 qty_received, order status and audit row)
//	hot/baseline     the least a correct reception can do, in database/sql:
//	                 one conditional UPDATE … SET qty_received = qty_received
//	                 + 1 WHERE … AND qty_received + 1 <= qty (0 rows would be
//	                 an over-reception), the numbering row's increment, the
//	                 reception and its line, the level's increment and the
//	                 ledger insert, and, since the audit trail and webhooks,
//	                 the read of the active subscriptions (before the lock)
//	                 and the reception's audit row; one transaction
//	spread/locked    Receive over 256 purchase orders of one line each (one
//	                 product each), round robin
//	spread/baseline  the baseline over the same lines
//
// Both paths share the one numbering row of receptions (gapless numbers
// need it), so spreading the lines does not spread every lock; the locked
// path takes it last, the baseline second.

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// benchLine is an order line the benchmarks receive on.
type benchLine struct{ order, line, product int64 }

func BenchmarkReception(b *testing.B) {
	for _, d := range []string{sqldialect.Postgres, sqldialect.MySQL} {
		b.Run(d, func(b *testing.B) {
			if !slices.Contains(testdb.Dialects(), d) {
				b.Skipf("%s is not in TEST_DIALECTS", d)
			}
			ctx := context.Background()
			db := testdb.Migrated(b, d)
			uow := gormdb.NewUnitOfWork(db.DB)
			catalog := usecase.NewCatalogService(uow, time.Now)
			stock := usecase.NewStockService(uow, usecase.StockOptions{})
			docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(), DefaultCurrency: "EUR"})
			tps := usecase.NewThirdPartyService(uow, config.Defaults().ThirdPartyMask(), time.Now)
			purchase := usecase.NewPurchaseService(uow, stock, usecase.PurchaseOptions{ReceptionMask: config.Defaults().ReceptionMask()})
			w := &domain.Warehouse{Ref: "BENCH", Label: "Bench"}
			if err := catalog.CreateWarehouse(ctx, w); err != nil {
				b.Fatal(err)
			}
			sup, err := tps.Create(ctx, domain.ThirdParty{Name: "Bench supplier", IsSupplier: true})
			if err != nil {
				b.Fatal(err)
			}
			// 256 validated orders of one line of 10¹² units, each received
			// once so that levels and the numbering row exist.
			lines := make([]benchLine, benchSpread)
			one, huge, price := decimal.NewFromInt(1), decimal.New(1, 12), decimal.NewFromInt(1)
			for i := range lines {
				p := &domain.Product{Ref: fmt.Sprintf("BENCH-%03d", i), Label: "Bench", Type: domain.ProductTypeProduct, TrackStock: true, Active: true}
				if err := catalog.CreateProduct(ctx, p); err != nil {
					b.Fatal(err)
				}
				po, err := docs.Create(ctx, clerk, domain.DocPurchaseOrder, domain.DraftInput{ThirdPartyID: sup.ID,
					Lines: []domain.LineInput{{ProductID: p.ID, Qty: huge, UnitPrice: &price, VATRate: &price}}})
				if err != nil {
					b.Fatal(err)
				}
				if po, err = docs.Validate(ctx, clerk, []domain.DocType{domain.DocPurchaseOrder}, po.ID, 0); err != nil {
					b.Fatal(err)
				}
				lines[i] = benchLine{order: po.ID, line: po.Lines[0].ID, product: p.ID}
				if _, err := purchase.Receive(ctx, clerk, po.ID, domain.ReceptionInput{WarehouseID: w.ID,
					Lines: []domain.ReceptionLineInput{{OrderLineID: po.Lines[0].ID, Qty: one}}}); err != nil {
					b.Fatal(err)
				}
			}
			locked := func(ctx context.Context, l benchLine) error {
				_, err := purchase.Receive(ctx, clerk, l.order, domain.ReceptionInput{WarehouseID: w.ID,
					Lines: []domain.ReceptionLineInput{{OrderLineID: l.line, Qty: one}}})
				return err
			}
			baseline := newBaselineReception(db, w.ID, config.Defaults().ReceptionMask().Period(time.Now().UTC()))
			hot := func(uint64) benchLine { return lines[0] }
			spread := func(i uint64) benchLine { return lines[i%benchSpread] }
			b.Run("hot/locked", func(b *testing.B) { runReceptions(b, hot, locked) })
			b.Run("hot/baseline", func(b *testing.B) { runReceptions(b, hot, baseline) })
			b.Run("spread/locked", func(b *testing.B) { runReceptions(b, spread, locked) })
			b.Run("spread/baseline", func(b *testing.B) { runReceptions(b, spread, baseline) })
		})
	}
}

// runReceptions runs b.N receptions of the lines pick names on benchWorkers
// goroutines and reports the throughput.
func runReceptions(b *testing.B, pick func(i uint64) benchLine, receive func(ctx context.Context, l benchLine) error) {
	ctx := context.Background()
	var next atomic.Uint64
	b.SetParallelism(max(1, benchWorkers/runtime.GOMAXPROCS(0))) // RunParallel starts parallelism × GOMAXPROCS goroutines
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := receive(ctx, pick(next.Add(1))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "receptions/s")
}

// newBaselineReception returns the physical baseline of a reception: the
// statements a correct reception cannot do without, one transaction.
func newBaselineReception(db *testdb.DB, warehouseID int64, period string) func(ctx context.Context, l benchLine) error {
	q := func(s string) string { return s }
	if db.Dialect == sqldialect.Postgres {
		q = func(s string) string {
			out, n := []byte{}, 0
			for i := 0; i < len(s); i++ {
				if s[i] == '?' {
					n++
					out = append(out, fmt.Sprintf("$%d", n)...)
					continue
				}
				out = append(out, s[i])
			}
			return string(out)
		}
	}
	receive := q(`UPDATE commercial_document_lines SET qty_received = qty_received + ? WHERE id = ? AND qty_received + ? <= qty`)
	next := q(`UPDATE numbering_sequences SET last_value = last_value + 1 WHERE doc_type = 'reception' AND period = ?`)
	number := q(`SELECT last_value FROM numbering_sequences WHERE doc_type = 'reception' AND period = ?`)
	header := q(`INSERT INTO receptions (ref, purchase_order_id, warehouse_id, reception_date, created_by, created_at) VALUES (?, ?, ?, ?, 0, ?)`)
	lineIns := q(`INSERT INTO reception_lines (reception_id, line_no, order_line_id, product_id, qty, unit_cost)
		SELECT id, 1, ?, ?, ?, ? FROM receptions WHERE ref = ?`)
	level := q(`UPDATE stock_levels SET qty = qty + ?, updated_at = ? WHERE product_id = ? AND warehouse_id = ?`)
	ledger := q(`INSERT INTO stock_movements (product_id, warehouse_id, qty, balance_after, unit_cost, label, origin_type, request_id, created_at)
		SELECT product_id, warehouse_id, ?, qty, ?, 'bench', 'reception', '', ? FROM stock_levels WHERE product_id = ? AND warehouse_id = ?`)
	// Since the audit trail and webhooks: whether anybody subscribes to the
	// events (read before any lock, as the product does), and the
	// reception's audit row, written last.
	subscribers := q(`SELECT COUNT(*) FROM webhook_subscriptions WHERE active = ?`)
	audit := q(`INSERT INTO audit_log (at, user_id, request_id, action, object_type, object_id, changes)
		SELECT ?, NULL, '', 'reception.create', 'reception', id, '{}' FROM receptions WHERE ref = ?`)
	one := decimal.NewFromInt(1)
	return func(ctx context.Context, l benchLine) error {
		tx, err := db.SQL.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback() //nolint:errcheck // a no-op after Commit
		now := time.Now().UTC()
		var subs int
		if err := tx.QueryRowContext(ctx, subscribers, true).Scan(&subs); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, receive, one, l.line, one)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("baseline reception on line %d: %d rows, %v", l.line, n, err)
		}
		if _, err := tx.ExecContext(ctx, next, period); err != nil {
			return err
		}
		var n int64
		if err := tx.QueryRowContext(ctx, number, period).Scan(&n); err != nil {
			return err
		}
		ref := fmt.Sprintf("BL-%s-%d", period, n)
		if _, err := tx.ExecContext(ctx, header, ref, l.order, warehouseID, now.Truncate(24*time.Hour), now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, lineIns, l.line, l.product, one, one, ref); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, level, one, now, l.product, warehouseID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, ledger, one, one, now, l.product, warehouseID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, audit, now, ref); err != nil {
			return err
		}
		return tx.Commit()
	}
}
