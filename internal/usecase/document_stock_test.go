package usecase_test

// Stock on validation, on every dialect: an invoice debits its stocked lines
// in the transaction that validates it; short stock refuses the validation
// with nothing written and no number used; a credit note returns what its
// invoice debited; the trigger moves the debit to orders or switches it off;
// concurrent validations and movements of one product never oversell.
//
// To see the concurrency test fail, delete the clause.Locking line of
// stockRepo.lockProduct (internal/infrastructure/gormdb/stock.go): invoices
// of different months take different numbering rows, so nothing but the
// level's lock orders their debits.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// salesEnv is the stock ledger and the commercial chain on one database.
type salesEnv struct {
	*stockEnv
	docs *docEnv
}

func newSalesEnv(t *testing.T, dialect string) *salesEnv {
	t.Helper()
	db := testdb.Migrated(t, dialect)
	return &salesEnv{stockEnv: newStockEnv(t, db, false), docs: newDocEnv(t, db)}
}

// service is a DocumentService whose validations move stock as opt says.
func (e *salesEnv) service(opt usecase.DocumentStockOptions) *usecase.DocumentService {
	return usecase.NewDocumentService(e.uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(), DefaultCurrency: config.Defaults().DefaultCurrency, Stock: usecase.NewDocumentStock(e.stock, opt)})
}

// line is a product line of qty at 10 (VAT 20 %); p nil makes it free text.
func docLine(p *domain.Product, qty string) domain.LineInput {
	l := domain.LineInput{Description: "item", Qty: num(qty), UnitPrice: numPtr("10"), VATRate: numPtr("20")}
	if p != nil {
		l.ProductID = p.ID
	}
	return l
}

func (e *salesEnv) draft(t *testing.T, svc *usecase.DocumentService, typ domain.DocType, on string, lines ...domain.LineInput) *domain.Document {
	t.Helper()
	d, err := svc.Create(context.Background(), e.docs.actor, typ, domain.DraftInput{ThirdPartyID: e.docs.tp, Date: date(on), Lines: lines})
	if err != nil {
		t.Fatalf("create %s: %v", typ, err)
	}
	return d
}

// moves lists the movements a document caused, oldest first.
func (e *salesEnv) moves(t *testing.T, typ domain.DocType, id int64) []*domain.Movement {
	t.Helper()
	page, err := e.stock.Movements(context.Background(), domain.MovementFilter{
		ListQuery: domain.ListQuery{Sort: "id"}, OriginType: string(typ), OriginID: id,
	})
	if err != nil {
		t.Fatal(err)
	}
	return page.Items
}

func (e *salesEnv) wantLevels(t *testing.T, w *domain.Warehouse, want map[*domain.Product]string) {
	t.Helper()
	for p, qty := range want {
		if got := e.level(t, p, w); !got.Equal(num(qty)) {
			t.Errorf("%s in %s: %s, want %s", p.Ref, w.Ref, got, qty)
		}
	}
}

func invalidFields(err error) []string {
	var ve *domain.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestInvoiceValidationMovesStock(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newSalesEnv(t, d)
			ctx := context.Background()
			a, b := e.product(t, "A"), e.product(t, "B")
			svc := e.product(t, "SVC", func(p *domain.Product) { p.Type, p.TrackStock = domain.ProductTypeService, false })
			untracked := e.product(t, "UNTRACKED", func(p *domain.Product) { p.TrackStock = false })
			w1, w2 := e.warehouse(t, "W1"), e.warehouse(t, "W2")
			e.apply(t, move(a, w1, "10"))
			e.apply(t, move(b, w1, "5"))
			docs := e.service(usecase.DocumentStockOptions{DefaultWarehouseID: w1.ID})

			// Lines of one product add up; services, untracked products and
			// free text move nothing. No warehouse named: the default one.
			inv := e.draft(t, docs, domain.DocInvoice, "2031-03-10",
				docLine(a, "3"), docLine(b, "2"), docLine(svc, "1"), docLine(untracked, "4"), docLine(nil, "1"), docLine(a, "1.5"))
			v, err := docs.Validate(ctx, e.docs.actor, invoices, inv.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			ms := e.moves(t, domain.DocInvoice, inv.ID)
			if len(ms) != 2 || ms[0].ProductID != a.ID || !ms[0].Qty.Equal(num("-4.5")) || ms[1].ProductID != b.ID || !ms[1].Qty.Equal(num("-2")) ||
				ms[0].WarehouseID != w1.ID || ms[0].Label != "Invoice "+v.Ref || ms[0].UserID != e.docs.actor.UserID {
				t.Fatalf("movements of the invoice: %+v", ms)
			}
			e.wantLevels(t, w1, map[*domain.Product]string{a: "5.5", b: "3"})

			// Short stock: 409, the invoice stays a draft, no movement, no
			// number used.
			before := e.rowCounts(t)
			for _, tc := range []struct {
				wh    int64
				lines []domain.LineInput
			}{
				{w2.ID, []domain.LineInput{docLine(a, "1")}},                // nothing in W2
				{0, []domain.LineInput{docLine(b, "1"), docLine(a, "5.6")}}, // one line short of 0.1
			} {
				short := e.draft(t, docs, domain.DocInvoice, "2031-03-11", tc.lines...)
				_, err := docs.Validate(ctx, e.docs.actor, invoices, short.ID, tc.wh)
				var ise *domain.InsufficientStockError
				if problemCode(err) != domain.CodeInsufficientStock || !errors.Is(err, domain.ErrConflict) || !errors.As(err, &ise) || ise.ProductID != a.ID {
					t.Fatalf("short stock: %v", err)
				}
				if got := e.docs.get(t, short.ID); got.Status != domain.StatusDraft || got.Ref != "" {
					t.Fatalf("refused validation left %s %q", got.Status, got.Ref)
				}
				if len(e.moves(t, domain.DocInvoice, short.ID)) != 0 || e.rowCounts(t) != before {
					t.Fatal("a refused validation wrote stock rows")
				}
			}
			e.wantLevels(t, w1, map[*domain.Product]string{a: "5.5", b: "3"})
			if v2 := e.docs.validated(t, invoices, e.docs.draft(t, domain.DocInvoice, "2031-03-12", "1", "1")); v2.Ref != "FA3103-0002" {
				t.Fatalf("after refused validations the next number is %s, want FA3103-0002", v2.Ref)
			}

			// The warehouse: named, unknown, or required when there is no default.
			named := e.draft(t, docs, domain.DocInvoice, "2031-03-13", docLine(a, "1"))
			if _, err := docs.Validate(ctx, e.docs.actor, invoices, named.ID, w2.ID+100); !slices.Equal(invalidFields(err), []string{"warehouse_id"}) {
				t.Fatalf("unknown warehouse: %v", err)
			}
			e.apply(t, move(a, w2, "1"))
			if _, err := docs.Validate(ctx, e.docs.actor, invoices, named.ID, w2.ID); err != nil {
				t.Fatal(err)
			}
			e.wantLevels(t, w2, map[*domain.Product]string{a: "0"})
			noDefault := e.service(usecase.DocumentStockOptions{})
			needs := e.draft(t, noDefault, domain.DocInvoice, "2031-03-14", docLine(a, "1"))
			if _, err := noDefault.Validate(ctx, e.docs.actor, invoices, needs.ID, 0); !slices.Equal(invalidFields(err), []string{"warehouse_id"}) {
				t.Fatalf("no warehouse and no default: %v", err)
			}
			if got := e.docs.get(t, needs.ID); got.Status != domain.StatusDraft {
				t.Fatalf("refused validation left %s", got.Status)
			}
			// Nothing stocked on it: no warehouse needed.
			if _, err := noDefault.Validate(ctx, e.docs.actor, invoices, e.draft(t, noDefault, domain.DocInvoice, "2031-03-14", docLine(svc, "2")).ID, 0); err != nil {
				t.Fatal(err)
			}

			// Credit notes return what the invoice debited, into its
			// warehouse, never more than it debited in all.
			partial, err := docs.Convert(ctx, e.docs.actor, domain.ActCreditNote, inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			one := []domain.LineInput{docLine(a, "1")}
			if _, err := docs.Edit(ctx, invoices, partial.ID, domain.DraftPatch{Lines: &one}); err != nil {
				t.Fatal(err)
			}
			cn := e.docs.validatedWith(t, docs, partial.ID, w2.ID) // the body's warehouse is not where the invoice took it from
			if ms := e.moves(t, domain.DocCreditNote, cn.ID); len(ms) != 1 || !ms[0].Qty.Equal(num("1")) || ms[0].WarehouseID != w1.ID || ms[0].Label != "Credit note "+cn.Ref {
				t.Fatalf("credit note movements %+v", ms)
			}
			e.wantLevels(t, w1, map[*domain.Product]string{a: "6.5", b: "3"})
			rest, err := docs.Convert(ctx, e.docs.actor, domain.ActCreditNote, inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			all := []domain.LineInput{docLine(a, "4.5"), docLine(b, "2")} // all of A again: only 3.5 remain to return
			if _, err := docs.Edit(ctx, invoices, rest.ID, domain.DraftPatch{Lines: &all}); err != nil {
				t.Fatal(err)
			}
			cn2 := e.docs.validatedWith(t, docs, rest.ID, 0)
			if ms := e.moves(t, domain.DocCreditNote, cn2.ID); len(ms) != 2 || !ms[0].Qty.Equal(num("3.5")) || !ms[1].Qty.Equal(num("2")) {
				t.Fatalf("second credit note movements %+v", ms)
			}
			e.wantLevels(t, w1, map[*domain.Product]string{a: "10", b: "5"})
			e.assertLedgerMatchesLevels(t)
		})
	}
}

// validatedWith validates document id through svc with a warehouse.
func (e *docEnv) validatedWith(t *testing.T, svc *usecase.DocumentService, id, warehouseID int64) *domain.Document {
	t.Helper()
	v, err := svc.Validate(context.Background(), e.actor, invoices, id, warehouseID)
	if err != nil {
		t.Fatalf("validate %d: %v", id, err)
	}
	return v
}

func TestStockTriggers(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newSalesEnv(t, d)
			ctx := context.Background()
			a := e.product(t, "A")
			w := e.warehouse(t, "W")
			e.apply(t, move(a, w, "100"))
			opt := func(tr domain.StockTrigger) usecase.DocumentStockOptions {
				return usecase.DocumentStockOptions{Trigger: tr, DefaultWarehouseID: w.ID}
			}
			none, onOrder, onInvoice := e.service(opt(domain.StockNever)), e.service(opt(domain.StockOnOrder)), e.service(opt(""))

			// none: nothing moves.
			e.docs.validatedWith(t, none, e.draft(t, none, domain.DocInvoice, "2031-04-01", docLine(a, "1")).ID, 0)
			if _, err := none.Validate(ctx, e.docs.actor, orders, e.draft(t, none, domain.DocOrder, "2031-04-01", docLine(a, "1")).ID, 0); err != nil {
				t.Fatal(err)
			}
			e.wantLevels(t, w, map[*domain.Product]string{a: "100"})

			// order: the order debits, its invoice does not; a credit note of
			// that invoice returns nothing (the invoice debited nothing). A
			// direct invoice still debits: its goods leave stock once.
			order := e.draft(t, onOrder, domain.DocOrder, "2031-04-02", docLine(a, "7"))
			if _, err := onOrder.Validate(ctx, e.docs.actor, orders, order.ID, 0); err != nil {
				t.Fatal(err)
			}
			if ms := e.moves(t, domain.DocOrder, order.ID); len(ms) != 1 || !ms[0].Qty.Equal(num("-7")) || ms[0].Label[:6] != "Order " {
				t.Fatalf("order movements %+v", ms)
			}
			inv, err := onOrder.Convert(ctx, e.docs.actor, domain.ActInvoice, order.ID)
			if err != nil {
				t.Fatal(err)
			}
			e.docs.validatedWith(t, onOrder, inv.ID, 0)
			cn, err := onOrder.Convert(ctx, e.docs.actor, domain.ActCreditNote, inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			e.docs.validatedWith(t, onOrder, cn.ID, 0)
			e.wantLevels(t, w, map[*domain.Product]string{a: "93"})
			direct := e.draft(t, onOrder, domain.DocInvoice, "2031-04-03", docLine(a, "2"))
			e.docs.validatedWith(t, onOrder, direct.ID, 0)
			e.wantLevels(t, w, map[*domain.Product]string{a: "91"})

			// invoice (after a switch from order): an invoice made from an
			// order that debited does not debit again; one from an order
			// that did not, does. Orders never debit.
			debited := e.draft(t, onOrder, domain.DocOrder, "2031-04-04", docLine(a, "5"))
			if _, err := onOrder.Validate(ctx, e.docs.actor, orders, debited.ID, 0); err != nil {
				t.Fatal(err)
			}
			notDebited := e.draft(t, onInvoice, domain.DocOrder, "2031-04-04", docLine(a, "3"))
			if _, err := onInvoice.Validate(ctx, e.docs.actor, orders, notDebited.ID, 0); err != nil {
				t.Fatal(err)
			}
			e.wantLevels(t, w, map[*domain.Product]string{a: "86"})
			for _, o := range []*domain.Document{debited, notDebited} {
				inv, err := onInvoice.Convert(ctx, e.docs.actor, domain.ActInvoice, o.ID)
				if err != nil {
					t.Fatal(err)
				}
				e.docs.validatedWith(t, onInvoice, inv.ID, 0)
			}
			e.wantLevels(t, w, map[*domain.Product]string{a: "83"})
			e.assertLedgerMatchesLevels(t)
		})
	}
}

// Invoices of one product validated at once, with manual debits of it, on
// twelve numbering periods so that only the stock level's lock orders them:
// exactly what is in stock is sold, the refused invoices stay drafts, and the
// numbers of each month are gapless.
func TestConcurrentInvoiceValidationsNeverOversell(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newSalesEnv(t, d)
			ctx := context.Background()
			a, other := e.product(t, "A"), e.product(t, "OTHER")
			w := e.warehouse(t, "W")
			e.apply(t, move(a, w, "15"))
			e.apply(t, move(other, w, "1000"))
			docs := e.service(usecase.DocumentStockOptions{DefaultWarehouseID: w.ID})
			const nInvoices, nMoves = 24, 8
			drafts := make([]*domain.Document, nInvoices)
			for i := range drafts {
				// A different second product order per invoice: each locks
				// its two levels in (product, warehouse) order all the same.
				lines := []domain.LineInput{docLine(other, "1"), docLine(a, "1")}
				if i%2 == 1 {
					slices.Reverse(lines)
				}
				drafts[i] = e.draft(t, docs, domain.DocInvoice, fmt.Sprintf("2031-%02d-15", i%12+1), lines...)
			}
			errs := run(nInvoices+nMoves, func(i int) error {
				if i < nInvoices {
					_, err := docs.Validate(ctx, e.docs.actor, invoices, drafts[i].ID, 0)
					return err
				}
				_, err := e.stock.Apply(ctx, clerk, move(a, w, "-1"))
				return err
			})
			sold, refusedInvoices := 0, 0
			for i, err := range errs {
				switch {
				case err == nil:
					sold++
				case problemCode(err) == domain.CodeInsufficientStock:
					if i < nInvoices {
						refusedInvoices++
					}
				default:
					t.Fatalf("#%d: %v", i, err)
				}
			}
			if sold != 15 {
				t.Fatalf("%d debits of 1 succeeded on a stock of 15", sold)
			}
			e.wantLevels(t, w, map[*domain.Product]string{a: "0", other: fmt.Sprint(1000 - (nInvoices - refusedInvoices))})
			perMonth := map[string][]string{}
			for i, dr := range drafts {
				got := e.docs.get(t, dr.ID)
				ms := e.moves(t, domain.DocInvoice, dr.ID)
				switch {
				case errs[i] == nil && got.Status == domain.StatusValidated && len(ms) == 2:
					perMonth[got.Ref[:6]] = append(perMonth[got.Ref[:6]], got.Ref)
				case errs[i] != nil && got.Status == domain.StatusDraft && got.Ref == "" && len(ms) == 0:
				default:
					t.Fatalf("invoice #%d (%v): %s %q with %d movements", i, errs[i], got.Status, got.Ref, len(ms))
				}
			}
			for month, refs := range perMonth {
				slices.Sort(refs)
				for i, ref := range refs {
					if want := fmt.Sprintf("%s-%04d", month, i+1); ref != want {
						t.Fatalf("numbers of %s: %v", month, refs)
					}
				}
			}
			e.assertLedgerMatchesLevels(t)
		})
	}
}
