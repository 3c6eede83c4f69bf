package domain

import (
	"testing"

	"github.com/shopspring/decimal"
)

func sp(id int64, supplier int64, price, minQty string, lead int) *SupplierPrice {
	return &SupplierPrice{ID: id, ProductID: 1, SupplierID: supplier, UnitPrice: dec(price), MinQty: dec(minQty), LeadTimeDays: lead}
}

func TestBestSupplierPrice(t *testing.T) {
	cases := []struct {
		name   string
		prices []*SupplierPrice
		qty    string
		want   int64 // 0: none
	}{
		{"no prices", nil, "10", 0},
		{"every min_qty above the quantity", []*SupplierPrice{sp(1, 1, "5", "11", 0), sp(2, 2, "4", "10.000001", 0)}, "10", 0},
		{"min_qty equal to the quantity applies", []*SupplierPrice{sp(1, 1, "5", "1", 0), sp(2, 1, "4", "10", 0)}, "10", 2},
		{"min_qty just above the quantity does not", []*SupplierPrice{sp(1, 1, "5", "1", 0), sp(2, 1, "4", "10.000001", 0)}, "10", 1},
		{"lowest unit price wins", []*SupplierPrice{sp(1, 1, "5.000001", "1", 0), sp(2, 2, "5", "1", 30), sp(3, 3, "6", "1", 0)}, "3", 2},
		{"equal prices in different scales tie: shorter lead time", []*SupplierPrice{sp(1, 1, "5.00", "1", 7), sp(2, 2, "5", "1", 3)}, "3", 2},
		{"equal price and lead time: lowest id", []*SupplierPrice{sp(9, 1, "5", "1", 3), sp(4, 2, "5", "2", 3), sp(6, 3, "5", "1", 3)}, "3", 4},
		{"quantity break of one supplier", []*SupplierPrice{sp(1, 1, "10", "1", 0), sp(2, 1, "8", "100", 0), sp(3, 1, "6", "1000", 0)}, "999.999999", 2},
		{"fractional quantity below every min_qty", []*SupplierPrice{sp(1, 1, "10", "1", 0)}, "0.5", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := BestSupplierPrice(c.prices, dec(c.qty))
			var id int64
			if got != nil {
				id = got.ID
			}
			if id != c.want {
				t.Fatalf("best = %d, want %d", id, c.want)
			}
			// The order of the prices never changes the choice.
			rev := make([]*SupplierPrice, len(c.prices))
			for i, p := range c.prices {
				rev[len(rev)-1-i] = p
			}
			if again := BestSupplierPrice(rev, dec(c.qty)); again != got {
				t.Fatalf("reversed order chose %v, want %v", again, got)
			}
		})
	}
}

func TestReplenish(t *testing.T) {
	need := func(stock, incoming, min string, desired string) StockNeed {
		n := StockNeed{ProductID: 1, Stock: dec(stock), Incoming: dec(incoming), MinStock: dec(min)}
		if desired != "" {
			n.DesiredStock = decimal.NewNullDecimal(dec(desired))
		}
		return n
	}
	cases := []struct {
		name    string
		n       StockNeed
		prices  []*SupplierPrice
		wantQty string
		wantID  int64
	}{
		{"desired minus stock minus incoming", need("2", "3", "10", "20"), []*SupplierPrice{sp(1, 1, "5", "1", 0)}, "15", 1},
		{"min stock when no desired stock", need("2", "3", "10", ""), []*SupplierPrice{sp(1, 1, "5", "1", 0)}, "5", 1},
		{"no price: quantity alone", need("0", "0", "4", ""), nil, "4", 0},
		{"cheaper break applies at the quantity", need("0", "0", "10", "100"), []*SupplierPrice{sp(1, 1, "5", "1", 0), sp(2, 2, "4", "100", 0)}, "100", 2},
		{"no price applies: smallest min_qty, quantity raised to it", need("0", "0", "3", ""), []*SupplierPrice{sp(1, 1, "4", "50", 0), sp(2, 2, "5", "12", 0), sp(3, 3, "3", "12", 0)}, "12", 3},
		{"negative stock is made up", need("-4", "1", "2", ""), []*SupplierPrice{sp(1, 1, "5", "1", 0)}, "5", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !c.n.Short() {
				t.Fatal("case is not short")
			}
			r := Replenish(c.n, c.prices)
			if !r.SuggestedQty.Equal(dec(c.wantQty)) {
				t.Errorf("qty = %s, want %s", r.SuggestedQty, c.wantQty)
			}
			var id int64
			if r.Price != nil {
				id = r.Price.ID
				if r.SuggestedQty.LessThan(r.Price.MinQty) {
					t.Errorf("qty %s below the price's min_qty %s", r.SuggestedQty, r.Price.MinQty)
				}
			}
			if id != c.wantID {
				t.Errorf("price = %d, want %d", id, c.wantID)
			}
		})
	}
	if need("5", "5", "10", "").Short() {
		t.Error("stock + incoming equal to the minimum is not short")
	}
}

func TestReplenishmentOrdersGroupBySupplier(t *testing.T) {
	rs := []Replenishment{
		{StockNeed: StockNeed{ProductID: 1}, Price: sp(1, 7, "1", "1", 0)},
		{StockNeed: StockNeed{ProductID: 2}},
		{StockNeed: StockNeed{ProductID: 3}, Price: sp(2, 3, "1", "1", 0)},
		{StockNeed: StockNeed{ProductID: 4}, Price: sp(3, 7, "1", "1", 0)},
	}
	got := ReplenishmentOrders(rs)
	if len(got) != 2 || got[0][0].ProductID != 3 || len(got[1]) != 2 || got[1][0].ProductID != 1 || got[1][1].ProductID != 4 {
		t.Fatalf("orders = %+v", got)
	}
}

func TestSupplierPriceCheck(t *testing.T) {
	p := SupplierPrice{UnitPrice: dec("-1"), MinQty: dec("0"), VATRate: dec("100.00001"), LeadTimeDays: -1}
	v := p.Check()
	want := []string{"product_id", "supplier_id", "unit_price", "min_qty", "vat_rate", "lead_time_days"}
	if len(v.Fields) != len(want) {
		t.Fatalf("fields = %+v", v.Fields)
	}
	for i, f := range v.Fields {
		if f.Field != want[i] {
			t.Errorf("field %d = %s, want %s", i, f.Field, want[i])
		}
	}
	p = SupplierPrice{ProductID: 1, SupplierID: 2, UnitPrice: dec("0.0000001"), MinQty: dec("1.0000001"), VATRate: dec("20")}
	if v := p.Check(); len(v.Fields) != 2 {
		t.Fatalf("scale errors = %+v", v.Fields)
	}
}

func TestProductStockThresholds(t *testing.T) {
	p := Product{Ref: "P", Label: "p", Type: ProductTypeProduct, MinStock: decimal.NewNullDecimal(dec("10")), DesiredStock: decimal.NewNullDecimal(dec("5"))}
	if v := p.Check(); len(v.Fields) != 1 || v.Fields[0].Field != "desired_stock" {
		t.Fatalf("fields = %+v", v.Fields)
	}
	p.MinStock = decimal.NewNullDecimal(dec("-1"))
	p.DesiredStock = decimal.NullDecimal{}
	if v := p.Check(); len(v.Fields) != 1 || v.Fields[0].Field != "min_stock" {
		t.Fatalf("fields = %+v", v.Fields)
	}
}
