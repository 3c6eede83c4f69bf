package domain

import "strings"

// isoCountries is every officially assigned ISO 3166-1 alpha-2 code, in
// alphabetical order (249 codes, as the ISO 3166 Maintenance Agency lists
// them; XK and other user-assigned codes are not among them).
const isoCountries = "" +
	"AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ " +
	"BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ " +
	"DE DJ DK DM DO DZ " +
	"EC EE EG EH ER ES ET " +
	"FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY " +
	"HK HM HN HR HT HU " +
	"ID IE IL IM IN IO IQ IR IS IT " +
	"JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ " +
	"LA LB LC LI LK LR LS LT LU LV LY " +
	"MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ " +
	"NA NC NE NF NG NI NL NO NP NR NU NZ " +
	"OM " +
	"PA PE PF PG PH PK PL PM PN PR PS PT PW PY " +
	"QA " +
	"RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ " +
	"TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ " +
	"UA UG UM US UY UZ " +
	"VA VC VE VG VI VN VU " +
	"WF WS " +
	"YE YT " +
	"ZA ZM ZW"

// euMembers are the 27 member states of the European Union (ISO codes;
// Greece is GR here, EL in VAT numbers).
const euMembers = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"

var (
	countrySet = wordSet(isoCountries)
	euSet      = wordSet(euMembers)
)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// ValidCountry reports whether code is an assigned ISO 3166-1 alpha-2 code,
// in upper case ("FR", not "fr" nor "FRA").
func ValidCountry(code string) bool { return countrySet[code] }

// InEU reports whether the country (ISO 3166-1 alpha-2) is a member state of
// the European Union, whose sales between businesses follow the intra-EU
// VAT rules (vat_regime.go).
func InEU(country string) bool { return euSet[country] }

// checkCountry adds a field error when code is set and not an ISO 3166-1
// alpha-2 code.
func checkCountry(v *ValidationError, field, code string) {
	if code != "" && !ValidCountry(code) {
		v.Add(field, "must be an ISO 3166-1 alpha-2 country code, such as FR or DE")
	}
}
