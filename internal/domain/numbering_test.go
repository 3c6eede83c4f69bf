package domain

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestNumberMasks(t *testing.T) {
	at := time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		mask   string
		n      int64
		want   string
		reset  Reset
		period string
	}{
		{"FA{yy}{mm}-{0000}", 7, "FA2603-0007", ResetMonthly, "2026-03"},
		{"INV/{yyyy}/{000000}", 123, "INV/2026/000123", ResetYearly, "2026"},
		{"Q{yy}-{00}", 1234, "Q26-1234", ResetYearly, "2026"}, // outgrows its width, never wraps
		{"C{0}", 5, "C5", ResetNever, ""},
		{"{yyyy}{mm}{0000}", 1, "2026030001", ResetMonthly, "2026-03"},
	}
	for _, tc := range cases {
		m, err := ParseNumberMask(tc.mask)
		if err != nil {
			t.Fatalf("%s: %v", tc.mask, err)
		}
		if got := m.Format(at, tc.n); got != tc.want {
			t.Errorf("%s with %d: %q, want %q", tc.mask, tc.n, got, tc.want)
		}
		if m.Reset() != tc.reset || m.Period(at) != tc.period {
			t.Errorf("%s: reset %s period %q, want %s %q", tc.mask, m.Reset(), m.Period(at), tc.reset, tc.period)
		}
	}
	for _, bad := range []string{
		"", "FA", "FA{0000}{00}", "FA{mm}-{0000}", "FA{yy", "FA{dd}{0000}", "FA {0000}", "FA{}{0000}",
		"F%{0000}", "A234567890123456789012345678901234567890{0}",
	} {
		if _, err := ParseNumberMask(bad); err == nil {
			t.Errorf("mask %q accepted", bad)
		}
	}
}

func TestCurrencyPrecision(t *testing.T) {
	for code, want := range map[string]int32{"EUR": 2, "USD": 2, "BRL": 2, "JPY": 0, "KWD": 3, "XYZ": 2} {
		if got := CurrencyPrecision(code); got != want {
			t.Errorf("%s: %d, want %d", code, got, want)
		}
	}
	// Shaped like a code is not enough: XYZ is no currency, XAU (gold) and
	// XXX ("no currency") have no minor unit and are no invoicing currency.
	for code, want := range map[string]bool{"EUR": true, "eur": false, "EURO": false, "E1R": false, "": false,
		"XYZ": false, "XAU": false, "XXX": false, "CLF": true, "XCG": true, "ZWG": true} {
		if ValidCurrency(code) != want {
			t.Errorf("ValidCurrency(%q) = %v", code, !want)
		}
	}
}

func TestThirdPartyCheck(t *testing.T) {
	tp := ThirdParty{Name: "  ACME  ", Locale: "pt-BR", Email: "billing@acme.test"}
	tp.Normalize()
	if err := tp.Check().OrNil(); err != nil || tp.Name != "ACME" {
		t.Fatalf("valid third party refused: %v", err)
	}
	bad := ThirdParty{Code: "has space", Locale: "portuguese", Email: "Ann <a@b.c>"}
	v := bad.Check()
	fields := map[string]bool{}
	for _, f := range v.Fields {
		fields[f.Field] = true
	}
	for _, want := range []string{"name", "code", "locale", "email"} {
		if !fields[want] {
			t.Errorf("no error for %s: %v", want, v.Fields)
		}
	}
	empty := ""
	if v := tp.Apply(ThirdPartyPatch{Code: &empty}); v.OrNil() == nil {
		t.Fatal("a code can be cleared")
	}
	c := Contact{FirstName: " "}
	c.Normalize()
	if c.Check().OrNil() == nil {
		t.Fatal("a contact without a name is accepted")
	}
}

// Layout is Format split around the counter, so that a database can format
// the number it hands out: prefix, the counter padded to width (longer when
// it outgrows it), suffix — for every kind of mask.
func TestNumberMaskLayoutIsFormat(t *testing.T) {
	at := time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		mask, prefix, suffix string
		width                int
	}{
		{"RC{yy}{mm}-{0000}", "RC2603-", "", 4},
		{"{0}", "", "", 1},
		{"{000}/{yyyy}", "", "/2026", 3},
		{"A{yyyy}.{00000}-{mm}B", "A2026.", "-03B", 5},
	} {
		m := MustNumberMask(c.mask)
		prefix, width, suffix := m.Layout(at)
		if prefix != c.prefix || width != c.width || suffix != c.suffix {
			t.Errorf("%s: layout %q %d %q; want %q %d %q", c.mask, prefix, width, suffix, c.prefix, c.width, c.suffix)
		}
		for _, n := range []int64{1, 42, 99999, 1234567} {
			c := strconv.FormatInt(n, 10)
			if len(c) < width {
				c = strings.Repeat("0", width-len(c)) + c
			}
			if got, want := prefix+c+suffix, m.Format(at, n); got != want {
				t.Errorf("%s, %d: layout gives %q; Format %q", m, n, got, want)
			}
		}
	}
}
