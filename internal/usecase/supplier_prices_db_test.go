package usecase_test

// Supplier prices and replenishment on every dialect: CRUD and the
// (product, supplier, min_qty) uniqueness, the replenishment numbers (stock
// in one warehouse or all, incoming from validated and partially received
// purchase orders only) and the purchase orders drafted per supplier.

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

type priceEnv struct {
	*docEnv
	catalog *usecase.CatalogService
	stock   *usecase.StockService
	prices  *usecase.SupplierPriceService
	repl    *usecase.ReplenishmentService
	tag     string
}

func newPriceEnv(t *testing.T, db *testdb.DB) *priceEnv {
	t.Helper()
	e := newDocEnv(t, db)
	return &priceEnv{
		docEnv: e, catalog: usecase.NewCatalogService(e.uow, time.Now),
		stock:  usecase.NewStockService(e.uow, usecase.StockOptions{}),
		prices: usecase.NewSupplierPriceService(e.uow, time.Now),
		repl:   usecase.NewReplenishmentService(e.uow, e.docs),
		tag:    fmt.Sprintf("%s-%d", db.Dialect, time.Now().UnixNano()),
	}
}

func (e *priceEnv) product(t *testing.T, ref, min, desired string) int64 {
	t.Helper()
	p := &domain.Product{Ref: e.tag + "-" + ref, Label: ref, Type: domain.ProductTypeProduct, TrackStock: true, Active: true}
	if min != "" {
		p.MinStock = decimal.NewNullDecimal(num(min))
	}
	if desired != "" {
		p.DesiredStock = decimal.NewNullDecimal(num(desired))
	}
	if err := e.catalog.CreateProduct(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func (e *priceEnv) supplier(t *testing.T, name string, isSupplier bool) int64 {
	t.Helper()
	tp, err := e.tps.Create(context.Background(), domain.ThirdParty{Name: e.tag + " " + name, IsSupplier: isSupplier, IsCustomer: !isSupplier})
	if err != nil {
		t.Fatal(err)
	}
	return tp.ID
}

func (e *priceEnv) warehouse(t *testing.T, ref string) int64 {
	t.Helper()
	w := &domain.Warehouse{Ref: e.tag + "-" + ref, Label: ref}
	if err := e.catalog.CreateWarehouse(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	return w.ID
}

func (e *priceEnv) receive(t *testing.T, product, warehouse int64, qty string) {
	t.Helper()
	op, err := domain.NewStockMovement(product, warehouse, num(qty), decimal.NullDecimal{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.stock.Apply(context.Background(), e.actor, op); err != nil {
		t.Fatal(err)
	}
}

func (e *priceEnv) price(t *testing.T, product, supplier int64, price, minQty string, lead int) *domain.SupplierPrice {
	t.Helper()
	p := &domain.SupplierPrice{ProductID: product, SupplierID: supplier, UnitPrice: num(price), MinQty: num(minQty), VATRate: num("20"), LeadTimeDays: lead}
	if err := e.prices.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

// purchaseOrder stores a purchase order of the lines (product, qty,
// received) in the status: the purchase-order use case lives on another
// branch, so the status and received quantities are written in SQL.
func (e *priceEnv) purchaseOrder(t *testing.T, supplier int64, status string, lines ...[3]any) {
	t.Helper()
	in := domain.DraftInput{ThirdPartyID: supplier}
	for _, l := range lines {
		in.Lines = append(in.Lines, domain.LineInput{ProductID: l[0].(int64), Qty: num(l[1].(string)), UnitPrice: numPtr("1"), VATRate: numPtr("0")})
	}
	d, err := e.docs.Create(context.Background(), e.actor, domain.DocPurchaseOrder, in)
	if err != nil {
		t.Fatal(err)
	}
	g := e.db.Gorm
	if err := g.Exec("UPDATE commercial_documents SET status = ? WHERE id = ?", status, d.ID).Error; err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		if err := g.Exec("UPDATE commercial_document_lines SET qty_received = ? WHERE document_id = ? AND product_id = ?",
			num(l[2].(string)), d.ID, l[0].(int64)).Error; err != nil {
			t.Fatal(err)
		}
	}
}

func TestSupplierPricesCRUD(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		e := newPriceEnv(t, db)
		prod := e.product(t, "screw", "", "")
		sup := e.supplier(t, "Screws Ltd", true)
		customer := e.supplier(t, "Not a supplier", false)

		p := e.price(t, prod, sup, "0.000125", "1000", 5)
		got, err := e.prices.Get(ctx, p.ID)
		if err != nil || !got.UnitPrice.Equal(num("0.000125")) || !got.MinQty.Equal(num("1000")) || got.LeadTimeDays != 5 {
			t.Fatalf("get = %+v, %v", got, err)
		}

		// One price per (product, supplier, min_qty), whatever the scale of the quantity.
		dup := &domain.SupplierPrice{ProductID: prod, SupplierID: sup, UnitPrice: num("1"), MinQty: num("1000.000")}
		var pr *domain.Problem
		if err := e.prices.Create(ctx, dup); !errors.As(err, &pr) || pr.Code != "duplicate" {
			t.Fatalf("duplicate = %v", err)
		}
		second := e.price(t, prod, sup, "0.0001", "10000", 5)
		if _, err := e.prices.Update(ctx, second.ID, domain.SupplierPricePatch{MinQty: numPtr("1000")}); !errors.As(err, &pr) || pr.Code != "duplicate" {
			t.Fatalf("duplicate by update = %v", err)
		}

		// Supplier and product are checked, naming the field.
		var verr *domain.ValidationError
		bad := &domain.SupplierPrice{ProductID: prod, SupplierID: customer, UnitPrice: num("1"), MinQty: num("1")}
		if err := e.prices.Create(ctx, bad); !errors.As(err, &verr) || verr.Fields[0].Field != "supplier_id" {
			t.Fatalf("not a supplier = %v", err)
		}
		bad = &domain.SupplierPrice{ProductID: 1 << 40, SupplierID: 1 << 40, UnitPrice: num("1"), MinQty: num("1")}
		if err := e.prices.Create(ctx, bad); !errors.As(err, &verr) || len(verr.Fields) != 2 || verr.Fields[0].Field != "product_id" {
			t.Fatalf("unknown product and supplier = %v", err)
		}

		upd, err := e.prices.Update(ctx, p.ID, domain.SupplierPricePatch{UnitPrice: numPtr("0.00012"), SupplierRef: ptr("SCR-1")})
		if err != nil || !upd.UnitPrice.Equal(num("0.00012")) || upd.SupplierRef != "SCR-1" {
			t.Fatalf("update = %+v, %v", upd, err)
		}
		page, err := e.prices.List(ctx, domain.SupplierPriceFilter{ListQuery: domain.ListQuery{Limit: 10, Sort: "min_qty"}, ProductID: prod})
		if err != nil || page.Total != 2 || page.Items[0].ID != p.ID || page.Items[1].ID != second.ID {
			t.Fatalf("list = %+v, %v", page, err)
		}
		page, err = e.prices.List(ctx, domain.SupplierPriceFilter{ListQuery: domain.ListQuery{Limit: 10}, SupplierID: customer})
		if err != nil || page.Total != 0 {
			t.Fatalf("list of another supplier = %+v, %v", page, err)
		}
		if err := e.prices.Delete(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.prices.Get(ctx, p.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("deleted = %v", err)
		}
		if err := e.prices.Delete(ctx, p.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("deleted twice = %v", err)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// TestReplenishment checks the numbers and the drafting in one test: the
// drafts cover every short product of the package's shared database, and no
// other test of the package sets a minimum stock.
func TestReplenishment(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		e := newPriceEnv(t, db)
		w1, w2 := e.warehouse(t, "W1"), e.warehouse(t, "W2")
		supA, supB := e.supplier(t, "A", true), e.supplier(t, "B", true)

		bolt := e.product(t, "bolt", "10", "25.5")  // 3.25 in W1 + 4 in W2, 2.5 incoming
		nut := e.product(t, "nut", "8", "")         // nothing in stock, 5 incoming (partially received 3 of 8)
		washer := e.product(t, "washer", "5", "20") // no supplier price
		full := e.product(t, "full", "5", "")       // 6 in stock: not short
		e.product(t, "untracked-threshold-less", "", "")

		e.receive(t, bolt, w1, "3.25")
		e.receive(t, bolt, w2, "4")
		e.receive(t, full, w1, "6")
		e.purchaseOrder(t, supA, "validated", [3]any{bolt, "2.5", "0"})
		e.purchaseOrder(t, supA, "partially_received", [3]any{nut, "8", "3"})
		e.purchaseOrder(t, supA, "draft", [3]any{bolt, "100", "0"})    // a draft is not incoming
		e.purchaseOrder(t, supA, "cancelled", [3]any{nut, "100", "0"}) // nor a cancelled order
		e.purchaseOrder(t, supA, "received", [3]any{nut, "100", "100"})

		e.price(t, bolt, supA, "2.10", "1", 10)
		boltB := e.price(t, bolt, supB, "2.00", "10", 3) // cheaper from 10
		e.price(t, bolt, supB, "1.50", "100", 3)         // cheaper still, but from 100
		nutA := e.price(t, nut, supA, "0.30", "50", 1)   // only price: min_qty 50 raises the quantity

		type row struct{ stock, incoming, qty string }
		check := func(wh int64, want map[int64]row) []domain.Replenishment {
			t.Helper()
			rs, err := e.repl.Suggestions(ctx, wh)
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != len(want) {
				t.Fatalf("warehouse %d: %d suggestions, want %d: %+v", wh, len(rs), len(want), rs)
			}
			for _, r := range rs {
				w, ok := want[r.ProductID]
				if !ok || !r.Stock.Equal(num(w.stock)) || !r.Incoming.Equal(num(w.incoming)) || !r.SuggestedQty.Equal(num(w.qty)) {
					t.Errorf("warehouse %d product %d: stock %s incoming %s qty %s, want %+v", wh, r.ProductID, r.Stock, r.Incoming, r.SuggestedQty, w)
				}
			}
			return rs
		}
		// Every warehouse: bolt 7.25 + 2.5 < 10 → 25.5 − 9.75 = 15.75.
		all := check(0, map[int64]row{bolt: {"7.25", "2.5", "15.75"}, nut: {"0", "5", "50"}, washer: {"0", "0", "20"}})
		for _, r := range all {
			switch r.ProductID {
			case bolt:
				if r.Price == nil || r.Price.ID != boltB.ID {
					t.Errorf("bolt price = %+v, want %d", r.Price, boltB.ID)
				}
			case nut:
				if r.Price == nil || r.Price.ID != nutA.ID {
					t.Errorf("nut price = %+v, want %d", r.Price, nutA.ID)
				}
			case washer:
				if r.Price != nil {
					t.Errorf("washer price = %+v, want none", r.Price)
				}
			}
		}
		// W2 alone: bolt 4 + 2.5, full 0 + 0 is short there.
		check(w2, map[int64]row{bolt: {"4", "2.5", "19"}, nut: {"0", "5", "50"}, washer: {"0", "0", "20"}, full: {"0", "0", "5"}})
		var verr *domain.ValidationError
		if _, err := e.repl.Suggestions(ctx, 1<<40); !errors.As(err, &verr) || verr.Fields[0].Field != "warehouse_id" {
			t.Fatalf("unknown warehouse = %v", err)
		}

		ids, err := e.repl.DraftOrders(ctx, e.actor, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != 2 {
			t.Fatalf("purchase orders = %v, want one per supplier (A, B)", ids)
		}
		pos := []domain.DocType{domain.DocPurchaseOrder}
		a, err := e.docs.Get(ctx, pos, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		b, err := e.docs.Get(ctx, pos, ids[1])
		if err != nil {
			t.Fatal(err)
		}
		if a.ThirdPartyID != supA || a.Status != domain.StatusDraft || len(a.Lines) != 1 || a.Lines[0].ProductID != nut ||
			!a.Lines[0].Qty.Equal(num("50")) || !a.Lines[0].UnitPrice.Equal(num("0.30")) || !a.Lines[0].VATRate.Equal(num("20")) {
			t.Errorf("order of A = %+v", a)
		}
		if b.ThirdPartyID != supB || b.Status != domain.StatusDraft || len(b.Lines) != 1 || b.Lines[0].ProductID != bolt ||
			!b.Lines[0].Qty.Equal(num("15.75")) || !b.Lines[0].UnitPrice.Equal(num("2")) || !b.TotalNet.Equal(num("31.5")) {
			t.Errorf("order of B = %+v", b)
		}
	})
}
