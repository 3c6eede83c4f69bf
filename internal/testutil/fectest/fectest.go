// Package fectest checks a FEC file (the French fichier des écritures
// comptables, docs/accounting.md) against the rules of the administration,
// for the tests of the API and of the accounting use cases.
package fectest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

var (
	fecDate     = regexp.MustCompile(`^\d{8}$`)
	fecAmount   = regexp.MustCompile(`^\d+,\d{2}$`)
	fecForeign  = regexp.MustCompile(`^\d+,\d{2,}$`) // a currency may have more decimals (KWD)
	fecCurrency = regexp.MustCompile(`^[A-Z]{3}$`)
	header      = "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise"
)

// Result is what Check counted: the entry rows, and those in a foreign
// currency (Montantdevise and Idevise filled).
type Result struct {
	Rows, Foreign int
}

// Check checks the file against the FEC's rules: the header, 18 fields a
// row, dates as YYYYMMDD within the year, amounts with a decimal comma, one
// side of each line non-zero, the auxiliary account on third-party lines
// only, Montantdevise and Idevise both filled (an unsigned non-zero amount
// with a decimal comma, and an ISO 4217 code other than company, the
// company currency) or both empty, lettering empty, each entry number
// balanced.
func Check(t testing.TB, body string, year int, company string) Result {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	if lines[0] != strings.Join(domain.FECColumns, "\t") || len(domain.FECColumns) != 18 || lines[0] != header {
		t.Fatalf("FEC header %q", lines[0])
	}
	var res Result
	balance := map[string]decimal.Decimal{}
	for i, l := range lines[1:] {
		f := strings.Split(l, "\t")
		if len(f) != 18 {
			t.Fatalf("row %d has %d fields: %q", i+1, len(f), l)
		}
		if !slices.Contains([]string{"VT", "HA", "BQ", "OD"}, f[0]) || f[1] == "" || f[2] == "" || !strings.HasPrefix(f[2], f[0]) {
			t.Fatalf("row %d journal/number: %q", i+1, l)
		}
		for _, c := range []int{3, 9, 15} {
			if !fecDate.MatchString(f[c]) || f[c][:4] != fmt.Sprint(year) && c == 3 {
				t.Fatalf("row %d column %s: %q", i+1, domain.FECColumns[c], f[c])
			}
		}
		if f[4] == "" || f[5] == "" || f[8] == "" || f[10] == "" {
			t.Fatalf("row %d: account, its label, piece and label are required: %q", i+1, l)
		}
		if third := f[4] == "411" || f[4] == "401"; third != (f[6] != "" && f[7] != "") {
			t.Fatalf("row %d: auxiliary account %q on account %s", i+1, f[6], f[4])
		}
		if !fecAmount.MatchString(f[11]) || !fecAmount.MatchString(f[12]) {
			t.Fatalf("row %d amounts %q %q", i+1, f[11], f[12])
		}
		d := amount(f[11])
		c := amount(f[12])
		if d.IsZero() == c.IsZero() {
			t.Fatalf("row %d: one of debit and credit must be non-zero: %q", i+1, l)
		}
		if f[13] != "" || f[14] != "" {
			t.Fatalf("row %d: lettering columns are empty: %q", i+1, l)
		}
		switch {
		case f[16] == "" && f[17] == "": // in the company currency
		case !fecForeign.MatchString(f[16]) || amount(f[16]).IsZero() || !fecCurrency.MatchString(f[17]) || f[17] == company:
			t.Fatalf("row %d: Montantdevise %q and Idevise %q must be an unsigned amount with a decimal comma and a foreign currency, or both empty: %q",
				i+1, f[16], f[17], l)
		default:
			res.Foreign++
		}
		balance[f[2]] = balance[f[2]].Add(d).Sub(c)
	}
	for num, b := range balance {
		if !b.IsZero() {
			t.Fatalf("entry %s does not balance: %s", num, b)
		}
	}
	res.Rows = len(lines) - 1
	return res
}

func amount(s string) decimal.Decimal {
	return decimal.RequireFromString(strings.Replace(s, ",", ".", 1))
}
