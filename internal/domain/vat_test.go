package domain

import (
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestCountries(t *testing.T) {
	for _, c := range []string{"FR", "DE", "GB", "US", "BR", "AQ", "ZW"} {
		if !ValidCountry(c) {
			t.Errorf("%s is a country", c)
		}
	}
	for _, c := range []string{"", "XX", "fr", "FRA", "EL", "UK", "XK", "EU"} {
		if ValidCountry(c) {
			t.Errorf("%q is no ISO 3166-1 alpha-2 code", c)
		}
	}
	if n := len(countrySet); n != 249 {
		t.Errorf("%d countries, want the 249 ISO codes", n)
	}
	if n := len(euSet); n != 27 {
		t.Errorf("%d EU members, want 27", n)
	}
	for c, in := range map[string]bool{"FR": true, "DE": true, "GR": true, "IE": true, "GB": false, "CH": false, "NO": false, "BR": false, "MC": false} {
		if InEU(c) != in {
			t.Errorf("InEU(%s) = %v", c, !in)
		}
	}
}

// Well-known published numbers of each country, and numbers built for each
// format a country checks (persons' codes, second passes), pass, with the
// spaces, dots and dashes people write them with.
func TestVATIDValid(t *testing.T) {
	for _, tc := range []struct{ in, want, country string }{
		{"FR40303265045", "FR40303265045", "FR"},
		{"fr 40 303 265 045", "FR40303265045", "FR"},
		{"DE136695976", "DE136695976", "DE"},
		{"BE 0403.019.261", "BE0403019261", "BE"},
		{"ESA28015865", "ESA28015865", "ES"},     // CIF, control digit
		{"ESQ2826000H", "ESQ2826000H", "ES"},     // CIF of a public body, control letter
		{"ES12345678Z", "ES12345678Z", "ES"},     // DNI
		{"ESX1234567L", "ESX1234567L", "ES"},     // NIE
		{"IT00743110157", "IT00743110157", "IT"}, // Luhn
		{"NL004495445B01", "NL004495445B01", "NL"},
		{"NL000099998B57", "NL000099998B57", "NL"}, // sole trader, 2020 format (mod 97)
		{"PT501964843", "PT501964843", "PT"},
		{"LU15027442", "LU15027442", "LU"},
		{"EL094259216", "EL094259216", "GR"},
		{"IE6388047V", "IE6388047V", "IE"},
		{"IE8Z49289F", "IE8Z49289F", "IE"}, // old form
		{"GB980780684", "GB980780684", "GB"},
		{"GBGD001", "GBGD001", "GB"},
		{"XI980780684", "XI980780684", "GB"},
		{"BG175074752", "BG175074752", "BG"},   // legal entity
		{"BG740681248", "BG740681248", "BG"},   // legal entity, second pass (weights 3…10)
		{"BG7523169263", "BG7523169263", "BG"}, // person (EGN)
		{"BG7111042925", "BG7111042925", "BG"}, // foreigner (PNF)
		{"BG2914177769", "BG2914177769", "BG"}, // other body
		{"CY10259033P", "CY10259033P", "CY"},
		{"CY00532445O", "CY00532445O", "CY"},
		{"CZ25123891", "CZ25123891", "CZ"},     // legal entity
		{"CZ682127228", "CZ682127228", "CZ"},   // individual without a birth number
		{"CZ450101123", "CZ450101123", "CZ"},   // birth number before 1954
		{"CZ7103192745", "CZ7103192745", "CZ"}, // birth number
		{"CZ7153192740", "CZ7153192740", "CZ"}, // a woman's, first 9 digits 10 mod 11
		{"CZ8801251680", "CZ8801251680", "CZ"}, // the same after 1985 (python-stdnum#468)
		{"CZ1380168669", "CZ1380168669", "CZ"}, // a woman's, serials overflowed (month + 70)
		{"LT119511515", "LT119511515", "LT"},
		{"LT158683417", "LT158683417", "LT"},       // second pass
		{"LT100001919017", "LT100001919017", "LT"}, // temporary taxpayer
		{"LT100004801610", "LT100004801610", "LT"},
		{"LV40003521600", "LV40003521600", "LV"},   // legal entity
		{"LV 161175-19997", "LV16117519997", "LV"}, // personal code
		{"LV32317066902", "LV32317066902", "LV"},   // personal code since 2017, no date (python-stdnum#486)
		{"MT11679112", "MT11679112", "MT"},
		{"MT15121333", "MT15121333", "MT"},
	} {
		got := NormalizeVATID(tc.in)
		v := &ValidationError{}
		CheckVATID(v, "vat_id", got, tc.country)
		if got != tc.want || len(v.Fields) > 0 {
			t.Errorf("%q → %q (%v), want %q valid", tc.in, got, v.Fields, tc.want)
		}
		if c := VATIDCountry(got); c != tc.country {
			t.Errorf("VATIDCountry(%s) = %q, want %s", got, c, tc.country)
		}
	}
	// The example of every format is valid (the error messages show them).
	for prefix, f := range vatIDFormats {
		v := &ValidationError{}
		if CheckVATID(v, "vat_id", f.example, ""); len(v.Fields) > 0 || f.example[:2] != prefix {
			t.Errorf("example %s of %s: %v", f.example, prefix, v.Fields)
		}
	}
}

// A changed digit breaks the checksum of every country that has one; a
// wrong shape, prefix or country is named too.
func TestVATIDInvalid(t *testing.T) {
	for _, tc := range []struct{ in, country, msg string }{
		{"FR41303265045", "", "check digits"},
		{"DE136695977", "", "check digits"},
		{"BE0403019262", "", "check digits"},
		{"ESA28015866", "", "check digits"},
		{"ESA2801586E", "", "check digits"}, // an A company takes a digit
		{"ES12345678A", "", "check digits"},
		{"IT00743110158", "", "check digits"},
		{"NL004495446B01", "", "check digits"},
		{"PT501964842", "", "check digits"},
		{"LU15027443", "", "check digits"},
		{"ATU13585628", "", "check digits"},
		{"DK13585627", "", "check digits"},
		{"PL5260250275", "", "check digits"},
		{"SE556188840501", "", "check digits"},
		{"GB980780685", "", "check digits"},
		{"IE6388047W", "", "check digits"},
		{"BG175074753", "", "check digits"},
		{"BG7523169264", "", "check digits"},
		{"CY10259033Q", "", "check digits"},
		{"CY12000139V", "", "check digits"}, // no number starts with 12
		{"CZ25123892", "", "check digits"},
		{"CZ99999999", "", "check digits"}, // no legal entity starts with 9
		{"CZ682127229", "", "check digits"},
		{"CZ451301123", "", "check digits"}, // month 13
		{"CZ540101123", "", "check digits"}, // 9 digits after 1953
		{"CZ7103192746", "", "check digits"},
		{"CZ7113192746", "", "check digits"}, // divisible by 11, but month 13
		{"LT119511516", "", "check digits"},
		{"LT119511522", "", "check digits"}, // the 8th digit of a 9-digit number is 1
		{"LT100004801611", "", "check digits"},
		{"LV40003521601", "", "check digits"},
		{"LV16117519998", "", "check digits"},
		{"LV16137519997", "", "check digits"}, // month 13
		{"LV32317066903", "", "check digits"},
		{"MT11679113", "", "check digits"},
		{"FR4030326504", "", "shaped as a FR VAT number"},
		{"DE13669597", "", "shaped as a DE VAT number"},
		{"NL004495445", "", "shaped as a NL VAT number"},
		{"GR094259216", "", "must start with the prefix"},
		{"US123456789", "", "must start with the prefix"},
		{"F", "", "must start with the prefix"},
		{"DE136695976", "FR", "VAT number of DE, but country is FR"},
		{"EL094259216", "CY", "VAT number of GR, but country is CY"},
	} {
		v := &ValidationError{}
		CheckVATID(v, "vat_id", tc.in, tc.country)
		if len(v.Fields) != 1 || v.Fields[0].Field != "vat_id" || !strings.Contains(v.Fields[0].Message, tc.msg) {
			t.Errorf("%s (country %q): %v, want one vat_id error saying %q", tc.in, tc.country, v.Fields, tc.msg)
		}
	}
}

func TestThirdPartyCountryAndVATID(t *testing.T) {
	tp := ThirdParty{Name: "Müller GmbH", VATID: "de 136 695 976"}
	tp.Normalize()
	if err := tp.Check().OrNil(); err != nil || tp.Country != "DE" || tp.VATID != "DE136695976" {
		t.Fatalf("normalised %+v: %v", tp, err)
	}
	tp = ThirdParty{Name: "Acme", Country: " us ", TaxID: "12-3456789"}
	tp.Normalize()
	if err := tp.Check().OrNil(); err != nil || tp.Country != "US" {
		t.Fatalf("US customer: %q %v", tp.Country, err)
	}
	bad := ThirdParty{Name: "X", Country: "XX", VATID: "FR40303265046"}
	bad.Normalize()
	var fields []string
	for _, f := range bad.Check().Fields {
		fields = append(fields, f.Field)
	}
	if !slices.Equal(fields, []string{"country", "vat_id"}) {
		t.Fatalf("fields %v", fields)
	}
	// A patch moving the country away from the VAT number's is refused.
	ok := ThirdParty{Name: "Müller GmbH", Country: "DE", VATID: "DE136695976"}
	fr := "FR"
	if v := ok.Apply(ThirdPartyPatch{Country: &fr}); len(v.Fields) != 1 || v.Fields[0].Field != "vat_id" {
		t.Fatalf("patch: %v", v.Fields)
	}
}

func TestVATRatesOf(t *testing.T) {
	rates := func(c string) (out []string) {
		rs, known := VATRatesOf(c)
		if !known {
			return nil
		}
		for _, r := range rs {
			out = append(out, r.Rate.String()+" "+string(r.Kind))
		}
		return out
	}
	for c, want := range map[string][]string{
		"FR": {"20 standard", "10 reduced", "5.5 reduced", "2.1 super_reduced", "0 zero"},
		"DE": {"19 standard", "7 reduced", "0 zero"},
		"ES": {"21 standard", "10 reduced", "4 super_reduced", "0 zero"},
		"PT": {"23 standard", "13 reduced", "6 reduced", "0 zero"},
		"IT": {"22 standard", "10 reduced", "5 reduced", "4 super_reduced", "0 zero"},
		"BE": {"21 standard", "12 reduced", "6 reduced", "0 zero"},
		"NL": {"21 standard", "9 reduced", "0 zero"},
		"LU": {"17 standard", "14 reduced", "8 reduced", "3 super_reduced", "0 zero"},
		"IE": {"23 standard", "13.5 reduced", "9 reduced", "4.8 super_reduced", "0 zero"},
		"GB": {"20 standard", "5 reduced", "0 zero"},
		"BR": {"0 zero"},
		"US": {"0 zero"},
		"AQ": nil,
	} {
		if got := rates(c); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", c, got, want)
		}
	}
	for _, c := range VATCountries() {
		rs, known := VATRatesOf(c)
		if !known || rs[len(rs)-1].Kind != VATZero || rs[0].Country != c {
			t.Errorf("%s: %v %v", c, rs, known)
		}
	}
	if us, _ := VATRatesOf("US"); !strings.Contains(us[0].Label, "no national VAT") {
		t.Errorf("US zero rate label %q", us[0].Label)
	}
}

// The decision table of the VAT rule, from a French, a German and a
// Brazilian company.
func TestDecideVATRegime(t *testing.T) {
	tp := func(country, vatID string) *ThirdParty { return &ThirdParty{Country: country, VATID: vatID} }
	for _, tc := range []struct {
		name, company string
		customer      *ThirdParty
		want          VATRegime
	}{
		{"same country, business", "FR", tp("FR", "FR40303265045"), VATDomestic},
		{"same country, consumer", "FR", tp("FR", ""), VATDomestic},
		{"EU business in another state", "FR", tp("DE", "DE136695976"), VATReverseCharge},
		{"EU consumer in another state", "FR", tp("DE", ""), VATDomestic},
		{"outside the EU, business", "FR", tp("US", ""), VATExport},
		{"outside the EU, UK business", "FR", tp("GB", "GB980780684"), VATExport},
		{"Switzerland", "DE", tp("CH", ""), VATExport},
		{"German company to a Belgian business", "DE", tp("BE", "BE0403019261"), VATReverseCharge},
		{"customer country unknown", "FR", tp("", ""), VATDomestic},
		{"company country unknown", "", tp("DE", "DE136695976"), VATDomestic},
		{"company outside the EU", "BR", tp("PT", "PT501964843"), VATDomestic},
		{"no customer", "FR", nil, VATDomestic},
	} {
		if got := DecideVATRegime(tc.company, tc.customer); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	if VATDomestic.MentionKey() != "" || VATDomestic.VATMention() != "" {
		t.Error("domestic sales carry no mention")
	}
	if VATReverseCharge.MentionKey() != "vat_mention.intra_eu_reverse_charge" || !strings.Contains(VATReverseCharge.VATMention(), "art. 196") {
		t.Error("reverse charge mention")
	}
	if VATExport.MentionKey() != "vat_mention.export" || !strings.Contains(VATExport.VATMention(), "art. 146") {
		t.Error("export mention")
	}
}

// A zero-rated regime zeroes every line and the totals follow; leaving it
// restores the products' rates on product lines only.
func TestSetVATRegimeAndRestore(t *testing.T) {
	dec := decimal.RequireFromString
	rate := func(s string) *decimal.Decimal { d := dec(s); return &d }
	d, err := NewDraft(DocInvoice, DraftInput{ThirdPartyID: 1, Lines: []LineInput{
		{ProductID: 7, Qty: dec("2"), UnitPrice: rate("100"), VATRate: rate("20")},
		{Description: "Shipping", Qty: dec("1"), UnitPrice: rate("10"), VATRate: rate("5.5")},
	}}, day, "EUR", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !d.TotalVAT.Equal(dec("40.55")) {
		t.Fatalf("VAT %s", d.TotalVAT)
	}
	if !d.SetVATRegime(VATReverseCharge) || !d.TotalVAT.IsZero() || !d.TotalGross.Equal(dec("210")) || d.VATRegime != VATReverseCharge {
		t.Fatalf("reverse charge: VAT %s gross %s", d.TotalVAT, d.TotalGross)
	}
	if d.SetVATRegime(VATExport) {
		t.Fatal("already at 0 %: nothing changes")
	}
	if d.SetVATRegime(VATDomestic) || d.VATRegime != VATDomestic {
		t.Fatal("domestic changes no line by itself")
	}
	v := &ValidationError{}
	if !d.RestoreRates(map[int64]decimal.Decimal{7: dec("20")}, v) || v.OrNil() != nil {
		t.Fatal("product line restored")
	}
	if !d.Lines[0].VATRate.Equal(dec("20")) || !d.Lines[1].VATRate.IsZero() || !d.TotalVAT.Equal(dec("40")) {
		t.Fatalf("rates %s %s, VAT %s", d.Lines[0].VATRate, d.Lines[1].VATRate, d.TotalVAT)
	}
}
