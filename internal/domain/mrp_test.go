package domain

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestBOMRequirement(t *testing.T) {
	cases := []struct {
		bomQty, lineQty, loss, orderQty, want string
	}{
		{"1", "2", "0", "3", "6"},
		{"4", "3", "5", "2", "1.575"},           // 3 × 2/4 × 1.05
		{"3", "2", "0", "1", "0.666667"},        // 0.6666… rounded up
		{"3", "1", "0", "3", "1"},               // exact: no rounding up
		{"3", "2", "10", "4", "2.933334"},       // 2.9333…
		{"7", "0.000001", "0", "1", "0.000001"}, // never rounds to zero
		{"0.5", "1.25", "100", "0.25", "1.25"},  // 1.25 × 0.5 × 2
		{"1", "99999999", "0", "1000000", "99999999000000"},
	}
	for _, c := range cases {
		b := &BOM{Qty: dec(c.bomQty)}
		got := b.Requirement(BOMLine{Qty: dec(c.lineQty), LossPercent: dec(c.loss)}, dec(c.orderQty))
		if !got.Equal(dec(c.want)) {
			t.Errorf("line %s (loss %s%%) per %s, order of %s: %s, want %s", c.lineQty, c.loss, c.bomQty, c.orderQty, got, c.want)
		}
	}
}

func TestManufacturingOrderLifecycleRules(t *testing.T) {
	at := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	allowed := map[MOStatus][]MOAction{
		MODraft:     {MOValidate, MOCancel},
		MOValidated: {MOProduce, MOCancel},
		MOProduced:  nil,
		MOCancelled: nil,
	}
	want := map[MOAction]MOStatus{MOValidate: MOValidated, MOProduce: MOProduced, MOCancel: MOCancelled}
	for _, from := range MOStatuses {
		for _, a := range []MOAction{MOValidate, MOProduce, MOCancel} {
			mo := &ManufacturingOrder{ID: 9, Status: from}
			guard, err := mo.Apply(a, at)
			if !slices.Contains(allowed[from], a) {
				var p *Problem
				if !errors.As(err, &p) || p.Code != "illegal-transition" || mo.Status != from {
					t.Errorf("%s from %s: err %v, status %s; want illegal-transition, unchanged", a, from, err, mo.Status)
				}
				continue
			}
			if err != nil || mo.Status != want[a] || !slices.Contains(guard, from) || !mo.UpdatedAt.Equal(at) {
				t.Errorf("%s from %s: status %s, guard %v, err %v", a, from, mo.Status, guard, err)
			}
		}
	}
}

func TestBOMCycleCheck(t *testing.T) {
	// 1 ← 2, 2 ← 3, 3 ← 4, 5 ← 1
	graph := map[int64][]int64{1: {2}, 2: {3}, 3: {4}, 5: {1}}
	lookups := 0
	lookup := func(_ context.Context, ids []int64) (map[int64][]int64, error) {
		lookups++
		out := map[int64][]int64{}
		for _, id := range ids {
			if c, ok := graph[id]; ok {
				out[id] = c
			}
		}
		return out, nil
	}
	ok := &BOM{ProductID: 4, Lines: []BOMLine{{ProductID: 6}}}
	if err := CheckBOMCycle(context.Background(), ok, lookup); err != nil {
		t.Fatalf("no cycle: %v", err)
	}
	cyc := &BOM{ProductID: 4, Lines: []BOMLine{{ProductID: 6}, {ProductID: 5}}} // 4 ← 5 ← 1 ← 2 ← 3 ← 4
	lookups = 0
	err := CheckBOMCycle(context.Background(), cyc, lookup)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Fields[0].Field != "lines[1].product_id" || !strings.Contains(ve.Fields[0].Message, "4 → 5 → 1 → 2 → 3 → 4") {
		t.Fatalf("cycle: %v", err)
	}
	if lookups != 4 { // one query per level: {6,5}, {1}, {2}, {3}
		t.Fatalf("%d lookups, want 4", lookups)
	}
	boom := errors.New("db down")
	if err := CheckBOMCycle(context.Background(), cyc, func(context.Context, []int64) (map[int64][]int64, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("lookup error: %v", err)
	}
}
