package domain

import (
	"errors"
	"testing"
)

// Only orders ship, once validated (invoiced included: with the shipment
// trigger an order invoiced first must still send its goods).
func TestShipTransitions(t *testing.T) {
	for _, typ := range DocTypes() {
		for _, st := range typ.Statuses() {
			err := (&Document{Type: typ, Status: st}).Can(ActShip)
			want := typ == DocOrder && (st == StatusValidated || st == StatusInvoiced)
			if want != (err == nil) || (err != nil && problemCode(err) != "illegal-transition") {
				t.Errorf("%s %s: ship gave %v", typ, st, err)
			}
		}
	}
}

func TestShip(t *testing.T) {
	d := draft(t, DocOrder, "EUR", line("10", "12.50", "10", "20"), line("2", "3", "0", "20"))
	d.ID = 4
	for i := range d.Lines {
		d.Lines[i].ID = int64(10 + i)
		d.Lines[i].ProductID = int64(100 + i)
	}
	if _, err := d.Ship(ShipmentInput{WarehouseID: 1, Lines: []ShipmentLineInput{{OrderLineID: 10, Qty: dec("1")}}}); problemCode(err) != "illegal-transition" {
		t.Fatalf("shipping a draft: %v", err)
	}
	if err := d.Validate("CO2611-0001", day); err != nil {
		t.Fatal(err)
	}
	lines, err := d.Ship(ShipmentInput{WarehouseID: 1, Lines: []ShipmentLineInput{{OrderLineID: 10, Qty: dec("4")}}})
	if err != nil || d.Status != StatusValidated || !d.Lines[0].QtyShipped.Equal(dec("4")) || !d.Lines[1].QtyShipped.IsZero() {
		t.Fatalf("first shipment: %v %s %+v", err, d.Status, d.Lines)
	}
	if len(lines) != 1 || lines[0].OrderLineID != 10 || lines[0].ProductID != 100 || !lines[0].Qty.Equal(dec("4")) {
		t.Fatalf("shipment lines %+v", lines)
	}
	// Over-shipment: 6 remain on line 10; two lines naming it add up.
	_, err = d.Ship(ShipmentInput{WarehouseID: 1, Lines: []ShipmentLineInput{{OrderLineID: 10, Qty: dec("4")}, {OrderLineID: 10, Qty: dec("2.5")}}})
	if problemCode(err) != "over-shipment" || !errors.Is(err, ErrConflict) || !d.Lines[0].QtyShipped.Equal(dec("4")) {
		t.Fatalf("over-shipment: %v, %+v", err, d.Lines)
	}
	// A line of another order, a zero quantity, no warehouse: 422 naming each.
	_, err = d.Ship(ShipmentInput{Lines: []ShipmentLineInput{{OrderLineID: 99, Qty: dec("1")}, {OrderLineID: 11, Qty: dec("0")}}})
	if f := fieldsOf(err); len(f) != 2 || f[0] != "warehouse_id" || f[1] != "lines[1].qty" {
		t.Fatalf("invalid input: %v", err)
	}
	_, err = d.Ship(ShipmentInput{WarehouseID: 1, Date: d.Date.AddDate(0, 0, -1), Lines: []ShipmentLineInput{{OrderLineID: 10, Qty: dec("1")}}})
	if f := fieldsOf(err); len(f) != 1 || f[0] != "date" || !d.Lines[0].QtyShipped.Equal(dec("4")) {
		t.Fatalf("a date before the order's: %v", err)
	}
	if _, err := d.Ship(ShipmentInput{WarehouseID: 1, Date: d.Date, Lines: []ShipmentLineInput{{OrderLineID: 10, Qty: dec("0.5")}}}); err != nil {
		t.Fatalf("shipping on the order's date: %v", err)
	}
	d.Lines[0].QtyShipped = dec("4")
	_, err = d.Ship(ShipmentInput{WarehouseID: 1, Lines: []ShipmentLineInput{{OrderLineID: 99, Qty: dec("1")}}})
	if f := fieldsOf(err); len(f) != 1 || f[0] != "lines[0].order_line_id" {
		t.Fatalf("foreign line: %v", err)
	}
	// Everything left, then nothing more: the order's status never moves.
	if _, err := d.Ship(ShipmentInput{WarehouseID: 1, Lines: []ShipmentLineInput{{OrderLineID: 10, Qty: dec("6")}, {OrderLineID: 11, Qty: dec("2")}}}); err != nil || d.Status != StatusValidated {
		t.Fatalf("last shipment: %v %s", err, d.Status)
	}
	if _, err := d.Ship(ShipmentInput{WarehouseID: 1, Lines: []ShipmentLineInput{{OrderLineID: 11, Qty: dec("0.5")}}}); problemCode(err) != "over-shipment" {
		t.Fatalf("shipping a shipped line: %v", err)
	}
	// An invoice made from the order does not inherit what it shipped.
	inv, err := d.Convert(ActInvoice, day, 1)
	if err != nil || !inv.Lines[0].QtyShipped.IsZero() || d.Status != StatusInvoiced {
		t.Fatalf("invoice: %v %+v", err, inv)
	}
}
