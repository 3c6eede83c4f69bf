package domain

import (
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// A VAT identification number (vat_id) is the number under which a
// business is registered for VAT in a member state of the European Union
// (or in the United Kingdom): a two-letter prefix — the ISO country code,
// but EL for Greece and XI for Northern Ireland — then the national part,
// whose shape and, where the algorithm is public, check digits are
// verified here. The national numbers of other countries (a Brazilian CNPJ,
// a US EIN) go in tax_id.

// vatIDFormat is the rule of one prefix: the national part's pattern and,
// when one is public, its checksum.
type vatIDFormat struct {
	country string         // ISO 3166-1 alpha-2 country of the prefix
	pattern *regexp.Regexp // the national part, anchored
	example string         // a valid number, shown in error messages
	check   func(n string) bool
}

var vatIDFormats = map[string]vatIDFormat{
	"AT": {"AT", regexp.MustCompile(`^U[0-9]{8}$`), "ATU13585627", checkAT},
	"BE": {"BE", regexp.MustCompile(`^[01][0-9]{9}$`), "BE0403019261", checkBE},
	"BG": {"BG", regexp.MustCompile(`^[0-9]{9,10}$`), "BG175074752", checkBG},
	"CY": {"CY", regexp.MustCompile(`^[0-59][0-9]{7}[A-Z]$`), "CY10259033P", checkCY},
	"CZ": {"CZ", regexp.MustCompile(`^[0-9]{8,10}$`), "CZ25123891", checkCZ},
	"DE": {"DE", regexp.MustCompile(`^[0-9]{9}$`), "DE136695976", checkMod1110},
	"DK": {"DK", regexp.MustCompile(`^[0-9]{8}$`), "DK13585628", checkDK},
	"EE": {"EE", regexp.MustCompile(`^10[0-9]{7}$`), "EE100931558", checkEE},
	"EL": {"GR", regexp.MustCompile(`^[0-9]{9}$`), "EL094259216", checkEL},
	"ES": {"ES", regexp.MustCompile(`^[0-9A-Z][0-9]{7}[0-9A-Z]$`), "ESA28015865", checkES},
	"FI": {"FI", regexp.MustCompile(`^[0-9]{8}$`), "FI20774740", checkFI},
	"FR": {"FR", regexp.MustCompile(`^[0-9A-HJ-NP-Z]{2}[0-9]{9}$`), "FR40303265045", checkFR},
	"HR": {"HR", regexp.MustCompile(`^[0-9]{11}$`), "HR33392005961", checkMod1110},
	"HU": {"HU", regexp.MustCompile(`^[0-9]{8}$`), "HU12892312", checkHU},
	"IE": {"IE", regexp.MustCompile(`^([0-9]{7}[A-W][A-IW]?|[0-9][A-Z+*][0-9]{5}[A-W])$`), "IE6388047V", checkIE},
	"IT": {"IT", regexp.MustCompile(`^[0-9]{11}$`), "IT00743110157", checkLuhn},
	"LT": {"LT", regexp.MustCompile(`^([0-9]{9}|[0-9]{12})$`), "LT119511515", checkLT},
	"LU": {"LU", regexp.MustCompile(`^[0-9]{8}$`), "LU15027442", checkLU},
	"LV": {"LV", regexp.MustCompile(`^[0-9]{11}$`), "LV40003521600", checkLV},
	"MT": {"MT", regexp.MustCompile(`^[1-9][0-9]{7}$`), "MT11679112", checkMT},
	"NL": {"NL", regexp.MustCompile(`^[0-9]{9}B[0-9]{2}$`), "NL004495445B01", checkNL},
	"PL": {"PL", regexp.MustCompile(`^[0-9]{10}$`), "PL5260250274", checkPL},
	"PT": {"PT", regexp.MustCompile(`^[1-9][0-9]{8}$`), "PT501964843", checkPT},
	"RO": {"RO", regexp.MustCompile(`^[1-9][0-9]{1,9}$`), "RO18547290", checkRO},
	"SE": {"SE", regexp.MustCompile(`^[0-9]{10}01$`), "SE556188840401", checkSE},
	"SI": {"SI", regexp.MustCompile(`^[1-9][0-9]{7}$`), "SI50223054", checkSI},
	"SK": {"SK", regexp.MustCompile(`^[1-9][0-9]{9}$`), "SK2022749619", checkSK},
	"GB": {"GB", regexp.MustCompile(`^([0-9]{9}|[0-9]{12}|GD[0-4][0-9]{2}|HA[5-9][0-9]{2})$`), "GB980780684", checkGB},
	"XI": {"GB", regexp.MustCompile(`^([0-9]{9}|[0-9]{12}|GD[0-4][0-9]{2}|HA[5-9][0-9]{2})$`), "XI980780684", checkGB},
}

// NormalizeVATID writes a VAT number compact and in upper case, the way it
// is checked, stored and printed: "fr 40 303.265-045" → "FR40303265045".
func NormalizeVATID(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch r {
		case ' ', '.', '-', '\t', '\u00a0':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// VATIDCountry is the ISO country of a VAT number's prefix (GR for EL, GB
// for XI), or "" when the prefix is not one of a VAT number.
func VATIDCountry(vatID string) string {
	if len(vatID) < 2 {
		return ""
	}
	return vatIDFormats[vatID[:2]].country
}

// CheckVATID adds a field error when vatID (normalized, non-empty) is not a
// well-formed VAT number with valid check digits, or when its prefix is not
// country's (when country is set).
func CheckVATID(v *ValidationError, field, vatID, country string) {
	if vatID == "" {
		return
	}
	if len(vatID) > MaxTaxIDLen {
		v.Add(field, "must be at most %d characters", MaxTaxIDLen)
		return
	}
	f, ok := vatIDFormats[vatID[:min(2, len(vatID))]]
	if !ok {
		v.Add(field, "must start with the prefix of an EU member state (AT … SK, EL for Greece) or GB/XI, such as FR40303265045; other tax numbers go in tax_id")
		return
	}
	national := vatID[2:]
	switch {
	case !f.pattern.MatchString(national):
		v.Add(field, "is not shaped as a %s VAT number, such as %s", vatID[:2], f.example)
	case f.check != nil && !f.check(national):
		v.Add(field, "has wrong check digits for a %s VAT number", vatID[:2])
	case country != "" && country != f.country:
		v.Add(field, "is a VAT number of %s, but country is %s", f.country, country)
	}
}

// digitsOf returns the decimal digits of s (all digits, checked by the pattern).
func digitsOf(s string) []int {
	d := make([]int, len(s))
	for i, r := range s {
		d[i] = int(r - '0')
	}
	return d
}

// weighted is Σ digits[i] × weights[i] over the weights.
func weighted(digits []int, weights ...int) int {
	sum := 0
	for i, w := range weights {
		sum += digits[i] * w
	}
	return sum
}

// checkAT: U + 7 digits + check; Luhn-like sum of the 7 digits, + 4.
func checkAT(n string) bool {
	d := digitsOf(n[1:])
	sum := 0
	for i := 0; i < 7; i++ {
		x := d[i]
		if i%2 == 1 {
			x = x*2/10 + x*2%10
		}
		sum += x
	}
	return (10-(sum+4)%10)%10 == d[7]
}

// checkBE: the first 8 digits plus the last 2 make 97 (97 − n mod 97).
func checkBE(n string) bool {
	base, _ := strconv.Atoi(n[:8])
	check, _ := strconv.Atoi(n[8:])
	return 97-base%97 == check
}

// checkMod1110 is ISO 7064 MOD 11,10 (DE, HR): the last digit checks the others.
func checkMod1110(n string) bool {
	d := digitsOf(n)
	product := 10
	for _, x := range d[:len(d)-1] {
		sum := (x + product) % 10
		if sum == 0 {
			sum = 10
		}
		product = 2 * sum % 11
	}
	check := 11 - product
	if check == 10 {
		check = 0
	}
	return check == d[len(d)-1]
}

func checkDK(n string) bool { return weighted(digitsOf(n), 2, 7, 6, 5, 4, 3, 2, 1)%11 == 0 }

func checkEE(n string) bool {
	d := digitsOf(n)
	return (10-weighted(d, 3, 7, 1, 3, 7, 1, 3, 7)%10)%10 == d[8]
}

func checkEL(n string) bool {
	d := digitsOf(n)
	return weighted(d, 256, 128, 64, 32, 16, 8, 4, 2)%11%10 == d[8]
}

func checkFI(n string) bool {
	d := digitsOf(n)
	check := 11 - weighted(d, 7, 9, 10, 5, 8, 4, 2)%11
	if check == 11 {
		check = 0
	}
	return check == d[7]
}

// checkFR: the numeric key is (12 + 3 × (SIREN mod 97)) mod 97. Keys with
// letters (older numbers of some companies) follow an unpublished rule and
// are checked for shape only.
func checkFR(n string) bool {
	key, err := strconv.Atoi(n[:2])
	if err != nil {
		return true
	}
	siren, _ := strconv.Atoi(n[2:])
	return (12+3*(siren%97))%97 == key
}

func checkHU(n string) bool {
	d := digitsOf(n)
	return (10-weighted(d, 9, 7, 3, 1, 9, 7, 3)%10)%10 == d[7]
}

// checkIE: weights 8…2 on 7 digits (plus 9 × the second letter's value,
// A=1 … I=9, W=0), mod 23 as a letter (W=0, A=1 …). The old form
// (digit, letter or +*, 5 digits, letter) is moved to the new one first.
func checkIE(n string) bool {
	if n[1] < '0' || n[1] > '9' {
		n = "0" + n[2:7] + n[:1] + n[7:]
	}
	sum := weighted(digitsOf(n[:7]), 8, 7, 6, 5, 4, 3, 2)
	if len(n) == 9 && n[8] != 'W' {
		sum += 9 * int(n[8]-'A'+1)
	}
	return "WABCDEFGHIJKLMNOPQRSTUV"[sum%23] == n[7]
}

// checkLuhn is the Luhn algorithm (IT, and SE's first ten digits).
func checkLuhn(n string) bool {
	d := digitsOf(n)
	sum := 0
	for i := len(d) - 1; i >= 0; i-- {
		x := d[i]
		if (len(d)-1-i)%2 == 1 {
			x *= 2
			if x > 9 {
				x -= 9
			}
		}
		sum += x
	}
	return sum%10 == 0
}

// checkLU: the first 6 digits mod 89 are the last 2.
func checkLU(n string) bool {
	base, _ := strconv.Atoi(n[:6])
	check, _ := strconv.Atoi(n[6:])
	return base%89 == check
}

// checkNL: a company's number (RSIN) is checked mod 11 (weights 9…2 on the
// first 8 digits); the numbers of sole traders since 2020 are checked mod 97
// over the whole "NL…B…" text, letters as numbers (A=10 … Z=35), which must
// leave 1. Either passes.
func checkNL(n string) bool {
	d := digitsOf(n[:9])
	if r := weighted(d, 9, 8, 7, 6, 5, 4, 3, 2) % 11; r != 10 && r == d[8] {
		return true
	}
	var s strings.Builder
	for _, r := range "NL" + n {
		if r >= 'A' && r <= 'Z' {
			s.WriteString(strconv.Itoa(int(r-'A') + 10))
		} else {
			s.WriteRune(r)
		}
	}
	x, _ := new(big.Int).SetString(s.String(), 10)
	return new(big.Int).Mod(x, big.NewInt(97)).Int64() == 1
}

func checkPL(n string) bool {
	d := digitsOf(n)
	r := weighted(d, 6, 5, 7, 2, 3, 4, 5, 6, 7) % 11
	return r != 10 && r == d[9]
}

// checkPT: weights 9…2, check 11 − sum mod 11 (0 when that is 10 or 11).
func checkPT(n string) bool {
	d := digitsOf(n)
	check := 11 - weighted(d, 9, 8, 7, 6, 5, 4, 3, 2)%11
	if check >= 10 {
		check = 0
	}
	return check == d[8]
}

// checkRO: weights 7,5,3,2,1,7,5,3,2 aligned on the right of the number
// without its check digit; check = sum × 10 mod 11 mod 10.
func checkRO(n string) bool {
	n = strings.Repeat("0", 10-len(n)) + n
	d := digitsOf(n)
	return weighted(d, 7, 5, 3, 2, 1, 7, 5, 3, 2)*10%11%10 == d[9]
}

func checkSE(n string) bool { return checkLuhn(n[:10]) }

func checkSI(n string) bool {
	d := digitsOf(n)
	check := 11 - weighted(d, 8, 7, 6, 5, 4, 3, 2)%11
	if check == 10 {
		check = 0
	}
	return check != 11 && check == d[7]
}

func checkSK(n string) bool {
	x, _ := strconv.ParseInt(n, 10, 64)
	return x%11 == 0
}

// checkGB: weights 8…2 on the first 7 digits plus the next 2 as a number,
// which is 0 mod 97 (older numbers) or 42 mod 97 (the "9755" series: sum +
// 55 ≡ 0). Government departments (GD) and health authorities (HA) have no
// check digits.
func checkGB(n string) bool {
	if n[0] == 'G' || n[0] == 'H' {
		return true
	}
	d := digitsOf(n[:9])
	sum := weighted(d, 8, 7, 6, 5, 4, 3, 2) + d[7]*10 + d[8]
	return sum%97 == 0 || (sum+55)%97 == 0
}

// checkES: a person's NIF (DNI: 8 digits; NIE: X, Y or Z for 0, 1, 2, then
// 7 digits; K, L, M: 7 digits) ends with the letter of its number mod 23; a
// legal entity's CIF (a letter of its kind, 7 digits) ends with a control
// digit or letter from a Luhn-like sum of the 7 digits.
func checkES(n string) bool {
	const nifLetters = "TRWAGMYFPDXBNJZSQVHLCKE"
	first, last := n[0], n[8]
	body := n[1:8]
	switch {
	case first >= '0' && first <= '9':
		num, _ := strconv.Atoi(n[:8])
		return nifLetters[num%23] == last
	case first == 'X' || first == 'Y' || first == 'Z':
		num, _ := strconv.Atoi(string('0'+first-'X') + body)
		return nifLetters[num%23] == last
	case first == 'K' || first == 'L' || first == 'M':
		num, _ := strconv.Atoi(body)
		return nifLetters[num%23] == last
	case !strings.ContainsRune("ABCDEFGHJNPQRSUVW", rune(first)):
		return false
	}
	d := digitsOf(body)
	sum := d[1] + d[3] + d[5]
	for _, i := range []int{0, 2, 4, 6} {
		x := 2 * d[i]
		sum += x/10 + x%10
	}
	control := (10 - sum%10) % 10
	digit, letter := byte('0'+control), "JABCDEFGHI"[control]
	switch {
	case strings.ContainsRune("ABEH", rune(first)):
		return last == digit
	case strings.ContainsRune("KPQSNW", rune(first)):
		return last == letter
	}
	return last == digit || last == letter
}
