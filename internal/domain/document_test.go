package domain

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func pdec(s string) *decimal.Decimal { d := dec(s); return &d }

var day = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)

func line(qty, price, discount, vat string) LineInput {
	return LineInput{Description: "x", Qty: dec(qty), UnitPrice: pdec(price), DiscountPercent: dec(discount), VATRate: pdec(vat)}
}

func draft(t *testing.T, typ DocType, currency string, lines ...LineInput) *Document {
	t.Helper()
	d, err := NewDraft(typ, DraftInput{ThirdPartyID: 1, Currency: currency, Lines: lines}, day, "EUR", 7)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The rounding rule of docs/architecture.md, line by line, with values that
// land exactly on half a cent, three-decimal quantities, a full discount and
// several VAT rates.
func TestLineTotalsRoundHalfUpPerLine(t *testing.T) {
	cases := []struct {
		name            string
		currency        string
		in              LineInput
		net, vat, gross string
	}{
		{"half cent rounds up", "EUR", line("1", "0.005", "0", "0"), "0.01", "0.00", "0.01"},
		{"just under half stays", "EUR", line("1", "0.004999", "0", "0"), "0.00", "0.00", "0.00"},
		{"vat on rounded net, half up", "EUR", line("1", "0.10", "0", "5"), "0.10", "0.01", "0.11"}, // 0.005 → 0.01
		{"three-decimal qty", "EUR", line("1.235", "10", "0", "20"), "12.35", "2.47", "14.82"},
		{"qty × price half up", "EUR", line("0.333", "0.15", "0", "0"), "0.05", "0.00", "0.05"}, // 0.04995
		{"discount then round", "EUR", line("3", "9.99", "15", "20"), "25.47", "5.09", "30.56"}, // 25.4745, 5.094
		{"full discount", "EUR", line("2", "100", "100", "20"), "0.00", "0.00", "0.00"},
		{"fractional rate", "EUR", line("1", "99.99", "0", "5.5"), "99.99", "5.50", "105.49"}, // 5.49945
		{"yen has no decimals", "JPY", line("1", "1234.5", "0", "10"), "1235", "124", "1359"}, // 123.5 → 124
		{"dinar has three", "KWD", line("1", "1.0005", "0", "0"), "1.001", "0.000", "1.001"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := draft(t, DocInvoice, tc.currency, tc.in)
			l := d.Lines[0]
			got := []string{FormatMoney(l.TotalNet, tc.currency), FormatMoney(l.TotalVAT, tc.currency), FormatMoney(l.TotalGross, tc.currency)}
			want := []string{tc.net, tc.vat, tc.gross}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("net/vat/gross %v, want %v", got, want)
			}
		})
	}
}

// Document totals are the sums of the rounded lines, never a rounding of the
// unrounded sum; the VAT breakdown adds up to them.
func TestDocumentTotalsAreSumsOfLines(t *testing.T) {
	d := draft(t, DocInvoice, "EUR",
		line("1", "0.005", "0", "20"), // net 0.01, vat 0.00
		line("1", "0.005", "0", "20"), // the unrounded sum would be 0.01, not 0.02
		line("1", "0.005", "0", "20"),
		line("2.5", "3.99", "10", "5.5"), // 8.9775 → 8.98; vat 0.4939 → 0.49
		line("1", "10", "0", "0"),
	)
	if got := d.TotalNet.StringFixed(2); got != "19.01" {
		t.Fatalf("total net %s, want 19.01 (0.01×3 + 8.98 + 10)", got)
	}
	if got := d.TotalVAT.StringFixed(2); got != "0.49" {
		t.Fatalf("total vat %s", got)
	}
	if !d.TotalGross.Equal(d.TotalNet.Add(d.TotalVAT)) {
		t.Fatalf("gross %s is not net + vat", d.TotalGross)
	}
	b := d.VATBreakdown()
	if len(b) != 3 || !b[0].Rate.Equal(dec("0")) || !b[1].Rate.Equal(dec("5.5")) || !b[2].Rate.Equal(dec("20")) {
		t.Fatalf("breakdown rates %+v", b)
	}
	if !b[2].Base.Equal(dec("0.03")) || !b[1].Amount.Equal(dec("0.49")) {
		t.Fatalf("breakdown %+v", b)
	}
	sum := decimal.Zero
	for _, v := range b {
		sum = sum.Add(v.Amount)
	}
	if !sum.Equal(d.TotalVAT) {
		t.Fatalf("breakdown VAT %s ≠ total %s", sum, d.TotalVAT)
	}
	if !d.AmountDue().Equal(d.TotalGross) {
		t.Fatalf("amount due %s", d.AmountDue())
	}
}

func TestDraftInputIsChecked(t *testing.T) {
	big := strings.Repeat("9", 15)
	_, err := NewDraft(DocOrder, DraftInput{Currency: "eur", Lines: []LineInput{
		{Qty: dec("0"), UnitPrice: pdec("-1"), DiscountPercent: dec("101"), VATRate: pdec("20.00001")},
		{ProductID: 3, Qty: dec("1.1234567"), UnitPrice: pdec(big), VATRate: nil},
		{Description: "huge", Qty: dec("99999999999"), UnitPrice: pdec("99999999999"), VATRate: pdec("0")},
	}, DueDate: &time.Time{}}, day, "EUR", 0)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a validation error, got %v", err)
	}
	fields := map[string]bool{}
	for _, f := range ve.Fields {
		fields[f.Field] = true
	}
	for _, want := range []string{
		"thirdparty_id", "currency", "due_date",
		"lines[0].description", "lines[0].qty", "lines[0].unit_price", "lines[0].discount_percent", "lines[0].vat_rate",
		"lines[1].qty", "lines[1].unit_price", "lines[1].vat_rate",
	} {
		if !fields[want] {
			t.Errorf("no error for %s in %v", want, ve.Fields)
		}
	}
	// Totals are only checked once every field is valid.
	_, err = NewDraft(DocOrder, DraftInput{ThirdPartyID: 1, Lines: []LineInput{
		{Description: "huge", Qty: dec("99999999999"), UnitPrice: pdec("99999999999"), VATRate: pdec("0")},
	}}, day, "EUR", 0)
	if !errors.As(err, &ve) || ve.Fields[0].Field != "lines[0]" {
		t.Fatalf("overflowing total: %v", err)
	}
}

func TestDraftDefaults(t *testing.T) {
	d := draft(t, DocInvoice, "")
	if d.Currency != "EUR" || !d.Date.Equal(day) || d.DueDate == nil || !d.DueDate.Equal(day) || d.Status != StatusDraft {
		t.Fatalf("defaults %+v", d)
	}
	d.ID = 42
	if d.DisplayRef() != "(PROV42)" {
		t.Fatalf("provisional ref %q", d.DisplayRef())
	}
	if p := draft(t, DocProposal, "USD"); p.DueDate != nil || p.Currency != "USD" {
		t.Fatalf("proposal due %v currency %s", p.DueDate, p.Currency)
	}
}

// Every action from every status: allowed ones succeed, all others are
// ErrConflict with the illegal-transition code.
func TestLifecycle(t *testing.T) {
	allowed := map[DocType]map[DocStatus][]Action{
		DocProposal: {
			StatusDraft: {ActEdit, ActDelete, ActValidate}, StatusValidated: {ActAccept, ActRefuse},
			StatusAccepted: {ActOrder},
		},
		DocOrder:              {StatusDraft: {ActEdit, ActDelete, ActValidate}, StatusValidated: {ActInvoice, ActDownPayment}},
		DocInvoice:            {StatusDraft: {ActEdit, ActDelete, ActValidate}, StatusValidated: {ActCreditNote, ActPay, ActUnpay}, StatusPaid: {ActCreditNote, ActPay, ActUnpay}},
		DocCreditNote:         {StatusDraft: {ActEdit, ActDelete, ActValidate}, StatusValidated: {ActPay, ActUnpay}, StatusPaid: {ActPay, ActUnpay}},
		DocDownPayment:        {StatusDraft: {ActEdit, ActDelete, ActValidate}, StatusValidated: {ActCreditNote, ActPay, ActUnpay}, StatusPaid: {ActCreditNote, ActPay, ActUnpay}},
		DocSupplierInvoice:    {StatusDraft: {ActEdit, ActDelete, ActValidate}, StatusValidated: {ActCreditNote, ActPay, ActUnpay}, StatusPaid: {ActCreditNote, ActPay, ActUnpay}},
		DocSupplierCreditNote: {StatusDraft: {ActEdit, ActDelete, ActValidate}, StatusValidated: {ActPay, ActUnpay}, StatusPaid: {ActPay, ActUnpay}},
		DocPurchaseOrder:      {StatusDraft: {ActEdit, ActDelete, ActValidate}}, // cancel and receive: purchasing_test.go
	}
	actions := []Action{ActEdit, ActDelete, ActValidate, ActAccept, ActRefuse, ActOrder, ActInvoice, ActCreditNote, ActPay, ActUnpay, ActDownPayment}
	statuses := []DocStatus{StatusDraft, StatusValidated, StatusAccepted, StatusRefused, StatusOrdered, StatusInvoiced, StatusPaid}
	for _, typ := range DocTypes() {
		for _, st := range statuses {
			for _, a := range actions {
				d := &Document{ID: 1, Type: typ, Status: st}
				err := d.Can(a)
				ok := false
				for _, x := range allowed[typ][st] {
					ok = ok || x == a
				}
				var p *Problem
				switch {
				case ok && err != nil:
					t.Errorf("%s %s: %s refused: %v", st, typ, a, err)
				case !ok && (!errors.As(err, &p) || p.Kind != ErrConflict || p.Code != "illegal-transition"):
					t.Errorf("%s %s: %s gave %v, want an illegal-transition conflict", st, typ, a, err)
				}
			}
		}
	}
}

func TestTransitions(t *testing.T) {
	p := draft(t, DocProposal, "EUR", line("1", "10", "0", "20"))
	p.ID = 5
	if err := p.CheckValidate(); err != nil || p.Status != StatusDraft || p.Ref != "" {
		t.Fatalf("CheckValidate changed the draft or failed: %v %+v", err, p)
	}
	if err := p.Validate("PR2611-0001", day); err != nil || p.Status != StatusValidated || p.Ref != "PR2611-0001" {
		t.Fatalf("validate: %v %+v", err, p)
	}
	if err := p.Edit(DraftPatch{Note: new(string)}); !errors.Is(err, ErrConflict) {
		t.Fatalf("edit after validation: %v", err)
	}
	if err := p.Accept(); err != nil || p.Status != StatusAccepted {
		t.Fatal(err)
	}
	o, err := p.Convert(ActOrder, day.AddDate(0, 0, 1), 9)
	if err != nil || p.Status != StatusOrdered || o.Type != DocOrder || o.Status != StatusDraft || o.SourceID != 5 ||
		!o.TotalGross.Equal(p.TotalGross) || len(o.Lines) != 1 || o.CreatedBy != 9 || !o.Date.Equal(day.AddDate(0, 0, 1)) {
		t.Fatalf("convert: %v %+v", err, o)
	}
	if _, err := p.Convert(ActOrder, day, 9); !errors.Is(err, ErrConflict) {
		t.Fatalf("second conversion: %v", err)
	}
	if _, err := o.Convert(ActCreditNote, day, 9); !errors.Is(err, ErrInvalid) {
		t.Fatalf("credit note of an order: %v", err)
	}

	empty := draft(t, DocInvoice, "EUR")
	if err := empty.CheckValidate(); !errors.Is(err, ErrConflict) {
		t.Fatalf("validating an empty invoice: %v", err)
	}
	zero := draft(t, DocInvoice, "EUR", line("1", "10", "100", "20"))
	if err := zero.Validate("FA1", day); err != nil || zero.Status != StatusPaid {
		t.Fatalf("an invoice of zero is settled on validation: %v %s", err, zero.Status)
	}
}

func TestPayments(t *testing.T) {
	inv := draft(t, DocInvoice, "EUR", line("1", "100", "0", "20")) // 120.00
	pay := func(amount string) error {
		return inv.AddPayment(&Payment{Amount: dec(amount), Method: PayCash})
	}
	if err := pay("10"); !errors.Is(err, ErrConflict) {
		t.Fatalf("payment on a draft: %v", err)
	}
	if err := inv.Validate("FA1", day); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"0", "-5", "0.001"} {
		var ve *ValidationError
		if err := pay(bad); !errors.As(err, &ve) {
			t.Fatalf("amount %s: %v", bad, err)
		}
	}
	if err := inv.AddPayment(&Payment{Amount: dec("1"), Method: "bitcoin"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unknown method: %v", err)
	}
	if err := pay("50"); err != nil || inv.Status != StatusValidated || inv.AmountDue().String() != "70" {
		t.Fatalf("partial: %v %s %s", err, inv.Status, inv.AmountDue())
	}
	var p *Problem
	if err := pay("70.01"); !errors.As(err, &p) || p.Code != "overpayment" || !errors.Is(err, ErrInvalid) {
		t.Fatalf("overpayment: %v", err)
	}
	last := &Payment{Amount: dec("70"), Method: PayCard}
	if err := inv.AddPayment(last); err != nil || inv.Status != StatusPaid || !inv.AmountDue().IsZero() || last.Currency != "EUR" {
		t.Fatalf("exact: %v %s", err, inv.Status)
	}
	if err := pay("0.01"); !errors.As(err, &p) || p.Code != "overpayment" {
		t.Fatalf("payment on a paid invoice: %v", err)
	}
	if err := inv.RemovePayment(last); err != nil || inv.Status != StatusValidated || inv.AmountDue().String() != "70" {
		t.Fatalf("delete reopens: %v %s", err, inv.Status)
	}
}

func TestCreditLimit(t *testing.T) {
	inv := draft(t, DocInvoice, "EUR", line("1", "100", "0", "0"))
	cn := draft(t, DocCreditNote, "EUR", line("1", "60", "0", "0"))
	if err := cn.CheckCredit(inv, dec("40")); err != nil {
		t.Fatalf("exactly the rest: %v", err)
	}
	var p *Problem
	if err := cn.CheckCredit(inv, dec("40.01")); !errors.As(err, &p) || p.Code != "credit-exceeds-invoice" {
		t.Fatalf("beyond the invoice: %v", err)
	}
}

func TestUnconvert(t *testing.T) {
	p := &Document{Type: DocProposal, Status: StatusOrdered}
	if !p.Unconvert(DocOrder) || p.Status != StatusAccepted {
		t.Fatalf("proposal back to %s", p.Status)
	}
	o := &Document{Type: DocOrder, Status: StatusInvoiced}
	if !o.Unconvert(DocInvoice) || o.Status != StatusValidated {
		t.Fatalf("order back to %s", o.Status)
	}
	inv := &Document{Type: DocInvoice, Status: StatusPaid}
	if inv.Unconvert(DocCreditNote) || inv.Status != StatusPaid {
		t.Fatal("deleting a credit note draft changed its invoice")
	}
}
