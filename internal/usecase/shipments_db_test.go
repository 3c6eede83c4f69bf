package usecase_test

// Shipments of customer orders, on every dialect: a shipment locks the order,
// records qty_shipped and, with DOLIGO_STOCK_TRIGGER=shipment, debits the
// stocked lines from its warehouse through StockService (and invoices then
// never debit); a wrong state, too much shipped or short stock is a 409 with
// nothing written.
//
// To see TestConcurrentShipments fail, make documentRepo.Lock a plain Get
// (internal/infrastructure/gormdb/documents.go): on PostgreSQL and MariaDB
// concurrent shipments then read the same qty_shipped and more than ordered
// leaves.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// shipEnv is the sales chain with a ShipmentService per trigger.
type shipEnv struct {
	*salesEnv
}

func newShipEnv(t *testing.T, dialect string) *shipEnv {
	t.Helper()
	return &shipEnv{salesEnv: newSalesEnv(t, dialect)}
}

func (e *shipEnv) shipments(trigger domain.StockTrigger) *usecase.ShipmentService {
	return usecase.NewShipmentService(e.uow, e.stock, usecase.ShipmentOptions{Mask: config.Defaults().ShipmentMask(), Trigger: trigger})
}

func ship(w *domain.Warehouse, on string, lines ...any) domain.ShipmentInput {
	in := domain.ShipmentInput{WarehouseID: w.ID, Date: date(on)}
	for i := 0; i < len(lines); i += 2 {
		in.Lines = append(in.Lines, domain.ShipmentLineInput{OrderLineID: lines[i].(int64), Qty: num(lines[i+1].(string))})
	}
	return in
}

// snapshot is what a refused shipment must leave unchanged.
func (e *shipEnv) snapshot(t *testing.T, orderID int64) string {
	t.Helper()
	d := e.docs.get(t, orderID)
	s := fmt.Sprintf("%s shipments=%d shipment_lines=%d levels/moves=%v seq=%d", d.Status,
		e.docs.count(t, "shipments"), e.docs.count(t, "shipment_lines"), e.rowCounts(t), e.docs.count(t, "numbering_sequences"))
	for _, l := range d.Lines {
		s += " " + l.QtyShipped.String()
	}
	return s
}

func TestShipmentFlow(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newShipEnv(t, d)
			ctx := context.Background()
			a, svc := e.product(t, "A"), e.product(t, "SVC", func(p *domain.Product) { p.Type = domain.ProductTypeService; p.TrackStock = false })
			w := e.warehouse(t, "W")
			e.apply(t, move(a, w, "10"))
			docs := e.service(usecase.DocumentStockOptions{Trigger: domain.StockOnShipment})
			ships := e.shipments(domain.StockOnShipment)

			draft := e.draft(t, docs, domain.DocOrder, "2026-11-20", docLine(a, "20"), docLine(svc, "1"), docLine(nil, "2"))
			lineA, lineSvc, lineText := draft.Lines[0].ID, draft.Lines[1].ID, draft.Lines[2].ID
			before := e.snapshot(t, draft.ID)
			if _, err := ships.Ship(ctx, e.docs.actor, draft.ID, ship(w, "2026-11-21", lineA, "1")); conflictCode(err) != "illegal-transition" {
				t.Fatalf("shipping a draft: %v", err)
			}
			if after := e.snapshot(t, draft.ID); after != before {
				t.Fatalf("a refused shipment wrote: %s → %s", before, after)
			}
			// Validating the order debits nothing under this trigger.
			order, err := docs.Validate(ctx, e.docs.actor, orders, draft.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			e.wantLevels(t, w, map[*domain.Product]string{a: "10"})

			sh, err := ships.Ship(ctx, e.docs.actor, order.ID, ship(w, "2026-11-21", lineA, "2", lineSvc, "1", lineText, "2", lineA, "1"))
			if err != nil {
				t.Fatal(err)
			}
			if sh.Ref != "SH2611-0001" || sh.OrderID != order.ID || sh.ThirdPartyID != e.docs.tp || len(sh.Lines) != 4 ||
				sh.Lines[0].ProductID != a.ID || sh.Lines[2].ProductID != 0 || !sh.Lines[3].Qty.Equal(num("1")) {
				t.Fatalf("shipment %+v", sh)
			}
			ms := e.moves(t, domain.OriginShipment, sh.ID)
			if len(ms) != 2 || !ms[0].Qty.Equal(num("-2")) || !ms[1].Qty.Equal(num("-1")) || ms[0].WarehouseID != w.ID ||
				ms[0].Label != "Shipment SH2611-0001 (order "+order.Ref+")" {
				t.Fatalf("shipment movements %+v", ms)
			}
			e.wantLevels(t, w, map[*domain.Product]string{a: "7"})
			got := e.docs.get(t, order.ID)
			if got.Status != domain.StatusValidated || !got.Lines[0].QtyShipped.Equal(num("3")) ||
				!got.Lines[1].QtyShipped.Equal(num("1")) || !got.Lines[2].QtyShipped.Equal(num("2")) {
				t.Fatalf("order after shipping: %s %+v", got.Status, got.Lines)
			}

			// Refusals write nothing: more than left to ship, short stock, a
			// line of another order, an unknown warehouse.
			before = e.snapshot(t, order.ID)
			if _, err := ships.Ship(ctx, e.docs.actor, order.ID, ship(w, "2026-11-22", lineSvc, "1")); conflictCode(err) != "over-shipment" {
				t.Fatalf("over-shipment: %v", err)
			}
			if _, err := ships.Ship(ctx, e.docs.actor, order.ID, ship(w, "2026-11-22", lineA, "10", lineA, "8")); conflictCode(err) != "over-shipment" {
				t.Fatalf("over-shipment over two lines: %v", err)
			}
			if _, err := ships.Ship(ctx, e.docs.actor, order.ID, ship(w, "2026-11-22", lineA, "8")); problemCode(err) != domain.CodeInsufficientStock {
				t.Fatalf("short stock: %v", err)
			}
			if _, err := ships.Ship(ctx, e.docs.actor, order.ID, ship(w, "2026-11-22", int64(999999), "1")); !slices.Equal(invalidFields(err), []string{"lines[0].order_line_id"}) {
				t.Fatalf("a line of another order: %v", err)
			}
			if _, err := ships.Ship(ctx, e.docs.actor, order.ID, domain.ShipmentInput{WarehouseID: 999999, Lines: []domain.ShipmentLineInput{{OrderLineID: lineA, Qty: num("1")}}}); !slices.Equal(invalidFields(err), []string{"warehouse_id"}) {
				t.Fatalf("an unknown warehouse: %v", err)
			}
			if _, err := ships.Ship(ctx, e.docs.actor, order.ID, domain.ShipmentInput{Lines: []domain.ShipmentLineInput{{Qty: num("0")}}}); !slices.Equal(invalidFields(err), []string{"warehouse_id", "lines[0].order_line_id", "lines[0].qty"}) {
				t.Fatalf("bad fields: %v", err)
			}
			if _, err := ships.Ship(ctx, e.docs.actor, 999999, ship(w, "2026-11-22", lineA, "1")); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("an unknown order: %v", err)
			}
			if after := e.snapshot(t, order.ID); after != before {
				t.Fatalf("a refused shipment wrote: %s → %s", before, after)
			}

			// Invoicing under the shipment trigger debits nothing, and the
			// invoiced order still ships (its goods have not all left).
			inv, err := docs.Convert(ctx, e.docs.actor, domain.ActInvoice, order.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !inv.Lines[0].QtyShipped.IsZero() {
				t.Fatalf("the invoice took the order's qty_shipped: %+v", inv.Lines[0])
			}
			e.docs.validatedWith(t, docs, inv.ID, w.ID)
			if ms := e.moves(t, domain.DocInvoice, inv.ID); len(ms) != 0 {
				t.Fatalf("the invoice debited: %+v", ms)
			}
			e.wantLevels(t, w, map[*domain.Product]string{a: "7"})
			sh2, err := ships.Ship(ctx, e.docs.actor, order.ID, ship(w, "2026-11-23", lineA, "7"))
			if err != nil || sh2.Ref != "SH2611-0002" {
				t.Fatalf("shipping an invoiced order: %v %+v", err, sh2)
			}
			e.wantLevels(t, w, map[*domain.Product]string{a: "0"})
			if got := e.docs.get(t, order.ID); got.Status != domain.StatusInvoiced || !got.Lines[0].QtyShipped.Equal(num("10")) {
				t.Fatalf("order %s shipped %s", got.Status, got.Lines[0].QtyShipped)
			}

			// Reads.
			one, err := ships.Shipment(ctx, sh.ID)
			if err != nil || one.Ref != sh.Ref || len(one.Lines) != 4 || one.Lines[3].OrderLineID != lineA || !one.Date.Equal(date("2026-11-21")) {
				t.Fatalf("get: %v %+v", err, one)
			}
			page, err := ships.Shipments(ctx, domain.ShipmentFilter{OrderID: order.ID, ListQuery: domain.ListQuery{Limit: 10}})
			if err != nil || page.Total != 2 || page.Items[0].ID != sh2.ID || len(page.Items[1].Lines) != 4 {
				t.Fatalf("list: %v %+v", err, page)
			}
			if page, err := ships.Shipments(ctx, domain.ShipmentFilter{ThirdPartyID: e.docs.tp + 1000}); err != nil || page.Total != 0 {
				t.Fatalf("list of another customer: %v %d", err, page.Total)
			}
			if _, err := ships.Shipment(ctx, 999999); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("get unknown: %v", err)
			}
			e.assertLedgerMatchesLevels(t)
		})
	}
}

// Under the other triggers shipments record what left but move no stock;
// an invoice of an order whose shipments debited (the trigger changed since)
// does not debit again, nor does a shipment of an order whose validation did.
func TestShipmentsUnderOtherTriggers(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newShipEnv(t, d)
			ctx := context.Background()
			a := e.product(t, "A")
			w := e.warehouse(t, "W")
			e.apply(t, move(a, w, "100"))
			onInvoice := e.service(usecase.DocumentStockOptions{DefaultWarehouseID: w.ID})
			onOrder := e.service(usecase.DocumentStockOptions{Trigger: domain.StockOnOrder, DefaultWarehouseID: w.ID})

			for _, tr := range []domain.StockTrigger{domain.StockOnInvoice, domain.StockOnOrder, domain.StockNever} {
				order := e.docs.validated(t, orders, e.draft(t, onInvoice, domain.DocOrder, "2026-11-20", docLine(a, "4")))
				sh, err := e.shipments(tr).Ship(ctx, e.docs.actor, order.ID, ship(w, "2026-11-21", order.Lines[0].ID, "4"))
				if err != nil {
					t.Fatalf("%s: %v", tr, err)
				}
				if ms := e.moves(t, domain.OriginShipment, sh.ID); len(ms) != 0 {
					t.Fatalf("trigger %s: the shipment moved %+v", tr, ms)
				}
			}
			e.wantLevels(t, w, map[*domain.Product]string{a: "100"})

			// Shipped under the shipment trigger, invoiced under invoice.
			order := e.docs.validated(t, orders, e.draft(t, onInvoice, domain.DocOrder, "2026-11-20", docLine(a, "5")))
			if _, err := e.shipments(domain.StockOnShipment).Ship(ctx, e.docs.actor, order.ID, ship(w, "2026-11-21", order.Lines[0].ID, "5")); err != nil {
				t.Fatal(err)
			}
			inv, err := onInvoice.Convert(ctx, e.docs.actor, domain.ActInvoice, order.ID)
			if err != nil {
				t.Fatal(err)
			}
			e.docs.validatedWith(t, onInvoice, inv.ID, 0)
			e.wantLevels(t, w, map[*domain.Product]string{a: "95"})

			// Debited by its validation under the order trigger, shipped
			// under the shipment trigger.
			debited, err := onOrder.Validate(ctx, e.docs.actor, orders, e.draft(t, onOrder, domain.DocOrder, "2026-11-20", docLine(a, "3")).ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.shipments(domain.StockOnShipment).Ship(ctx, e.docs.actor, debited.ID, ship(w, "2026-11-21", debited.Lines[0].ID, "3")); err != nil {
				t.Fatal(err)
			}
			e.wantLevels(t, w, map[*domain.Product]string{a: "92"})
			e.assertLedgerMatchesLevels(t)
		})
	}
}

// CT-02 for shipments: 10 concurrent shipments of 1 on a line with 6 left
// give exactly 6 shipments and 4 × 409 over-shipment; and 10 concurrent
// shipments of 1 against a stock of 6 give 6 shipments and 4 × 409
// insufficient-stock. The lines hold what shipped, the numbers are gapless
// and the ledger equals the levels.
func TestConcurrentShipments(t *testing.T) {
	const workers = 10
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			e := newShipEnv(t, d)
			a, b := e.product(t, "HOT"), e.product(t, "SHORT")
			w := e.warehouse(t, "W")
			e.apply(t, move(a, w, "100"))
			e.apply(t, move(b, w, "6"))
			docs := e.service(usecase.DocumentStockOptions{Trigger: domain.StockOnShipment})
			ships := e.shipments(domain.StockOnShipment)
			order := e.docs.validated(t, orders, e.draft(t, docs, domain.DocOrder, "2026-11-20", docLine(a, "8"), docLine(b, "20")))
			lineA, lineB := order.Lines[0].ID, order.Lines[1].ID
			if _, err := ships.Ship(ctx, e.docs.actor, order.ID, ship(w, "2026-11-21", lineA, "2")); err != nil {
				t.Fatal(err)
			}
			refs := []string{}
			shipAll := func(line int64, code string) {
				t.Helper()
				var ok, refused atomic.Int64
				got := make([]string, workers)
				errs := run(workers, func(i int) error {
					sh, err := ships.Ship(ctx, e.docs.actor, order.ID, ship(w, "2026-11-21", line, "1"))
					switch {
					case err == nil:
						ok.Add(1)
						got[i] = sh.Ref
					case problemCode(err) == code:
						refused.Add(1)
						return nil
					}
					return err
				})
				if err := errors.Join(errs...); err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if ok.Load() != 6 || refused.Load() != workers-6 {
					t.Fatalf("%d shipments succeeded and %d were refused (%s); want 6 and %d", ok.Load(), refused.Load(), code, workers-6)
				}
				for _, r := range got {
					if r != "" {
						refs = append(refs, r)
					}
				}
			}
			shipAll(lineA, "over-shipment")
			shipAll(lineB, domain.CodeInsufficientStock)

			got := e.docs.get(t, order.ID)
			if !got.Lines[0].QtyShipped.Equal(num("8")) || !got.Lines[1].QtyShipped.Equal(num("6")) {
				t.Fatalf("lines shipped %s and %s", got.Lines[0].QtyShipped, got.Lines[1].QtyShipped)
			}
			e.wantLevels(t, w, map[*domain.Product]string{a: "92", b: "0"})
			slices.Sort(refs)
			for i, r := range refs {
				if want := fmt.Sprintf("SH2611-%04d", i+2); r != want {
					t.Fatalf("refs %v: #%d is %s, want %s: numbers have gaps or repeats", refs, i, r, want)
				}
			}
			if n := e.docs.count(t, "shipments"); n != 13 {
				t.Fatalf("%d shipments stored, want 13", n)
			}
			e.assertLedgerMatchesLevels(t)
		})
	}
}
