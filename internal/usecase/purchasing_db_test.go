package usecase_test

// Purchase orders and their receptions, on every dialect: a reception locks
// the order, receives the stocked lines through StockService.ApplyIn at the
// lines' net unit price (the product's weighted average cost follows),
// records qty_received and moves the order to partially_received/received;
// a wrong state or too much received is a 409 with nothing written.
//
// To see TestConcurrentReceptions fail, drop the locking clause of
// documentRepo.lockJoined (internal/infrastructure/gormdb/documents_lock.go),
// which receptions lock their order with: on PostgreSQL and MariaDB
// concurrent receptions then read the same qty_received and more than the
// ordered quantity comes in.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

var poTypes = []domain.DocType{domain.DocPurchaseOrder}

// buyEnv is the stock ledger, the documents and the purchasing service on one
// database, with a supplier.
type buyEnv struct {
	*stockEnv
	docs     *docEnv
	purchase *usecase.PurchaseService
	supplier int64
}

func newBuyEnv(t *testing.T, db *testdb.DB) *buyEnv {
	t.Helper()
	e := &buyEnv{stockEnv: newStockEnv(t, db, false), docs: newDocEnv(t, db)}
	e.purchase = usecase.NewPurchaseService(e.uow, e.stock, usecase.PurchaseOptions{ReceptionMask: config.Defaults().ReceptionMask()})
	sup, err := e.docs.tps.Create(context.Background(), domain.ThirdParty{Name: "Supplies Ltd", IsSupplier: true, Email: "orders@supplies.test"})
	if err != nil {
		t.Fatal(err)
	}
	e.supplier = sup.ID
	return e
}

// poLine is a line of qty at price less discount %, VAT 20 %; p nil makes it free text.
func poLine(p *domain.Product, qty, price, discount string) domain.LineInput {
	l := domain.LineInput{Description: "goods", Qty: num(qty), UnitPrice: numPtr(price), DiscountPercent: num(discount), VATRate: numPtr("20")}
	if p != nil {
		l.ProductID = p.ID
	}
	return l
}

func (e *buyEnv) order(t *testing.T, lines ...domain.LineInput) *domain.Document {
	t.Helper()
	d, err := e.docs.docs.Create(context.Background(), e.docs.actor, domain.DocPurchaseOrder, domain.DraftInput{
		ThirdPartyID: e.supplier, Date: date("2026-11-20"), Lines: lines,
	})
	if err != nil {
		t.Fatalf("create purchase order: %v", err)
	}
	return d
}

func (e *buyEnv) validatedOrder(t *testing.T, lines ...domain.LineInput) *domain.Document {
	t.Helper()
	return e.docs.validated(t, poTypes, e.order(t, lines...))
}

func (e *buyEnv) getOrder(t *testing.T, id int64) *domain.Document {
	t.Helper()
	d, err := e.docs.docs.Get(context.Background(), poTypes, id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func receive(w *domain.Warehouse, on string, lines ...any) domain.ReceptionInput {
	in := domain.ReceptionInput{WarehouseID: w.ID, Date: date(on)}
	for i := 0; i < len(lines); i += 2 {
		in.Lines = append(in.Lines, domain.ReceptionLineInput{OrderLineID: lines[i].(int64), Qty: num(lines[i+1].(string))})
	}
	return in
}

// snapshot is what a refused reception must leave unchanged.
func (e *buyEnv) snapshot(t *testing.T, orderID int64) string {
	t.Helper()
	d := e.getOrder(t, orderID)
	s := fmt.Sprintf("%s receptions=%d reception_lines=%d levels/moves=%v seq=%d", d.Status,
		e.docs.count(t, "receptions"), e.docs.count(t, "reception_lines"), e.rowCounts(t), e.docs.count(t, "numbering_sequences"))
	for _, l := range d.Lines {
		s += " " + l.QtyReceived.String()
	}
	return s
}

func TestPurchaseOrderSupplier(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newBuyEnv(t, testdb.Migrated(t, d))
			ctx := context.Background()
			// e.docs.tp is a customer only.
			_, err := e.docs.docs.Create(ctx, e.docs.actor, domain.DocPurchaseOrder, domain.DraftInput{ThirdPartyID: e.docs.tp, Lines: []domain.LineInput{poLine(nil, "1", "1", "0")}})
			if f := invalidFields(err); !slices.Equal(f, []string{"supplier_id"}) {
				t.Fatalf("a customer as supplier: %v", err)
			}
			_, err = e.docs.docs.Create(ctx, e.docs.actor, domain.DocPurchaseOrder, domain.DraftInput{ThirdPartyID: 999999})
			if f := invalidFields(err); !slices.Equal(f, []string{"supplier_id"}) {
				t.Fatalf("an unknown supplier: %v", err)
			}
			po := e.order(t, poLine(nil, "1", "1", "0"))
			if _, err := e.docs.docs.Edit(ctx, poTypes, po.ID, domain.DraftPatch{ThirdPartyID: &e.docs.tp}); !slices.Equal(invalidFields(err), []string{"supplier_id"}) {
				t.Fatalf("patching a customer in: %v", err)
			}
			v := e.docs.validated(t, poTypes, po)
			if v.Ref != "PO2611-0001" || v.Status != domain.StatusValidated {
				t.Fatalf("validated %s %s", v.Ref, v.Status)
			}
			// A purchase order is not an order of the sales side.
			if _, err := e.docs.docs.Get(ctx, []domain.DocType{domain.DocOrder}, po.ID); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("purchase order read as an order: %v", err)
			}
		})
	}
}

// Partial receptions into a warehouse at the lines' net unit prices, the
// average cost moving with each, services and free text recorded without
// stock, and every refusal writing nothing.
func TestReceptionFlow(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newBuyEnv(t, testdb.Migrated(t, d))
			ctx := context.Background()
			a, b := e.product(t, "A"), e.product(t, "B")
			svc := e.product(t, "SVC", func(p *domain.Product) { p.Type, p.TrackStock = domain.ProductTypeService, false })
			w := e.warehouse(t, "MAIN")
			e.apply(t, receiveAt(a, w, "6", "20")) // A: 6 on hand at 20

			draft := e.order(t, poLine(a, "10", "12", "10"), poLine(b, "5", "20", "0"), poLine(svc, "1", "100", "0"), poLine(nil, "2", "1", "0"))
			before := e.snapshot(t, draft.ID)
			if _, err := e.purchase.Receive(ctx, clerk, draft.ID, receive(w, "2026-11-21", draft.Lines[0].ID, "1")); conflictCode(err) != "illegal-transition" {
				t.Fatalf("receiving on a draft: %v", err)
			}
			po := e.docs.validated(t, poTypes, draft)
			la, lb, ls, lf := po.Lines[0].ID, po.Lines[1].ID, po.Lines[2].ID, po.Lines[3].ID

			// 1: 4 of A (net 12 × 0.9 = 10.8), the service, the free text.
			rec, err := e.purchase.Receive(ctx, clerk, po.ID, receive(w, "2026-11-21", la, "4", ls, "1", lf, "2"))
			if err != nil {
				t.Fatal(err)
			}
			if rec.Ref != "RC2611-0001" || rec.PurchaseOrderID != po.ID || rec.WarehouseID != w.ID || len(rec.Lines) != 3 ||
				rec.Lines[0].ProductID != a.ID || !rec.Lines[0].UnitCost.Equal(num("10.8")) || rec.Lines[2].ProductID != 0 {
				t.Fatalf("reception %+v", rec)
			}
			got := e.getOrder(t, po.ID)
			if got.Status != domain.StatusPartiallyReceived || !got.Lines[0].QtyReceived.Equal(num("4")) ||
				!got.Lines[1].QtyReceived.IsZero() || !got.Lines[2].QtyReceived.Equal(num("1")) || !got.Lines[3].QtyReceived.Equal(num("2")) {
				t.Fatalf("order after the first reception: %s %+v", got.Status, got.Lines)
			}
			// (6 × 20 + 4 × 10.8) / 10 = 16.32
			if lvl, cost := e.level(t, a, w), e.costPrice(t, a); !lvl.Equal(num("10")) || !cost.Equal(num("16.32")) {
				t.Fatalf("A: level %s cost %s, want 10 and 16.32", lvl, cost)
			}
			moves, err := e.stock.Movements(ctx, domain.MovementFilter{OriginType: domain.OriginReception, OriginID: rec.ID})
			if err != nil || moves.Total != 1 || moves.Items[0].ProductID != a.ID || !moves.Items[0].Qty.Equal(num("4")) ||
				!moves.Items[0].UnitCost.Decimal.Equal(num("10.8")) {
				t.Fatalf("movements of the reception: %v %+v", err, moves.Items)
			}
			// The number is taken after the ledger rows are written; their
			// label names it all the same.
			if want := domain.ReceptionLabel(rec, po); moves.Items[0].Label != want || !strings.Contains(want, "RC2611-0001") {
				t.Fatalf("movement label %q, want %q", moves.Items[0].Label, want)
			}

			// Refusals write nothing: too much (6 remain), an unknown
			// warehouse, a line of another order.
			before = e.snapshot(t, po.ID)
			if _, err := e.purchase.Receive(ctx, clerk, po.ID, receive(w, "2026-11-22", lb, "5", la, "7")); conflictCode(err) != "over-reception" {
				t.Fatalf("over-reception: %v", err)
			}
			if _, err := e.purchase.Receive(ctx, clerk, po.ID, domain.ReceptionInput{WarehouseID: 999999, Lines: []domain.ReceptionLineInput{{OrderLineID: la, Qty: num("1")}}}); !slices.Equal(invalidFields(err), []string{"warehouse_id"}) {
				t.Fatalf("unknown warehouse: %v", err)
			}
			other := e.validatedOrder(t, poLine(a, "1", "1", "0"))
			if _, err := e.purchase.Receive(ctx, clerk, po.ID, receive(w, "2026-11-22", other.Lines[0].ID, "1")); !slices.Equal(invalidFields(err), []string{"lines[0].order_line_id"}) {
				t.Fatalf("a line of another order: %v", err)
			}
			if after := e.snapshot(t, po.ID); after != before {
				t.Fatalf("a refused reception wrote:\n%s\n%s", before, after)
			}
			if _, err := e.purchase.Cancel(ctx, po.ID); conflictCode(err) != "illegal-transition" {
				t.Fatalf("cancelling an order that received goods: %v", err)
			}

			// 2: the rest. (10 × 16.32 + 6 × 10.8) / 16 = 14.25
			rec2, err := e.purchase.Receive(ctx, clerk, po.ID, receive(w, "2026-11-23", la, "6", lb, "5"))
			if err != nil || rec2.Ref != "RC2611-0002" {
				t.Fatalf("second reception: %v %+v", err, rec2)
			}
			got = e.getOrder(t, po.ID)
			if got.Status != domain.StatusReceived || !e.costPrice(t, a).Equal(num("14.25")) || !e.costPrice(t, b).Equal(num("20")) ||
				!e.level(t, a, w).Equal(num("16")) || !e.level(t, b, w).Equal(num("5")) {
				t.Fatalf("after the last reception: %s, A %s at %s, B %s at %s", got.Status, e.level(t, a, w), e.costPrice(t, a), e.level(t, b, w), e.costPrice(t, b))
			}
			// Two lines and two ledger rows in one reception: each line's
			// qty_received is its own, and both rows name the reception.
			moves2, err := e.stock.Movements(ctx, domain.MovementFilter{OriginType: domain.OriginReception, OriginID: rec2.ID})
			if err != nil || moves2.Total != 2 {
				t.Fatalf("movements of the second reception: %v %+v", err, moves2)
			}
			for _, m := range moves2.Items {
				if want := domain.ReceptionLabel(rec2, po); m.Label != want {
					t.Fatalf("movement %d label %q, want %q", m.ID, m.Label, want)
				}
			}
			if !got.Lines[0].QtyReceived.Equal(num("10")) || !got.Lines[1].QtyReceived.Equal(num("5")) || !got.Lines[2].QtyReceived.Equal(num("1")) {
				t.Fatalf("order lines after the last reception: %+v", got.Lines)
			}
			if _, err := e.purchase.Receive(ctx, clerk, po.ID, receive(w, "2026-11-24", lb, "1")); conflictCode(err) != "illegal-transition" {
				t.Fatalf("receiving on a received order: %v", err)
			}

			page, err := e.purchase.Receptions(ctx, domain.ReceptionFilter{PurchaseOrderID: po.ID, ListQuery: domain.ListQuery{Limit: 10, Sort: "id"}})
			if err != nil || page.Total != 2 || page.Items[0].ID != rec.ID || len(page.Items[1].Lines) != 2 {
				t.Fatalf("receptions of the order: %v %+v", err, page)
			}
			one, err := e.purchase.Reception(ctx, rec2.ID)
			if err != nil || one.Ref != rec2.Ref || !one.Date.Equal(date("2026-11-23")) || len(one.Lines) != 2 || !one.Lines[1].UnitCost.Equal(num("20")) {
				t.Fatalf("reception %d: %v %+v", rec2.ID, err, one)
			}
			// What Receive returned is what was stored, ids included (MySQL
			// and PostgreSQL write the header and its lines in one command).
			if one.ID != rec2.ID || one.Lines[0].ID != rec2.Lines[0].ID || one.Lines[1].ID != rec2.Lines[1].ID || one.Lines[0].ID == one.Lines[1].ID {
				t.Fatalf("reception %d as stored %+v, as returned %+v", rec2.ID, one.Lines, rec2.Lines)
			}
			if _, err := e.purchase.Reception(ctx, 999999); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("unknown reception: %v", err)
			}
			e.assertLedgerMatchesLevels(t)
		})
	}
}

func TestCancelPurchaseOrder(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newBuyEnv(t, testdb.Migrated(t, d))
			ctx := context.Background()
			p, w := e.product(t, "P"), e.warehouse(t, "W")
			for _, po := range []*domain.Document{e.order(t, poLine(p, "1", "1", "0")), e.validatedOrder(t, poLine(p, "1", "1", "0"))} {
				c, err := e.purchase.Cancel(ctx, po.ID)
				if err != nil || c.Status != domain.StatusCancelled {
					t.Fatalf("cancel %s: %v", po.Status, err)
				}
				before := e.snapshot(t, po.ID)
				if _, err := e.purchase.Receive(ctx, clerk, po.ID, receive(w, "2026-11-21", po.Lines[0].ID, "1")); conflictCode(err) != "illegal-transition" {
					t.Fatalf("receiving on a cancelled order: %v", err)
				}
				if _, err := e.purchase.Cancel(ctx, po.ID); conflictCode(err) != "illegal-transition" {
					t.Fatalf("cancelling twice: %v", err)
				}
				if after := e.snapshot(t, po.ID); after != before {
					t.Fatalf("a refusal wrote:\n%s\n%s", before, after)
				}
			}
			sale := e.docs.draft(t, domain.DocOrder, "2026-11-20", "1", "1")
			if _, err := e.purchase.Cancel(ctx, sale.ID); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("cancelling a sales order as a purchase order: %v", err)
			}
		})
	}
}

// CT-02 for receptions: 20 concurrent receptions of 1 on a line of 10 give
// exactly 10 receptions and 10 × 409 (illegal-transition once the order is
// received; over-reception if one were checked before); the order is received, its
// line holds 10, the numbers are gapless and the ledger equals the levels.
func TestConcurrentReceptions(t *testing.T) {
	const ordered, workers = 10, 20
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			e := newBuyEnv(t, testdb.Migrated(t, d))
			p, w := e.product(t, "HOT"), e.warehouse(t, "HOT")
			po := e.validatedOrder(t, poLine(p, fmt.Sprint(ordered), "7.5", "0"))
			var ok, over atomic.Int64
			errs := run(workers, func(int) error {
				_, err := e.purchase.Receive(ctx, clerk, po.ID, receive(w, "2026-11-21", po.Lines[0].ID, "1"))
				switch {
				case err == nil:
					ok.Add(1)
				case conflictCode(err) == "over-reception" || conflictCode(err) == "illegal-transition":
					over.Add(1)
					return nil
				}
				return err
			})
			for _, err := range errs {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
			}
			if ok.Load() != ordered || over.Load() != workers-ordered {
				t.Fatalf("%d receptions succeeded and %d were refused; want %d and %d", ok.Load(), over.Load(), ordered, workers-ordered)
			}
			got := e.getOrder(t, po.ID)
			if got.Status != domain.StatusReceived || !got.Lines[0].QtyReceived.Equal(num("10")) {
				t.Fatalf("order %s with %s received", got.Status, got.Lines[0].QtyReceived)
			}
			if lvl, cost := e.level(t, p, w), e.costPrice(t, p); !lvl.Equal(num("10")) || !cost.Equal(num("7.5")) {
				t.Fatalf("level %s cost %s", lvl, cost)
			}
			page, err := e.purchase.Receptions(ctx, domain.ReceptionFilter{PurchaseOrderID: po.ID, ListQuery: domain.ListQuery{Limit: 50, Sort: "id"}})
			if err != nil || page.Total != ordered {
				t.Fatalf("receptions: %v %d", err, page.Total)
			}
			for i, r := range page.Items {
				if want := fmt.Sprintf("RC2611-%04d", i+1); r.Ref != want {
					t.Fatalf("reception %d is %s, want %s: numbers have gaps", i, r.Ref, want)
				}
			}
			// One audit row per reception, written with it (Receptions.Create):
			// its object id is the reception's, its changes name its ref; the
			// refused receptions left none.
			trail, err := usecase.NewAuditService(e.uow).List(ctx, domain.AuditFilter{Action: "reception.create", ListQuery: domain.ListQuery{Limit: 50, Sort: "id"}})
			if err != nil || trail.Total != ordered {
				t.Fatalf("audit rows of receptions: %v %d; want %d", err, trail.Total, ordered)
			}
			for i, a := range trail.Items {
				if r := page.Items[i]; a.ObjectType != "reception" || a.ObjectID != r.ID || !strings.Contains(string(a.Changes), `"`+r.Ref+`"`) {
					t.Fatalf("audit row %d: %s %d %s; want reception %d (%s)", i, a.ObjectType, a.ObjectID, a.Changes, r.ID, r.Ref)
				}
			}
			e.assertLedgerMatchesLevels(t)
		})
	}
}

// A reception of a stocked line, once its level exists, sends four
// statements on PostgreSQL (every one of them through GORM, counted here;
// BEGIN, COMMIT and the webhook subscriptions' read are not): the order
// locked with its lines, the warehouse and the products' stock flags; the
// levels with the cost; the number; the reception's one write with its
// levels, ledger rows and audit row. A read before the lock, a stock write
// of its own or an audit write at commit would be one more
// (docs/benchmarks.md, "Receptions").
func TestReceptionStatements(t *testing.T) {
	if !slices.Contains(testdb.Dialects(), sqldialect.Postgres) {
		t.Skip("PostgreSQL is not in TEST_DIALECTS")
	}
	db := testdb.Migrated(t, sqldialect.Postgres)
	e := newBuyEnv(t, db)
	p, w := e.product(t, "STMT"), e.warehouse(t, "STMT")
	po := e.validatedOrder(t, poLine(p, "10", "2", "0"))
	ctx := context.Background()
	if _, err := e.purchase.Receive(ctx, clerk, po.ID, receive(w, "2026-11-21", po.Lines[0].ID, "1")); err != nil {
		t.Fatal(err)
	}
	stmts := statementCounter(t, db.Gorm)
	if _, err := e.purchase.Receive(ctx, clerk, po.ID, receive(w, "2026-11-21", po.Lines[0].ID, "1")); err != nil {
		t.Fatal(err)
	}
	if n := stmts.Load(); n != 4 {
		t.Fatalf("a reception sent %d statements through GORM; want 4", n)
	}
}

// Purchase orders take their numbers like the sales documents: concurrent
// validations get consecutive numbers from their own mask, none lost or
// given twice, on every dialect.
func TestConcurrentPurchaseOrderValidationsAreGapless(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newBuyEnv(t, testdb.Migrated(t, d))
			ctx := context.Background()
			const n = 20
			drafts := make([]*domain.Document, n)
			for i := range drafts {
				drafts[i] = e.order(t, poLine(nil, "1", "10", "0"))
			}
			refs := make([]string, n)
			errs := run(n, func(i int) error {
				v, err := e.docs.docs.Validate(ctx, e.docs.actor, poTypes, drafts[i].ID, 0)
				if err == nil {
					refs[i] = v.Ref
				}
				return err
			})
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			slices.Sort(refs)
			for i, ref := range refs {
				if want := fmt.Sprintf("PO2611-%04d", i+1); ref != want {
					t.Fatalf("refs %v: #%d is %s, want %s", refs, i, ref, want)
				}
			}
			for _, dr := range drafts {
				if got := e.getOrder(t, dr.ID); got.Status != domain.StatusValidated || !slices.Contains(refs, got.Ref) {
					t.Fatalf("stored %s %q", got.Status, got.Ref)
				}
			}
		})
	}
}
