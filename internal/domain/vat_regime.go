package domain

import "github.com/shopspring/decimal"

// VATRegime is how VAT applies to a sale, decided from where the company and
// its customer are (DecideVATRegime).
type VATRegime string

const (
	// VATDomestic: the lines keep their rates (sales in the company's
	// country, to consumers in other EU states, and whatever the rule does
	// not decide).
	VATDomestic VATRegime = "domestic"
	// VATReverseCharge: a sale from an EU company to a business registered
	// for VAT (vat_id) in another member state; the customer accounts for
	// the VAT (art. 196 Directive 2006/112/EC): every line at 0 %.
	VATReverseCharge VATRegime = "intra_eu_reverse_charge"
	// VATExport: a sale from an EU company to a customer outside the EU
	// (art. 146 Directive 2006/112/EC): every line at 0 %.
	VATExport VATRegime = "export"
)

// VATRegimes lists the regimes.
func VATRegimes() []VATRegime { return []VATRegime{VATDomestic, VATReverseCharge, VATExport} }

// DecideVATRegime is the VAT rule of a sale by a company established in
// companyCountry to the customer:
//
//	company    customer                                 regime
//	not EU     any                                      domestic (the rule is the EU's)
//	EU         no country, or the company's country     domestic
//	EU         other EU state, with a vat_id            intra_eu_reverse_charge
//	EU         other EU state, no vat_id (a consumer)   domestic
//	EU         outside the EU                           export
//
// A company without a country decides nothing: domestic.
func DecideVATRegime(companyCountry string, customer *ThirdParty) VATRegime {
	if !InEU(companyCountry) || customer == nil || customer.Country == "" || customer.Country == companyCountry {
		return VATDomestic
	}
	switch {
	case !InEU(customer.Country):
		return VATExport
	case customer.VATID != "":
		return VATReverseCharge
	}
	return VATDomestic
}

// ZeroRated reports whether every line of a sale under the regime is at 0 %.
func (g VATRegime) ZeroRated() bool { return g == VATReverseCharge || g == VATExport }

// MentionKey is the label (embed/i18n) of the legal mention a document under
// the regime carries, "" when none.
func (g VATRegime) MentionKey() string {
	if g.ZeroRated() {
		return "vat_mention." + string(g)
	}
	return ""
}

// VATMention is the legal mention of the regime in English, as the
// documents' JSON gives it ("" when none); the PDF prints it in the
// document's language.
func (g VATRegime) VATMention() string {
	switch g {
	case VATReverseCharge:
		return "Reverse charge — VAT to be accounted for by the customer (art. 196 Directive 2006/112/EC)"
	case VATExport:
		return "VAT exempt: export outside the EU (art. 146 Directive 2006/112/EC)"
	}
	return ""
}

// SetVATRegime puts the document under the regime: under a zero-rated one
// every line goes to 0 % and the totals are recomputed. It reports whether a
// line changed. Moving back to domestic changes no line (the use case gives
// product lines their product's rate again, RestoreRates).
func (d *Document) SetVATRegime(g VATRegime) bool {
	d.VATRegime = g
	if !g.ZeroRated() {
		return false
	}
	changed := false
	for i := range d.Lines {
		if !d.Lines[i].VATRate.IsZero() {
			d.Lines[i].VATRate, changed = decimal.Zero, true
		}
	}
	if changed {
		d.Recompute(&ValidationError{}) // lower rates: totals only shrink
	}
	return changed
}

// RestoreRates gives the product lines of a document leaving a zero-rated
// regime their product's VAT rate (rates by product id), and recomputes the
// totals (errors in v). Free-text lines keep 0 %: send the lines again to
// set them. It reports whether a line changed.
func (d *Document) RestoreRates(rates map[int64]decimal.Decimal, v *ValidationError) bool {
	changed := false
	for i := range d.Lines {
		l := &d.Lines[i]
		if r, ok := rates[l.ProductID]; ok && l.ProductID > 0 && l.DownPaymentID == 0 && !l.VATRate.Equal(r) {
			l.VATRate, changed = r, true
		}
	}
	if changed {
		d.Recompute(v)
	}
	return changed
}
