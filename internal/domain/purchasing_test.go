package domain

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"
)

// A purchase order's whole state machine: every action from every status.
func TestPurchaseOrderLifecycle(t *testing.T) {
	allowed := map[DocStatus][]Action{
		StatusDraft:             {ActEdit, ActDelete, ActValidate, ActCancel},
		StatusValidated:         {ActCancel, ActReceive},
		StatusPartiallyReceived: {ActReceive},
	}
	actions := []Action{ActEdit, ActDelete, ActValidate, ActAccept, ActRefuse, ActOrder, ActInvoice, ActCreditNote,
		ActPay, ActUnpay, ActCancel, ActReceive}
	for _, st := range DocPurchaseOrder.Statuses() {
		for _, a := range actions {
			d := &Document{ID: 1, Type: DocPurchaseOrder, Status: st}
			err := d.Can(a)
			ok := false
			for _, x := range allowed[st] {
				ok = ok || x == a
			}
			var p *Problem
			switch {
			case ok && err != nil:
				t.Errorf("%s: %s refused: %v", st, a, err)
			case !ok && (!errors.As(err, &p) || p.Kind != ErrConflict || p.Code != "illegal-transition"):
				t.Errorf("%s: %s gave %v, want an illegal-transition conflict", st, a, err)
			}
		}
	}
	// No other document receives.
	for _, typ := range DocTypes() {
		if typ == DocPurchaseOrder {
			continue
		}
		if err := (&Document{Type: typ, Status: StatusValidated}).Can(ActReceive); !errors.Is(err, ErrConflict) {
			t.Errorf("%s can receive: %v", typ, err)
		}
	}
}

func purchaseOrder(t *testing.T, lines ...LineInput) *Document {
	t.Helper()
	d := draft(t, DocPurchaseOrder, "EUR", lines...)
	d.ID = 3
	for i := range d.Lines {
		d.Lines[i].ID = int64(10 + i)
		d.Lines[i].ProductID = int64(100 + i)
	}
	if err := d.Validate("PO2611-0001", day); err != nil {
		t.Fatal(err)
	}
	return d
}

func problemCode(err error) string {
	var p *Problem
	if errors.As(err, &p) {
		return p.Code
	}
	return ""
}

func TestReceive(t *testing.T) {
	d := purchaseOrder(t, line("10", "12.50", "10", "20"), line("2", "3", "0", "20"))
	lines, err := d.Receive(ReceptionInput{WarehouseID: 1, Lines: []ReceptionLineInput{{OrderLineID: 10, Qty: dec("4")}}})
	if err != nil || d.Status != StatusPartiallyReceived || !d.Lines[0].QtyReceived.Equal(dec("4")) || !d.Lines[1].QtyReceived.IsZero() {
		t.Fatalf("first reception: %v %s %+v", err, d.Status, d.Lines)
	}
	// The net unit price: 12.50 × (1 − 10/100) = 11.25.
	if len(lines) != 1 || lines[0].OrderLineID != 10 || lines[0].ProductID != 100 || !lines[0].UnitCost.Equal(dec("11.25")) {
		t.Fatalf("reception lines %+v", lines)
	}
	// Over-reception: 6 remain on line 10; two lines naming it add up.
	_, err = d.Receive(ReceptionInput{WarehouseID: 1, Lines: []ReceptionLineInput{{OrderLineID: 10, Qty: dec("4")}, {OrderLineID: 10, Qty: dec("2.5")}}})
	if problemCode(err) != "over-reception" || !errors.Is(err, ErrConflict) || !d.Lines[0].QtyReceived.Equal(dec("4")) || d.Status != StatusPartiallyReceived {
		t.Fatalf("over-reception: %v, order %s %+v", err, d.Status, d.Lines)
	}
	// A line of another order, a zero quantity, no warehouse: 422 naming each.
	_, err = d.Receive(ReceptionInput{Lines: []ReceptionLineInput{{OrderLineID: 99, Qty: dec("1")}, {OrderLineID: 11, Qty: dec("0")}}})
	if f := fieldsOf(err); len(f) != 2 || f[0] != "warehouse_id" || f[1] != "lines[1].qty" {
		t.Fatalf("invalid input: %v", err)
	}
	_, err = d.Receive(ReceptionInput{WarehouseID: 1, Lines: []ReceptionLineInput{{OrderLineID: 99, Qty: dec("1")}}})
	if f := fieldsOf(err); len(f) != 1 || f[0] != "lines[0].order_line_id" {
		t.Fatalf("foreign line: %v", err)
	}
	// Goods cannot arrive before the order's date; on its date they can.
	_, err = d.Receive(ReceptionInput{WarehouseID: 1, Date: d.Date.AddDate(0, 0, -1), Lines: []ReceptionLineInput{{OrderLineID: 10, Qty: dec("1")}}})
	if f := fieldsOf(err); len(f) != 1 || f[0] != "date" || !d.Lines[0].QtyReceived.Equal(dec("4")) {
		t.Fatalf("reception dated before the order: %v", err)
	}
	// The rest of both lines: received.
	if _, err := d.Receive(ReceptionInput{WarehouseID: 1, Date: d.Date, Lines: []ReceptionLineInput{{OrderLineID: 10, Qty: dec("6")}, {OrderLineID: 11, Qty: dec("2")}}}); err != nil || d.Status != StatusReceived {
		t.Fatalf("last reception: %v %s", err, d.Status)
	}
	if _, err := d.Receive(ReceptionInput{WarehouseID: 1, Lines: []ReceptionLineInput{{OrderLineID: 11, Qty: dec("1")}}}); problemCode(err) != "illegal-transition" {
		t.Fatalf("receiving on a received order: %v", err)
	}
	if err := d.Cancel(); problemCode(err) != "illegal-transition" {
		t.Fatalf("cancelling a received order: %v", err)
	}
}

func TestNetUnitPriceRoundsToCostScale(t *testing.T) {
	for _, c := range []struct{ price, discount, want string }{
		{"10", "0", "10"}, {"10", "100", "0"}, {"0.333333", "33.3333", "0.222222"}, {"1.000001", "50", "0.500001"},
	} {
		l := Line{UnitPrice: dec(c.price), DiscountPercent: dec(c.discount)}
		if got := l.NetUnitPrice(); !got.Equal(dec(c.want)) {
			t.Errorf("%s − %s%% = %s, want %s", c.price, c.discount, got, c.want)
		}
	}
}

// A purchase order names its supplier: the field of its errors is supplier_id.
func TestPurchaseOrderPartyField(t *testing.T) {
	_, err := NewDraft(DocPurchaseOrder, DraftInput{}, day, "EUR", 1)
	if f := fieldsOf(err); len(f) != 1 || f[0] != "supplier_id" {
		t.Fatalf("fields %v", f)
	}
	d := purchaseOrder(t, line("1", "1", "0", "0"))
	d.Status = StatusDraft
	if f := fieldsOf(d.Edit(DraftPatch{ThirdPartyID: new(int64)})); len(f) != 1 || f[0] != "supplier_id" {
		t.Fatalf("fields %v", f)
	}
}

// LockedStock.For serves a lock only when it holds all of it: every named
// level, and for a lock of every warehouse the product's other levels and
// its cost; a lock of named levels only gets those.
func TestLockedStockFor(t *testing.T) {
	lvl := func(p, w int64) *StockLevel { return &StockLevel{ProductID: p, WarehouseID: w} }
	s := &LockedStock{
		Levels: []*StockLevel{lvl(1, 10), lvl(1, 20), lvl(2, 20)},
		Costs:  map[int64]decimal.Decimal{1: decimal.NewFromInt(5), 2: decimal.NewFromInt(7)},
	}
	keys := func(ls []*StockLevel) (out []StockKey) {
		for _, l := range ls {
			out = append(out, l.Key())
		}
		return out
	}
	levels, costs, ok := s.For([]LevelLock{{ProductID: 1, WarehouseIDs: []int64{10}, AllWarehouses: true}})
	if !ok || len(levels) != 2 || !costs[1].Equal(decimal.NewFromInt(5)) || len(costs) != 1 {
		t.Errorf("every warehouse of product 1: %v %v %v", keys(levels), costs, ok)
	}
	levels, costs, ok = s.For([]LevelLock{{ProductID: 1, WarehouseIDs: []int64{20}}})
	if !ok || len(levels) != 1 || levels[0].WarehouseID != 20 || len(costs) != 0 {
		t.Errorf("one named level of product 1: %v %v %v", keys(levels), costs, ok)
	}
	for _, locks := range [][]LevelLock{
		{{ProductID: 2, WarehouseIDs: []int64{10}, AllWarehouses: true}}, // its level in 10 is missing
		{{ProductID: 3, WarehouseIDs: []int64{10}}},                      // not locked at all
		{{ProductID: 1, WarehouseIDs: []int64{10}}, {ProductID: 3, WarehouseIDs: []int64{10}}},
	} {
		if _, _, ok := s.For(locks); ok {
			t.Errorf("%+v served by stock that lacks part of it", locks)
		}
	}
	if _, _, ok := (*LockedStock)(nil).For([]LevelLock{{ProductID: 1, WarehouseIDs: []int64{10}}}); ok {
		t.Error("no stock locked serves a lock")
	}
}
