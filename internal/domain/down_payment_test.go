package domain

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// validatedOrder is an order with the given lines, validated as CO2612-0001.
func validatedOrder(t *testing.T, lines ...LineInput) *Document {
	t.Helper()
	o := draft(t, DocOrder, "EUR", lines...)
	o.ID = 10
	if err := o.Validate("CO2612-0001", day); err != nil {
		t.Fatal(err)
	}
	return o
}

// linesOf writes each line as "net/vat/gross@rate".
func linesOf(d *Document) string {
	var out []string
	for _, l := range d.Lines {
		out = append(out, fmt.Sprintf("%s/%s/%s@%s", FormatMoney(l.TotalNet, "EUR"), FormatMoney(l.TotalVAT, "EUR"), FormatMoney(l.TotalGross, "EUR"), l.VATRate))
	}
	return strings.Join(out, " ")
}

func totalsOf(d *Document) string {
	return FormatMoney(d.TotalNet, "EUR") + "/" + FormatMoney(d.TotalVAT, "EUR") + "/" + FormatMoney(d.TotalGross, "EUR")
}

func validated(t *testing.T, d *Document, id int64, ref string) *Document {
	t.Helper()
	d.ID = id
	if err := d.Validate(ref, day); err != nil {
		t.Fatal(err)
	}
	return d
}

// A percentage is of the gross total, shared between the rates in
// proportion to their gross totals, one line per rate, VAT per line.
func TestDownPaymentPercentOneLinePerRate(t *testing.T) {
	o := validatedOrder(t, line("1", "100", "0", "20"), line("1", "50", "0", "5.5"), line("2", "10", "0", "20"))
	o.CustomerRef, o.ContactID = "PO-77", 5
	// 20 %: net 120, VAT 24, gross 144; 5.5 %: 50 + 2.75 = 52.75; total 196.75.
	dp, err := NewDownPayment(o, DownPaymentInput{Percent: pdec("30")}, nil, day, 7)
	if err != nil {
		t.Fatal(err)
	}
	// 30 % of 196.75 = 59.025 → 59.03; shares 43.2034… → 43.20 and 15.8265… → 15.83
	// (largest remainder); 15.83 = 15.00 + 0.83 at 5.5 %, 43.20 = 36.00 + 7.20 at 20 %.
	if got, want := linesOf(dp), "15.00/0.83/15.83@5.5 36.00/7.20/43.20@20"; got != want {
		t.Fatalf("lines %s, want %s", got, want)
	}
	if got := totalsOf(dp); got != "51.00/8.03/59.03" {
		t.Fatalf("totals %s", got)
	}
	if dp.Type != DocDownPayment || dp.Status != StatusDraft || dp.SourceID != o.ID || dp.ThirdPartyID != o.ThirdPartyID ||
		dp.CustomerRef != "PO-77" || dp.ContactID != 5 {
		t.Fatalf("header %+v", dp)
	}
	if dp.Lines[0].Description != "Down payment 30 % of order CO2612-0001" {
		t.Fatalf("description %q", dp.Lines[0].Description)
	}
}

// Percentages of odd totals: round(gross × percent / 100), then the largest
// net that does not exceed it; when no net reaches the amount exactly, one
// cent below, never above.
func TestDownPaymentOddPercentages(t *testing.T) {
	cases := []struct {
		name, price, rate, percent, lines, gross string
	}{
		// 119.99 × 33.33 % = 39.992667 → 39.99; net 33.32 gives 39.98 and 33.33
		// gives 40.00: nothing gives 39.99 at 20 %, so 39.98.
		{"33.33 % of 119.99, unreachable", "99.99", "20", "33.33", "33.32/6.66/39.98@20", "39.98"},
		// 77.77 + 15.55 = 93.32; × 33.33 % = 31.103556 → 31.10 = 25.92 + 5.18.
		{"33.33 % of 93.32", "77.77", "20", "33.33", "25.92/5.18/31.10@20", "31.10"},
		// 10.01 × 33.3333 % = 3.33666… → 3.34 at 0 %.
		{"33.3333 % at no VAT", "10.01", "0", "33.3333", "3.34/0.00/3.34@0", "3.34"},
		{"100 % is the total", "99.99", "20", "100", "99.99/20.00/119.99@20", "119.99"},
		// 0.01 × 50 % = 0.005 → 0.01 (half up).
		{"half a cent rounds up", "0.01", "0", "50", "0.01/0.00/0.01@0", "0.01"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := validatedOrder(t, line("1", tc.price, "0", tc.rate))
			dp, err := NewDownPayment(o, DownPaymentInput{Percent: pdec(tc.percent)}, nil, day, 7)
			if err != nil {
				t.Fatal(err)
			}
			if got := linesOf(dp); got != tc.lines {
				t.Fatalf("lines %s, want %s", got, tc.lines)
			}
			if got := FormatMoney(dp.TotalGross, "EUR"); got != tc.gross {
				t.Fatalf("gross %s, want %s", got, tc.gross)
			}
		})
	}
}

// An amount is the gross total of the down payment; a cent a rate cannot
// reach is made up on another.
func TestDownPaymentAmountAddsUp(t *testing.T) {
	o := validatedOrder(t, line("1", "100", "0", "20"), line("1", "100", "0", "10"), line("1", "33.33", "0", "0"))
	// gross: 0 % 33.33, 10 % 110.00, 20 % 120.00; total 263.33.
	for _, amount := range []string{"100.00", "0.03", "263.33", "1.00", "99.99", "77.77", "3.03"} {
		dp, err := NewDownPayment(o, DownPaymentInput{Amount: pdec(amount)}, nil, day, 7)
		if err != nil {
			t.Fatal(amount, err)
		}
		if got := FormatMoney(dp.TotalGross, "EUR"); got != amount {
			t.Errorf("amount %s gives %s (%s)", amount, got, linesOf(dp))
		}
		if dp.Lines[0].Description != "Down payment of order CO2612-0001" {
			t.Fatalf("description %q", dp.Lines[0].Description)
		}
		for _, l := range dp.Lines {
			if l.TotalVAT.String() != RoundMoney(l.TotalNet.Mul(l.VATRate).Shift(-2), "EUR").String() {
				t.Errorf("amount %s: VAT %s of %s at %s breaks the rule", amount, l.TotalVAT, l.TotalNet, l.VATRate)
			}
		}
	}
	// At one rate of 20 %, 0.03 cannot be reached (0.02 → 0.02, 0.03 → 0.04).
	one := validatedOrder(t, line("1", "100", "0", "20"))
	dp, err := NewDownPayment(one, DownPaymentInput{Amount: pdec("0.03")}, nil, day, 7)
	if err != nil {
		t.Fatal(err)
	}
	if got := linesOf(dp); got != "0.02/0.00/0.02@20" {
		t.Fatalf("unreachable 0.03 gives %s", got)
	}
}

func TestDownPaymentInputChecks(t *testing.T) {
	o := validatedOrder(t, line("1", "100", "0", "20")) // 120.00
	existing := []DownPaymentState{{Invoice: &Document{TotalGross: dec("100")}, Credits: []*Document{{TotalGross: dec("10")}}}}
	cases := []struct {
		name   string
		in     DownPaymentInput
		fields string
	}{
		{"neither", DownPaymentInput{}, "percent"},
		{"both", DownPaymentInput{Percent: pdec("10"), Amount: pdec("1")}, "percent amount"},
		{"percent 0", DownPaymentInput{Percent: pdec("0")}, "percent"},
		{"percent over 100", DownPaymentInput{Percent: pdec("100.01")}, "percent"},
		{"percent 5 decimals", DownPaymentInput{Percent: pdec("1.00001")}, "percent"},
		{"percent of nothing", DownPaymentInput{Percent: pdec("0.0001")}, "percent"}, // 0.012 cent
		{"amount 0", DownPaymentInput{Amount: pdec("0")}, "amount"},
		{"amount negative", DownPaymentInput{Amount: pdec("-1")}, "amount"},
		{"amount beyond the cent", DownPaymentInput{Amount: pdec("1.001")}, "amount"},
		// 120 − (100 − 10) = 30 left.
		{"amount beyond what is left", DownPaymentInput{Amount: pdec("30.01")}, "amount"},
		{"percent beyond what is left", DownPaymentInput{Percent: pdec("25.01")}, "percent"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewDownPayment(o, tc.in, existing, day, 7)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err %v, want a validation error", err)
			}
			var fields []string
			for _, f := range ve.Fields {
				fields = append(fields, f.Field)
			}
			if got := strings.Join(fields, " "); got != tc.fields {
				t.Fatalf("fields %q, want %q (%v)", got, tc.fields, err)
			}
		})
	}
	if dp, err := NewDownPayment(o, DownPaymentInput{Amount: pdec("30")}, existing, day, 7); err != nil || !dp.TotalGross.Equal(dec("30")) {
		t.Fatalf("exactly what is left: %v %v", dp, err)
	}
	// A draft order, or one already invoiced, takes no down payment.
	for _, st := range []DocStatus{StatusDraft, StatusInvoiced} {
		o := validatedOrder(t, line("1", "100", "0", "20"))
		o.Status = st
		if _, err := NewDownPayment(o, DownPaymentInput{Percent: pdec("10")}, nil, day, 7); !errors.Is(err, ErrConflict) {
			t.Fatalf("%s order: %v, want a conflict", st, err)
		}
	}
}

// The final invoice carries one negative line per rate of each validated
// down payment, and its totals are the order's minus theirs, to the cent.
func TestFinalInvoiceDeductsDownPayments(t *testing.T) {
	o := validatedOrder(t, line("3", "33.33", "0", "20"), line("1", "19.99", "0", "5.5"), line("7", "1.01", "0", "0"))
	dp1, err := NewDownPayment(o, DownPaymentInput{Percent: pdec("33.33")}, nil, day, 7)
	if err != nil {
		t.Fatal(err)
	}
	validated(t, dp1, 21, "AC2612-0001")
	dp2, err := NewDownPayment(o, DownPaymentInput{Amount: pdec("17.17")}, []DownPaymentState{{Invoice: dp1}}, day, 7)
	if err != nil {
		t.Fatal(err)
	}
	validated(t, dp2, 22, "AC2612-0002")
	drafted, err := NewDownPayment(o, DownPaymentInput{Amount: pdec("5")}, []DownPaymentState{{Invoice: dp1}, {Invoice: dp2}}, day, 7)
	if err != nil {
		t.Fatal(err)
	}
	drafted.ID = 23 // still a draft: not deducted

	inv, err := o.Convert(ActInvoice, day, 7)
	if err != nil {
		t.Fatal(err)
	}
	inv.DeductDownPayments([]DownPaymentState{{Invoice: dp1}, {Invoice: dp2}, {Invoice: drafted}})
	want := o.TotalGross.Sub(dp1.TotalGross).Sub(dp2.TotalGross)
	if !inv.TotalGross.Equal(want) || !inv.TotalNet.Equal(o.TotalNet.Sub(dp1.TotalNet).Sub(dp2.TotalNet)) ||
		!inv.TotalVAT.Equal(o.TotalVAT.Sub(dp1.TotalVAT).Sub(dp2.TotalVAT)) {
		t.Fatalf("final %s, order %s, down payments %s and %s", totalsOf(inv), totalsOf(o), totalsOf(dp1), totalsOf(dp2))
	}
	deductions := inv.Lines[len(o.Lines):]
	if len(deductions) != len(dp1.Lines)+len(dp2.Lines) {
		t.Fatalf("%d deduction lines: %s", len(deductions), linesOf(inv))
	}
	for i, l := range deductions {
		dp, src := dp1, i
		if i >= len(dp1.Lines) {
			dp, src = dp2, i-len(dp1.Lines)
		}
		if l.DownPaymentID != dp.ID || l.Description != "Deduction of down payment "+dp.Ref ||
			!l.TotalNet.Equal(dp.Lines[src].TotalNet.Neg()) || !l.TotalVAT.Equal(dp.Lines[src].TotalVAT.Neg()) || !l.VATRate.Equal(dp.Lines[src].VATRate) {
			t.Fatalf("deduction %d: %+v, of %+v", i, l, dp.Lines[src])
		}
	}
	// Each VAT rate of the breakdown is the order's minus the down payments'.
	for _, b := range inv.VATBreakdown() {
		base := func(d *Document) (s string) {
			for _, v := range d.VATBreakdown() {
				if v.Rate.Equal(b.Rate) {
					return v.Amount.String()
				}
			}
			return "0"
		}
		if !b.Amount.Equal(dec(base(o)).Sub(dec(base(dp1))).Sub(dec(base(dp2)))) {
			t.Fatalf("VAT at %s: %s", b.Rate, b.Amount)
		}
	}

	// Editing the final invoice's lines keeps its deductions.
	lines := []LineInput{line("1", "500", "0", "20")}
	if err := inv.Edit(DraftPatch{Lines: &lines}); err != nil {
		t.Fatal(err)
	}
	if len(inv.Lines) != 1+len(deductions) || inv.Lines[1].DownPaymentID != dp1.ID {
		t.Fatalf("after edit: %s", linesOf(inv))
	}
}

// A down payment credited in full is not deducted; one credited in part,
// for what is left of it at each rate.
func TestCreditedDownPaymentsDeductWhatIsLeft(t *testing.T) {
	o := validatedOrder(t, line("1", "100", "0", "20"), line("1", "100", "0", "10"))
	dp, err := NewDownPayment(o, DownPaymentInput{Percent: pdec("50")}, nil, day, 7) // 60.00 at 20 %, 55.00 at 10 %
	if err != nil {
		t.Fatal(err)
	}
	validated(t, dp, 21, "AC2612-0001")
	full, err := dp.Convert(ActCreditNote, day, 7)
	if err != nil {
		t.Fatal(err)
	}
	inv, _ := validatedOrder(t, line("1", "100", "0", "20"), line("1", "100", "0", "10")).Convert(ActInvoice, day, 7)
	inv.DeductDownPayments([]DownPaymentState{{Invoice: dp, Credits: []*Document{full}}})
	if len(inv.Lines) != 2 || !inv.TotalGross.Equal(o.TotalGross) {
		t.Fatalf("credited in full, still deducted: %s", linesOf(inv))
	}

	part := &Document{Type: DocCreditNote, Currency: "EUR", Lines: []Line{{Description: "x", Qty: dec("1"), UnitPrice: dec("10"), VATRate: dec("20")}}}
	part.Recompute(&ValidationError{})
	inv, _ = validatedOrder(t, line("1", "100", "0", "20"), line("1", "100", "0", "10")).Convert(ActInvoice, day, 7)
	inv.DeductDownPayments([]DownPaymentState{{Invoice: dp, Credits: []*Document{part}}})
	if got, want := linesOf(inv), "100.00/20.00/120.00@20 100.00/10.00/110.00@10 -50.00/-5.00/-55.00@10 -40.00/-8.00/-48.00@20"; got != want {
		t.Fatalf("lines %s, want %s", got, want)
	}
}

func TestDownPaymentLifecycle(t *testing.T) {
	o := validatedOrder(t, line("1", "100", "0", "20"))
	dp, err := NewDownPayment(o, DownPaymentInput{Percent: pdec("10")}, nil, day, 7)
	if err != nil {
		t.Fatal(err)
	}
	if dp.DueDate == nil || !dp.DueDate.Equal(day) || dp.Can(ActEdit) != nil || dp.Can(ActCreditNote) == nil {
		t.Fatalf("draft %+v", dp)
	}
	// Its lines, currency and customer are the order's; its note is not.
	lines, usd, other, note := []LineInput{line("1", "5", "0", "0")}, "USD", int64(2), "deposit"
	err = dp.Edit(DraftPatch{Lines: &lines, Currency: &usd, ThirdPartyID: &other, Note: &note})
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 3 || ve.Fields[0].Field != "lines" || ve.Fields[1].Field != "currency" || ve.Fields[2].Field != "thirdparty_id" {
		t.Fatalf("edit of a down payment: %v", err)
	}
	dp, _ = NewDownPayment(o, DownPaymentInput{Percent: pdec("10")}, nil, day, 7)
	if err := dp.Edit(DraftPatch{Note: &note}); err != nil || dp.Note != note || len(dp.Lines) != 1 {
		t.Fatalf("note: %v", err)
	}
	validated(t, dp, 21, "AC2612-0001")
	if dp.Status != StatusValidated || dp.Can(ActPay) != nil || dp.Can(ActCreditNote) != nil || dp.Can(ActEdit) == nil {
		t.Fatalf("validated %+v", dp)
	}
	if err := dp.AddPayment(&Payment{Amount: dp.TotalGross, Date: day, Method: PayBankTransfer}); err != nil || dp.Status != StatusPaid {
		t.Fatalf("paid: %v %s", err, dp.Status)
	}
	cn, err := dp.Convert(ActCreditNote, day, 7)
	if err != nil || cn.Type != DocCreditNote || cn.SourceID != dp.ID || !cn.TotalGross.Equal(dp.TotalGross) {
		t.Fatalf("credit note %+v %v", cn, err)
	}
}

func TestParseDownPaymentText(t *testing.T) {
	for desc, want := range map[string]DownPaymentText{
		"Down payment 30 % of order CO2612-0001":    {Kind: TextDownPaymentPercent, Percent: dec("30"), Ref: "CO2612-0001"},
		"Down payment 33.33 % of order CO2612-0001": {Kind: TextDownPaymentPercent, Percent: dec("33.33"), Ref: "CO2612-0001"},
		"Down payment of order (PROV4)":             {Kind: TextDownPaymentAmount, Ref: "(PROV4)"},
		"Deduction of down payment AC2612-0002":     {Kind: TextDeduction, Ref: "AC2612-0002"},
	} {
		got, ok := ParseDownPaymentText(desc)
		if !ok || got.Kind != want.Kind || got.Ref != want.Ref || !got.Percent.Equal(want.Percent) {
			t.Errorf("%q: %+v %v", desc, got, ok)
		}
	}
	for _, desc := range []string{"Down payment 30 % of order CO2612-0001, thanks", "Deduction", "Widget"} {
		if _, ok := ParseDownPaymentText(desc); ok {
			t.Errorf("%q recognised", desc)
		}
	}
}
