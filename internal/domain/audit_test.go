package domain

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestDiff(t *testing.T) {
	type user struct {
		ID           int64
		Login        string
		PasswordHash string
		VATRate      decimal.Decimal
		ThirdPartyID int64
		UpdatedAt    time.Time
		Roles        []string
	}
	before := &user{ID: 1, Login: "ann", PasswordHash: "h1", VATRate: decimal.RequireFromString("20.000000"), ThirdPartyID: 3, Roles: []string{"viewer"}}
	after := &user{ID: 1, Login: "anne", PasswordHash: "h2", VATRate: decimal.RequireFromString("20"), ThirdPartyID: 3,
		UpdatedAt: time.Now(), Roles: []string{"admin"}}
	for _, tc := range []struct {
		name   string
		before any
		after  any
		want   string
	}{
		{"update: only what changed, decimals by value, no secret nor updated_at", before, after,
			`{"login":{"before":"ann","after":"anne"},"roles":{"before":["viewer"],"after":["admin"]}}`},
		{"create", nil, &user{ID: 2, Login: "bob"},
			`{"id":{"before":null,"after":2},"login":{"before":null,"after":"bob"},"roles":{"before":null,"after":null},"third_party_id":{"before":null,"after":0},"vat_rate":{"before":null,"after":"0"}}`},
		{"delete of a nil pointer is nothing", (*user)(nil), nil, `{}`},
		{"no change", before, before, `{}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(Diff(tc.before, tc.after)); got != tc.want {
				t.Fatalf("Diff = %s\nwant   %s", got, tc.want)
			}
		})
	}
	if got := string(FieldChange("status", "draft", "validated")); got != `{"status":{"before":"draft","after":"validated"}}` {
		t.Fatalf("FieldChange = %s", got)
	}
}

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{
		"TotalNet": "total_net", "VATRate": "vat_rate", "ThirdPartyID": "third_party_id", "ID": "id",
		"URL": "url", "SupplierRef": "supplier_ref", "Address2": "address2", "already_snake": "already_snake",
	} {
		if got := snakeCase(in); got != want {
			t.Errorf("snakeCase(%s) = %s, want %s", in, got, want)
		}
	}
}

// The canonical content does not depend on how a dialect returns decimals
// (10.000000 or 10) nor on what changes after validation.
func TestFiscalDocumentIsCanonical(t *testing.T) {
	doc := func(net string, status DocStatus, paid string) *Document {
		return &Document{
			ID: 7, Type: DocInvoice, Ref: "FA2611-0001", Status: status, ThirdPartyID: 3, Currency: "EUR",
			Date: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC), Note: "n",
			TotalNet: decimal.RequireFromString(net), TotalVAT: decimal.RequireFromString("20"),
			TotalGross: decimal.RequireFromString("120.00"), AmountPaid: decimal.RequireFromString(paid),
			Lines: []Line{{ProductID: 4, Qty: decimal.RequireFromString("2.000000"), UnitPrice: decimal.RequireFromString("50"),
				TotalNet: decimal.RequireFromString("100"), TotalVAT: decimal.RequireFromString("20"), TotalGross: decimal.RequireFromString("120")}},
		}
	}
	a, b := FiscalDocument(doc("100.000000", StatusValidated, "0")), FiscalDocument(doc("100", StatusPaid, "120"))
	if a != b {
		t.Fatalf("same fiscal content, different forms:\n%s\n%s", a, b)
	}
	want := "doligo-fiscal-v1\nkind=document\nid=7\ntype=invoice\nref=FA2611-0001\ndate=2026-11-28\nthirdparty_id=3\n" +
		"supplier_ref=\ncurrency=EUR\ntotal_net=100\ntotal_vat=20\ntotal_gross=120\nline=1;4;2;50;0;0;100;20;120\n"
	if a != want {
		t.Fatalf("FiscalDocument =\n%s\nwant\n%s", a, want)
	}
	if FiscalDocument(doc("100.01", StatusValidated, "0")) == a {
		t.Fatal("a changed total gives the same content")
	}
	if ChainField(a, "ref") != "FA2611-0001" || ChainField(a, "nothing") != "" {
		t.Fatal("ChainField")
	}
	h := ChainHash(ChainGenesis, a)
	if len(h) != 64 || h == ChainHash(ChainGenesis, b+"x") || strings.ToLower(h) != h {
		t.Fatalf("ChainHash %s", h)
	}
}
