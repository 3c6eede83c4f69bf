package domain

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// The FEC (fichier des écritures comptables, article A47 A-1 of the French
// Livre des procédures fiscales): one file per fiscal year, a header row of
// the 18 columns below, then one row per entry, tab-separated; dates as
// YYYYMMDD, amounts with a comma as the decimal separator and no thousands
// separator.

// FECColumns are the FEC's columns, in order.
var FECColumns = []string{
	"JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum", "CompAuxLib",
	"PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise",
}

// fecText keeps a text field on its row: tabs and line breaks become spaces.
var fecText = strings.NewReplacer("\t", " ", "\r", " ", "\n", " ")

// FECDate writes a date as the FEC does.
func FECDate(t time.Time) string { return t.UTC().Format("20060102") }

// FECAmount writes an amount as the FEC does: "1234,50".
func FECAmount(d decimal.Decimal) string { return fecAmount(d, 2) }

// fecAmount writes an amount with places decimals and a decimal comma.
func fecAmount(d decimal.Decimal, places int32) string {
	return strings.Replace(d.StringFixed(places), ".", ",", 1)
}

// FECRecord is the row of the entry in the FEC. The auxiliary account (the
// third party's) is filled on third-party lines only; the foreign-currency
// columns (Montantdevise, unsigned with a decimal comma, and Idevise) on
// entries from another currency only; lettering stays empty.
func (r FECRow) FECRecord() []string {
	aux, auxLabel := "", ""
	if r.ThirdPartyID != 0 {
		aux, auxLabel = r.AuxCode, r.AuxLabel
	}
	amountCurrency := ""
	if r.Foreign() {
		// At least two decimals, more for a currency that has them (KWD).
		amountCurrency = fecAmount(r.AmountCurrency, max(2, CurrencyPrecision(r.Currency)))
	}
	return []string{
		r.Journal.Code(), r.Journal.Label(), r.Num, FECDate(r.Date), r.Account, fecText.Replace(r.AccountLabel),
		fecText.Replace(aux), fecText.Replace(auxLabel), fecText.Replace(r.DocumentRef), FECDate(r.DocumentDate),
		fecText.Replace(r.Label), FECAmount(r.Debit), FECAmount(r.Credit), "", "", FECDate(r.BookedAt), amountCurrency, r.Currency,
	}
}

// CheckFiscalYear refuses an export range over two fiscal years (calendar
// years): the FEC is one file per fiscal year.
func CheckFiscalYear(v *ValidationError, from, to time.Time) {
	if from.Year() != to.Year() {
		v.Add("to", "must be in the fiscal year of from (%d): the FEC is one file per fiscal year", from.Year())
	}
}
