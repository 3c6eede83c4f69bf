package domain

import (
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// Down payments (Dolibarr's "acomptes"): an invoice drawn on a validated
// order for part of its total, paid before the goods, and deducted from the
// order's final invoice.
//
// A down-payment invoice has one line per VAT rate of the order, each a
// share of the order's gross total at that rate, so that its VAT is the
// order's VAT in proportion. The order's final invoice (Convert with
// ActInvoice) carries, for each validated down payment, one negative line
// per VAT rate (a deduction line, Line.DownPaymentID set) mirroring the down
// payment's lines: the same net at the same rate gives the same VAT under
// the rounding rule (half away from zero, so −x rounds to −round(x)), and the
// final invoice's totals are the order's minus the down payments', to the
// cent.
const DocDownPayment DocType = "down_payment"

// DownPaymentInput is what the client asks for: exactly one of a percentage
// of the order's gross total or a gross amount.
type DownPaymentInput struct {
	Percent *decimal.Decimal
	Amount  *decimal.Decimal
}

// DownPaymentState is a down payment of an order as the final invoice sees
// it: the down-payment invoice and its validated (or settled) credit notes.
type DownPaymentState struct {
	Invoice *Document
	Credits []*Document
}

// remaining is what the down payment still stands for: its gross total less
// what its credit notes gave back.
func (s DownPaymentState) remaining() decimal.Decimal {
	r := s.Invoice.TotalGross
	for _, c := range s.Credits {
		r = r.Sub(c.TotalGross)
	}
	return r
}

// Wording of the lines: stored in English on the document, and recognised
// by ParseDownPaymentText so that the PDF prints them in its language.
const (
	downPaymentPercentText = "Down payment %s %% of order %s"
	downPaymentAmountText  = "Down payment of order %s"
	deductionText          = "Deduction of down payment %s"
)

// DownPaymentTextKind tells which of the down-payment wordings a line holds.
type DownPaymentTextKind string

const (
	TextDownPaymentPercent DownPaymentTextKind = "down_payment_percent" // "Down payment 30 % of order CO2612-0001"
	TextDownPaymentAmount  DownPaymentTextKind = "down_payment_amount"  // "Down payment of order CO2612-0001"
	TextDeduction          DownPaymentTextKind = "deduction"            // "Deduction of down payment AC2612-0001"
)

// DownPaymentText is a line description in one of the down-payment wordings.
type DownPaymentText struct {
	Kind    DownPaymentTextKind
	Percent decimal.Decimal // TextDownPaymentPercent only
	Ref     string          // the order's ref, or the down payment's for a deduction
}

var (
	reDownPaymentPercent = regexp.MustCompile(`^Down payment ([0-9]+(?:\.[0-9]+)?) % of order (\S+)$`)
	reDownPaymentAmount  = regexp.MustCompile(`^Down payment of order (\S+)$`)
	reDeduction          = regexp.MustCompile(`^Deduction of down payment (\S+)$`)
)

// ParseDownPaymentText recognises a description written by NewDownPayment
// or DeductDownPayments; a description edited by hand is not one (false).
func ParseDownPaymentText(desc string) (DownPaymentText, bool) {
	if m := reDownPaymentPercent.FindStringSubmatch(desc); m != nil {
		p, err := decimal.NewFromString(m[1])
		return DownPaymentText{Kind: TextDownPaymentPercent, Percent: p, Ref: m[2]}, err == nil
	}
	if m := reDownPaymentAmount.FindStringSubmatch(desc); m != nil {
		return DownPaymentText{Kind: TextDownPaymentAmount, Ref: m[1]}, true
	}
	if m := reDeduction.FindStringSubmatch(desc); m != nil {
		return DownPaymentText{Kind: TextDeduction, Ref: m[1]}, true
	}
	return DownPaymentText{}, false
}

// rateTotals is the part of a document at one VAT rate.
type rateTotals struct {
	rate            decimal.Decimal
	net, vat, gross decimal.Decimal
}

// totalsByRate sums lines per VAT rate, lowest rate first.
func totalsByRate(lines []Line) []rateTotals {
	var out []rateTotals
	for _, l := range lines {
		i := slices.IndexFunc(out, func(t rateTotals) bool { return t.rate.Equal(l.VATRate) })
		if i < 0 {
			out = append(out, rateTotals{rate: l.VATRate})
			i = len(out) - 1
		}
		out[i].net = out[i].net.Add(l.TotalNet)
		out[i].vat = out[i].vat.Add(l.TotalVAT)
		out[i].gross = out[i].gross.Add(l.TotalGross)
	}
	slices.SortFunc(out, func(a, b rateTotals) int { return a.rate.Cmp(b.rate) })
	return out
}

// DownPaymentsLeft is what remains of the order's gross total for new down
// payments: the total less every down payment of the order (drafts too: they
// will be validated) net of their credit notes.
func DownPaymentsLeft(order *Document, existing []DownPaymentState) decimal.Decimal {
	left := order.TotalGross
	for _, s := range existing {
		left = left.Sub(s.remaining())
	}
	return left
}

// NewDownPayment drafts a down-payment invoice of the validated order for
// in.Percent of its gross total or for in.Amount (gross), at most what the
// existing down payments leave (DownPaymentsLeft). A percentage gives the
// amount round(gross total × percent / 100). The amount is shared between
// the order's VAT rates in proportion to their gross totals (largest
// remainder, so the shares add up to it), and each share becomes one line
// whose net is the largest whose gross (net + VAT rounded per line) does not
// exceed it. A share no net reaches exactly (at 20 %, a net of 0.02 gives
// 0.02 and 0.03 gives 0.04: nothing gives 0.03) is made up on another rate
// where one more cent of net adds exactly what is missing; failing that the
// down payment is one cent (one minor unit) below the amount asked, never
// above it. The draft is dated today, due today, linked to the order
// (SourceID).
func NewDownPayment(order *Document, in DownPaymentInput, existing []DownPaymentState, today time.Time, createdBy int64) (*Document, error) {
	if err := order.Can(ActDownPayment); err != nil {
		return nil, err
	}
	field, amount, err := downPaymentAmount(order, in)
	if err != nil {
		return nil, err
	}
	if left := DownPaymentsLeft(order, existing); amount.GreaterThan(left) {
		return nil, Invalid(field, "gives a down payment of %s, more than the %s the order's total (%s) leaves after its other down payments",
			FormatMoney(amount, order.Currency), FormatMoney(left, order.Currency), FormatMoney(order.TotalGross, order.Currency))
	}
	desc := fmt.Sprintf(downPaymentAmountText, order.DisplayRef())
	if in.Percent != nil {
		desc = fmt.Sprintf(downPaymentPercentText, in.Percent.String(), order.DisplayRef())
	}
	due := today
	d := &Document{
		Type: DocDownPayment, Status: StatusDraft, ThirdPartyID: order.ThirdPartyID, Date: today, DueDate: &due,
		Currency: order.Currency, SourceID: order.ID, AmountPaid: decimal.Zero, CreatedBy: createdBy,
		// What the customer matches it with, as for every document made
		// from another.
		CustomerRef: order.CustomerRef, ContactID: order.ContactID,
		FX: DocumentFX{CompanyCurrency: order.FX.CompanyCurrency},
	}
	for _, s := range splitGross(order, amount) {
		d.Lines = append(d.Lines, Line{Description: desc, Qty: decimal.NewFromInt(1), UnitPrice: s.net, DiscountPercent: decimal.Zero, VATRate: s.rate})
	}
	d.Recompute(&ValidationError{}) // shares of a total within bounds
	return d, nil
}

// downPaymentAmount checks the input and returns the field it came from and
// the gross amount asked.
func downPaymentAmount(order *Document, in DownPaymentInput) (string, decimal.Decimal, error) {
	v := &ValidationError{}
	switch {
	case in.Percent != nil && in.Amount != nil:
		v.Add("percent", "give either percent or amount, not both")
		v.Add("amount", "give either percent or amount, not both")
	case in.Percent == nil && in.Amount == nil:
		v.Add("percent", "either percent or amount is required")
	case in.Percent != nil:
		p := *in.Percent
		if !p.IsPositive() || p.GreaterThan(hundred) {
			v.Add("percent", "must be greater than 0 and at most 100")
		} else if checkScale(v, "percent", p, RateScale) {
			a := RoundMoney(order.TotalGross.Mul(p).Shift(-2), order.Currency)
			if !a.IsPositive() {
				v.Add("percent", "gives a down payment of %s", FormatMoney(a, order.Currency))
			}
			return "percent", a, v.OrNil()
		}
	default:
		a := *in.Amount
		if !a.IsPositive() {
			v.Add("amount", "must be greater than 0")
		} else if checkScale(v, "amount", a, CurrencyPrecision(order.Currency)) {
			return "amount", a, nil
		}
	}
	return "", decimal.Zero, v.OrNil()
}

// share is one line of a down payment: its net at a VAT rate.
type share struct{ rate, net decimal.Decimal }

// splitGross shares amount between the order's VAT rates (see NewDownPayment).
func splitGross(order *Document, amount decimal.Decimal) []share {
	cur := order.Currency
	unit := decimal.New(1, -CurrencyPrecision(cur))
	rates := totalsByRate(order.Lines)
	gross := func(net, rate decimal.Decimal) decimal.Decimal {
		return net.Add(RoundMoney(net.Mul(rate).Shift(-2), cur))
	}
	// Largest remainder, in minor units: floor shares, then one unit each to
	// the largest remainders (ties to the lower rate) until they add up.
	targets := make([]decimal.Decimal, len(rates))
	rems := make([]decimal.Decimal, len(rates))
	sum := decimal.Zero
	for i, t := range rates {
		exact := amount.Mul(t.gross).Div(order.TotalGross)
		targets[i] = exact.RoundFloor(CurrencyPrecision(cur))
		rems[i] = exact.Sub(targets[i])
		sum = sum.Add(targets[i])
	}
	byRem := make([]int, len(rates))
	for i := range byRem {
		byRem[i] = i
	}
	slices.SortStableFunc(byRem, func(a, b int) int { return rems[b].Cmp(rems[a]) })
	for k := 0; sum.LessThan(amount) && k < len(byRem); k++ {
		targets[byRem[k]] = targets[byRem[k]].Add(unit)
		sum = sum.Add(unit)
	}
	// Per rate the largest net whose gross fits the share (and what the
	// previous rates could not reach), carrying the rest to the next rate.
	out := make([]share, len(rates))
	carry := decimal.Zero
	for i, t := range rates {
		want := targets[i].Add(carry)
		n := RoundMoney(want.Mul(hundred).Div(hundred.Add(t.rate)), cur)
		for n.IsPositive() && gross(n, t.rate).GreaterThan(want) {
			n = n.Sub(unit)
		}
		for !gross(n.Add(unit), t.rate).GreaterThan(want) {
			n = n.Add(unit)
		}
		out[i] = share{rate: t.rate, net: n}
		carry = want.Sub(gross(n, t.rate))
	}
	// A unit still missing: one more unit of net on a rate where it adds
	// exactly that (any rate below 50 % at the right net).
	for i := range out {
		if !carry.IsPositive() {
			break
		}
		if next := out[i].net.Add(unit); gross(next, out[i].rate).Sub(gross(out[i].net, out[i].rate)).Equal(carry) {
			out[i].net, carry = next, decimal.Zero
		}
	}
	return slices.DeleteFunc(out, func(s share) bool { return !s.net.IsPositive() })
}

// DeductDownPayments appends to the final invoice of an order one
// deduction line per VAT rate of each down payment: quantity 1, unit price
// minus what the down payment still stands for at that rate (its net less
// its credit notes' net at that rate), the down payment named in the
// description and in DownPaymentID, and recomputes the totals. Down payments
// are taken in the order given; those not validated (or paid), or whose
// credit notes gave everything back, add nothing.
func (d *Document) DeductDownPayments(dps []DownPaymentState) {
	for _, s := range dps {
		if s.Invoice.Status != StatusValidated && s.Invoice.Status != StatusPaid {
			continue
		}
		var creditLines []Line
		for _, c := range s.Credits {
			creditLines = append(creditLines, c.Lines...)
		}
		credited := totalsByRate(creditLines)
		for _, t := range totalsByRate(s.Invoice.Lines) {
			net := t.net
			if i := slices.IndexFunc(credited, func(c rateTotals) bool { return c.rate.Equal(t.rate) }); i >= 0 {
				net = net.Sub(credited[i].net)
			}
			if !net.IsPositive() {
				continue
			}
			d.Lines = append(d.Lines, Line{
				Description: fmt.Sprintf(deductionText, s.Invoice.DisplayRef()), Qty: decimal.NewFromInt(1),
				UnitPrice: net.Neg(), DiscountPercent: decimal.Zero, VATRate: t.rate, DownPaymentID: s.Invoice.ID,
			})
		}
	}
	d.Recompute(&ValidationError{})
}

// checkDownPaymentPatch refuses the changes of a down payment's draft that
// would part it from its order: its lines (their amounts are checked against
// the order's total when it is drawn), currency and customer. Its date, due
// date and note may change.
func (d *Document) checkDownPaymentPatch(v *ValidationError, p DraftPatch) {
	if d.Type != DocDownPayment {
		return
	}
	if p.Lines != nil {
		v.Add("lines", "a down payment's lines follow from its order: delete the draft and draw another")
	}
	if p.Currency != nil && *p.Currency != d.Currency {
		v.Add("currency", "a down payment is in its order's currency (%s)", d.Currency)
	}
	if p.ThirdPartyID != nil && *p.ThirdPartyID != d.ThirdPartyID {
		v.Add("thirdparty_id", "a down payment is addressed to its order's customer (%d)", d.ThirdPartyID)
	}
}

// deductionLines are the document's deduction lines, in order.
func (d *Document) deductionLines() []Line {
	var out []Line
	for _, l := range d.Lines {
		if l.DownPaymentID != 0 {
			out = append(out, l)
		}
	}
	return out
}

// ErrDownPaymentDeducted refuses to credit a down payment that a final
// invoice deducts: the customer would get it back twice.
func ErrDownPaymentDeducted(dp, invoice *Document) error {
	return Conflictf("down-payment-deducted", "down payment %s is deducted on invoice %s: credit that invoice in full first",
		dp.DisplayRef(), invoice.DisplayRef())
}
