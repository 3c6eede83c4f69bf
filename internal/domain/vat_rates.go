package domain

import "github.com/shopspring/decimal"

// VATRateKind says which of a country's rates a VAT rate is.
type VATRateKind string

// The kinds of VAT rate, as the European Commission's table of rates names
// them: the standard rate, reduced rates (at least 5 %), super-reduced rates
// (below 5 %) and the zero rate (exempt supplies, exports, intra-EU supplies
// under reverse charge).
const (
	VATStandard     VATRateKind = "standard"
	VATReduced      VATRateKind = "reduced"
	VATSuperReduced VATRateKind = "super_reduced"
	VATZero         VATRateKind = "zero"
)

// VATRate is one VAT rate of a country.
type VATRate struct {
	Country string
	Rate    decimal.Decimal // percent
	Kind    VATRateKind
	Label   string // what it applies to, in English; may be ""
}

// vatRateRow is a row of the table below, in its own short form.
type vatRateRow struct {
	rate  string
	kind  VATRateKind
	label string
}

// vatRates are the VAT rates of the countries we know, highest first, as in
// force in 2026, each list ending with the zero rate. Brazil and the United
// States have no national VAT (Brazil's ICMS/IPI/PIS/COFINS and the US
// states' sales taxes depend on the state, the product and the buyer, and
// are not modelled): they list only the zero rate, with a note.
var vatRates = map[string][]vatRateRow{
	"FR": {{"20", VATStandard, ""}, {"10", VATReduced, "restaurants, transport, renovation work"}, {"5.5", VATReduced, "food, books, energy"}, {"2.1", VATSuperReduced, "reimbursed medicines, press"}},
	"DE": {{"19", VATStandard, ""}, {"7", VATReduced, "food, books, public transport"}},
	"ES": {{"21", VATStandard, ""}, {"10", VATReduced, "food, hospitality, transport"}, {"4", VATSuperReduced, "basic food, books, medicines"}},
	"PT": {{"23", VATStandard, "mainland"}, {"13", VATReduced, "intermediate rate, mainland"}, {"6", VATReduced, "mainland"}},
	"IT": {{"22", VATStandard, ""}, {"10", VATReduced, ""}, {"5", VATReduced, ""}, {"4", VATSuperReduced, "basic food, books"}},
	"BE": {{"21", VATStandard, ""}, {"12", VATReduced, "restaurants, social housing"}, {"6", VATReduced, "food, books, medicines"}},
	"NL": {{"21", VATStandard, ""}, {"9", VATReduced, "food, books, medicines"}},
	"LU": {{"17", VATStandard, ""}, {"14", VATReduced, "parking rate: some wines, fuels"}, {"8", VATReduced, ""}, {"3", VATSuperReduced, "food, books, medicines"}},
	"IE": {{"23", VATStandard, ""}, {"13.5", VATReduced, "energy, construction"}, {"9", VATReduced, "newspapers, sport facilities"}, {"4.8", VATSuperReduced, "livestock"}},
	"GB": {{"20", VATStandard, ""}, {"5", VATReduced, "domestic energy, children's car seats"}},
	"BR": {},
	"US": {},
}

// noNationalVAT labels the zero rate of the countries without a national VAT.
const noNationalVAT = "no national VAT: state and municipal sales taxes are not modelled"

// VATRatesOf lists the VAT rates of country, highest first, the zero rate
// last; known is false for a country without a table (the list is then
// empty).
func VATRatesOf(country string) (rates []VATRate, known bool) {
	rows, known := vatRates[country]
	if !known {
		return nil, false
	}
	for _, r := range rows {
		rates = append(rates, VATRate{Country: country, Rate: decimal.RequireFromString(r.rate), Kind: r.kind, Label: r.label})
	}
	zero := VATRate{Country: country, Rate: decimal.Zero, Kind: VATZero, Label: "exempt and zero-rated supplies, exports"}
	switch {
	case len(rows) == 0:
		zero.Label = noNationalVAT
	case InEU(country):
		zero.Label = "exempt supplies, exports, intra-EU supplies under reverse charge"
	}
	return append(rates, zero), true
}

// VATCountries lists the countries VATRatesOf knows, in alphabetical order.
func VATCountries() []string {
	return []string{"BE", "BR", "DE", "ES", "FR", "GB", "IE", "IT", "LU", "NL", "PT", "US"}
}
