package domain

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestAllocateInvoiced(t *testing.T) {
	ds := func(ss ...string) []decimal.Decimal {
		out := make([]decimal.Decimal, len(ss))
		for i, s := range ss {
			out[i] = dec(s)
		}
		return out
	}
	for _, tc := range []struct {
		shipped  []decimal.Decimal
		invoiced string
		want     []decimal.Decimal
	}{
		{ds("5"), "0", ds("0")},
		{ds("5"), "3", ds("3")},
		{ds("5"), "8", ds("8")}, // invoiced ahead of shipping
		{ds("2", "3"), "4", ds("2", "2")},
		{ds("2", "3"), "1.5", ds("1.5", "0")},
		{ds("2", "3"), "7", ds("2", "5")},
		{ds("0", "3"), "2", ds("0", "2")},
	} {
		got := AllocateInvoiced(tc.shipped, dec(tc.invoiced))
		for i := range got {
			if !got[i].Equal(tc.want[i]) {
				t.Errorf("AllocateInvoiced(%v, %s) = %v, want %v", tc.shipped, tc.invoiced, got, tc.want)
				break
			}
		}
	}
	r := ShippedNotInvoicedRow{QtyShipped: dec("3"), QtyInvoiced: dec("1"), NetUnitPrice: dec("2.345"), Currency: "EUR"}
	if !r.QtyToInvoice().Equal(dec("2")) || r.Amount().String() != "4.69" {
		t.Errorf("to invoice %s, amount %s", r.QtyToInvoice(), r.Amount())
	}
}
