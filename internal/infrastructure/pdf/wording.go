package pdf

import (
	"strings"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

// Wording is a line text the application wrote (in English, on the
// document) that the PDF prints in its own language: the lines of a
// down-payment invoice and the deduction lines of a final invoice.
type Wording struct {
	Key     string          // label key: "line.down_payment_percent", "line.down_payment_amount", "line.deduction"
	Ref     string          // the order's number, or the down payment's for a deduction
	Percent decimal.Decimal // line.down_payment_percent only
}

// wordingOf recognises the down-payment wordings (domain.ParseDownPaymentText)
// where they belong: on the lines of a down payment (and of its credit
// notes), and on deduction lines. A description edited by hand prints as is.
func wordingOf(d *domain.Document, l domain.Line) *Wording {
	t, ok := domain.ParseDownPaymentText(l.Description)
	if !ok {
		return nil
	}
	switch {
	case t.Kind == domain.TextDeduction && l.DownPaymentID != 0:
		return &Wording{Key: "line.deduction", Ref: t.Ref}
	case t.Kind == domain.TextDownPaymentPercent && (d.Type == domain.DocDownPayment || d.Type == domain.DocCreditNote):
		return &Wording{Key: "line.down_payment_percent", Ref: t.Ref, Percent: t.Percent}
	case t.Kind == domain.TextDownPaymentAmount && (d.Type == domain.DocDownPayment || d.Type == domain.DocCreditNote):
		return &Wording{Key: "line.down_payment_amount", Ref: t.Ref}
	}
	return nil
}

// lineText is what the description column prints for ln.
func (r *renderer) lineText(ln Line) string {
	if ln.Wording == nil {
		return ln.Description
	}
	return strings.NewReplacer("{ref}", ln.Wording.Ref, "{percent}", r.loc.Percent(ln.Wording.Percent)).Replace(r.loc.T(ln.Wording.Key))
}
