package domain_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

func num(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestWeightedAverageCost(t *testing.T) {
	for _, c := range []struct{ onHand, avg, qty, cost, want string }{
		{"0", "0", "10", "5", "5"},                    // nothing on hand: the receipt's cost
		{"-4", "9", "10", "5", "5"},                   // owed units value nothing
		{"10", "5", "10", "8", "6.5"},                 // (50 + 80) / 20
		{"1", "1", "2", "0", "0.333333"},              // 1/3 rounded to 6 decimals
		{"2", "1", "1", "0", "0.666667"},              // 2/3: half away from zero
		{"20", "5.125", "0.000001", "999", "5.12505"}, // 102.500999 / 20.000001 = 5.1250496…
		{"3", "0.000001", "3", "0", "0.000001"},       // 0.0000005 rounds up
		{"99999999999999", "1", "0.000001", "0", "1"}, // huge stock, tiny receipt
		{"0.5", "99999999999999.999999", "0.5", "0", "50000000000000"},
	} {
		got := domain.WeightedAverageCost(num(c.onHand), num(c.avg), num(c.qty), num(c.cost))
		if !got.Equal(num(c.want)) {
			t.Errorf("WAC(on hand %s at %s, receive %s at %s) = %s, want %s", c.onHand, c.avg, c.qty, c.cost, got, c.want)
		}
	}
}

func TestStockLevelChange(t *testing.T) {
	l := &domain.StockLevel{ProductID: 1, WarehouseID: 2, Qty: num("5")}
	if err := l.Change(num("-5"), false); err != nil || !l.Qty.IsZero() {
		t.Fatalf("debit to zero: %v, %s", err, l.Qty)
	}
	err := l.Change(num("-0.000001"), false)
	var ins *domain.InsufficientStockError
	if !errors.As(err, &ins) || !errors.Is(err, domain.ErrConflict) || !l.Qty.IsZero() {
		t.Fatalf("debit below zero: %v, level %s", err, l.Qty)
	}
	var p *domain.Problem
	if !errors.As(err, &p) || p.Code != domain.CodeInsufficientStock {
		t.Fatalf("problem code of %v", err)
	}
	if err := l.Change(num("-1"), true); err != nil || !l.Qty.Equal(num("-1")) {
		t.Fatalf("negative allowed: %v, %s", err, l.Qty)
	}
	if err := l.Change(num("0.5"), false); err != nil || !l.Qty.Equal(num("-0.5")) {
		t.Fatalf("a receipt on negative stock is never refused: %v, %s", err, l.Qty)
	}
	l.Qty = num("99999999999999.999999")
	if err := l.Change(num("0.000001"), false); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("overflow: %v", err)
	}
}

func TestCheckQty(t *testing.T) {
	for s, ok := range map[string]bool{
		"1": true, "-1.5": true, "1.500000000": true, "0.000001": true, "99999999999999.999999": true,
		"0.0000001": false, "100000000000000": false, "-1e14": false, "1e-7": false,
	} {
		v := &domain.ValidationError{}
		if got := domain.CheckQty(v, "qty", num(s)); got != ok || (len(v.Fields) == 0) != ok {
			t.Errorf("CheckQty(%s) = %v, %v; want %v", s, got, v.Fields, ok)
		}
	}
	v := &domain.ValidationError{}
	if domain.CheckMoney(v, "unit_price", num("-0.01")) || domain.CheckRate(v, "vat_rate", num("100.00001")) || len(v.Fields) != 2 {
		t.Errorf("negative price and rate over 100 accepted: %v", v.Fields)
	}
}

func TestLevelLocksOrder(t *testing.T) {
	op := domain.StockOperation{Label: "x", Origin: domain.Origin{Type: "test"}, Lines: []domain.StockLine{
		{ProductID: 9, WarehouseID: 2, Qty: num("-1")},
		{ProductID: 3, WarehouseID: 7, Qty: num("1")},
		{ProductID: 9, WarehouseID: 1, Qty: num("1"), UnitCost: decimal.NewNullDecimal(num("2"))},
		{ProductID: 3, WarehouseID: 2, Qty: num("1")},
		{ProductID: 9, WarehouseID: 2, Qty: num("1")},
	}}
	want := []domain.LevelLock{
		{ProductID: 3, WarehouseIDs: []int64{2, 7}},
		{ProductID: 9, WarehouseIDs: []int64{1, 2}, AllWarehouses: true}, // a receipt at cost locks the whole product
	}
	if got := op.LevelLocks(); !reflect.DeepEqual(got, want) {
		t.Fatalf("locks %+v, want %+v", got, want)
	}
}

func TestStockOperationCheck(t *testing.T) {
	nd := decimal.NewNullDecimal
	op := domain.StockOperation{Lines: []domain.StockLine{
		{ProductID: 0, WarehouseID: 1, Qty: num("1")},
		{ProductID: 1, WarehouseID: 1, Qty: num("0")},
		{ProductID: 1, WarehouseID: 1, Qty: num("-1"), UnitCost: nd(num("1"))},
		{ProductID: 1, WarehouseID: 2, Counted: nd(num("-1"))},
		{ProductID: 1, WarehouseID: 1, Counted: nd(num("1"))},
		{ProductID: 1, WarehouseID: 1, Counted: nd(num("2"))},
	}}
	err := op.Check()
	var v *domain.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("err = %v", err)
	}
	want := []string{"origin_type", "lines[0].product_id", "lines[1].qty", "lines[2].unit_cost", "lines[3].counted_qty", "lines[5].product_id"}
	var got []string
	for _, f := range v.Fields {
		got = append(got, f.Field)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("fields %v, want %v", got, want)
	}
}

// The constructors apply Check's rules and name the fields as their input
// does, each once.
func TestStockConstructorsNameTheirFields(t *testing.T) {
	fields := func(err error) []string {
		var v *domain.ValidationError
		if !errors.As(err, &v) {
			t.Fatalf("err = %v, want a validation error", err)
		}
		var got []string
		for _, f := range v.Fields {
			got = append(got, f.Field)
		}
		return got
	}
	long := strings.Repeat("x", domain.MaxLabelLen+1)
	for name, c := range map[string]struct {
		err  error
		want []string
	}{
		"movement": {
			err:  second(domain.NewStockMovement(0, 1, num("-1.0000001"), decimal.NewNullDecimal(num("1")), long)),
			want: []string{"label", "product_id", "qty", "unit_cost"},
		},
		"transfer": {
			err:  second(domain.Transfer{ProductID: 1, ToWarehouseID: 2, Qty: num("0.0000001")}.Operation()),
			want: []string{"from_warehouse_id", "qty"},
		},
		"transfer backwards": {
			err:  second(domain.Transfer{ProductID: 1, FromWarehouseID: 2, ToWarehouseID: 2, Qty: num("-1"), Label: long}.Operation()),
			want: []string{"qty", "label", "to_warehouse_id"},
		},
		"count": {
			err: second(domain.InventoryCount{Lines: []domain.CountedLine{
				{ProductID: 1, CountedQty: num("-1")}, {ProductID: 1, CountedQty: num("1")},
			}}.Operation()),
			want: []string{"warehouse_id", "lines[0].counted_qty", "lines[1].product_id"},
		},
		"empty count": {err: second(domain.InventoryCount{WarehouseID: 1}.Operation()), want: []string{"lines"}},
	} {
		if got := fields(c.err); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: fields %v, want %v", name, got, c.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }
