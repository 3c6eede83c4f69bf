package usecase

import (
	"context"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

// The VAT rule of sales (domain.DecideVATRegime) is applied where a sales
// document's lines are computed — a draft created, edited, converted or
// drawn as a down payment — so that a draft shows what will be invoiced,
// and again when it is validated, since its customer's country or VAT
// number may have changed since: the validated document is computed under
// the regime of its validation day. Buy-side documents carry the supplier's
// rates as invoiced and stay domestic.
//
// Everything the rule needs is here and in domain/vat_regime.go, apart from
// the document computation itself (domain.Document.Recompute).

// settleVATRegime decides the regime of sales document d from the company's
// country and d's customer, and puts d under it: a zero-rated regime sets
// every line to 0 %; leaving one gives product lines their product's rate
// again. A credit note keeps its invoice's regime. It reports whether a
// line changed (the caller stores the lines). tp is d's third party when the
// caller has read it already (nil: read here).
func (s *DocumentService) settleVATRegime(ctx context.Context, r domain.Readers, d *domain.Document, tp *domain.ThirdParty) (bool, error) {
	switch {
	case d.Type.IsSupplier():
		d.VATRegime = domain.VATDomestic
		return false, nil
	case d.Type == domain.DocCreditNote:
		// A credit note corrects its invoice at the invoice's rates: it keeps
		// the regime it was made under (convert), whatever the customer is now.
		if d.VATRegime == "" {
			d.VATRegime = domain.VATDomestic
		}
		return d.SetVATRegime(d.VATRegime), nil
	}
	if tp == nil {
		var err error
		if tp, err = r.ThirdParties.Get(ctx, d.ThirdPartyID); err != nil {
			return false, err
		}
	}
	// A customer of no known country is domestic whatever the company's
	// country: the company is read only when the answer depends on it.
	var companyCountry string
	if tp.Country != "" {
		c, err := companyOf(ctx, r, s.company)
		if err != nil {
			return false, err
		}
		companyCountry = c.Country
	}
	before := d.VATRegime
	g := domain.DecideVATRegime(companyCountry, tp)
	if changed := d.SetVATRegime(g); changed || g.ZeroRated() || !before.ZeroRated() {
		return changed, nil
	}
	// Back to domestic from a zero-rated regime: the product lines take
	// their product's rate again.
	var ids []int64
	for _, l := range d.Lines {
		if l.ProductID > 0 {
			ids = append(ids, l.ProductID)
		}
	}
	if len(ids) == 0 {
		return false, nil
	}
	slices.Sort(ids)
	products, err := r.Products.GetMany(ctx, slices.Compact(ids))
	if err != nil {
		return false, err
	}
	rates := make(map[int64]decimal.Decimal, len(products))
	for id, p := range products {
		rates[id] = p.VATRate
	}
	v := &domain.ValidationError{}
	changed := d.RestoreRates(rates, v)
	return changed, v.OrNil()
}

// settleVATRegimeLines is settleVATRegime for a document already stored:
// changed lines are written back.
func (s *DocumentService) settleVATRegimeLines(ctx context.Context, r domain.Repositories, d *domain.Document) error {
	changed, err := s.settleVATRegime(ctx, r.Readers(), d, nil)
	if err != nil || !changed {
		return err
	}
	return r.Documents.ReplaceLines(ctx, d)
}
