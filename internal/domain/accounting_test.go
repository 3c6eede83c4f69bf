package domain

import (
	"errors"
	"fmt"
	"testing"
)

func testPlan() *AccountPlan {
	p := &AccountPlan{Codes: map[string]bool{}, VATSales: map[string]string{"20": "445711"}, VATPurchases: map[string]string{}}
	for _, c := range []string{AcctCustomers, AcctSuppliers, AcctVATCollected, "445711", AcctVATDeductible, AcctBank, AcctCash,
		AcctSalesGoods, AcctSalesServices, AcctPurchasesGoods, AcctPurchasesServices, AcctRoundingGain, AcctRoundingLoss} {
		p.Codes[c] = true
	}
	return p
}

// TestLedgerRounding: a source whose amounts miss each other by a cent or
// so gets a rounding line on 658 or 758; more than a cent a line is an
// error, never a silently balanced booking.
func TestLedgerRounding(t *testing.T) {
	for _, tc := range []struct {
		name    string
		amounts []string
		want    string // account of the rounding line, "" none, "error"
	}{
		{"balanced", []string{"10.00", "-10.00"}, ""},
		{"debits exceed", []string{"10.01", "-8.00", "-2.00"}, AcctRoundingGain},
		{"credits exceed", []string{"9.99", "-8.00", "-2.00"}, AcctRoundingLoss},
		{"too much", []string{"10.50", "-10.00"}, "error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var l ledger
			for i, a := range tc.amounts {
				l.add([]string{AcctCustomers, AcctSalesGoods, AcctVATCollected}[i], 0, dec(a))
			}
			b := &Booking{Journal: JournalSales, DocumentRef: "FA1"}
			err := l.entries(b, "FA1", testPlan())
			if tc.want == "error" {
				if err == nil {
					t.Fatal("an imbalance of 0.50 was booked")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			d, c := b.Totals()
			if !d.Equal(c) {
				t.Fatalf("debit %s credit %s", d, c)
			}
			last := b.Entries[len(b.Entries)-1].Account
			if tc.want == "" && len(b.Entries) != len(tc.amounts) || tc.want != "" && last != tc.want {
				t.Fatalf("entries %+v", b.Entries)
			}
		})
	}
}

// TestBookDocumentSides: a credit note books the invoice's accounts the
// other way round; a deduction line (negative) lowers the revenue.
func TestBookDocumentSides(t *testing.T) {
	lines := []BookingLine{{Net: dec("100"), VAT: dec("20"), VATRate: dec("20")}, {Net: dec("-30"), VAT: dec("-6"), VATRate: dec("20")}}
	inv, err := BookDocument(BookingDocument{ID: 1, Type: DocInvoice, Ref: "FA1", ThirdPartyID: 7, Lines: lines}, testPlan())
	if err != nil {
		t.Fatal(err)
	}
	cn, err := BookDocument(BookingDocument{ID: 2, Type: DocCreditNote, Ref: "AV1", ThirdPartyID: 7, Lines: lines}, testPlan())
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Entries) != 3 || len(cn.Entries) != 3 {
		t.Fatalf("entries %+v / %+v", inv.Entries, cn.Entries)
	}
	for i, e := range inv.Entries {
		r := cn.Entries[i]
		if e.Account != r.Account || !e.Debit.Equal(r.Credit) || !e.Credit.Equal(r.Debit) {
			t.Fatalf("line %d: invoice %+v, credit note %+v", i, e, r)
		}
	}
	if e := inv.Entries[1]; e.Account != AcctSalesServices || !e.Credit.Equal(dec("70")) {
		t.Fatalf("revenue %+v", e)
	}
	if e := inv.Entries[0]; e.ThirdPartyID != 7 || !e.Debit.Equal(dec("84")) {
		t.Fatalf("customer %+v", e)
	}
	// An account missing from the chart is a conflict.
	_, err = BookDocument(BookingDocument{ID: 3, Type: DocInvoice, Ref: "FA2", Lines: []BookingLine{{Account: "7999", Net: dec("1")}}}, testPlan())
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("unknown account: %v", err)
	}
}

// TestBookDocumentForeign: a document in another currency books each
// account's sum converted at its rate, the customer at its converted
// totals, and a rounding line takes the cent the conversions leave.
func TestBookDocumentForeign(t *testing.T) {
	d := BookingDocument{ID: 1, Type: DocInvoice, Ref: "FA1", ThirdPartyID: 7,
		FX:    BookingFX{Currency: "USD", CompanyCurrency: "EUR", Rate: dec("3")},
		Lines: []BookingLine{{Net: dec("1"), Service: true}, {ProductID: 4, Net: dec("1")}}}
	b, err := BookDocument(d, testPlan())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range b.Entries {
		got = append(got, e.Account+" "+e.Debit.StringFixed(2)+"/"+e.Credit.StringFixed(2))
	}
	// 2.00 USD at 3: 0.67 EUR owed, 0.33 + 0.33 revenue, 0.01 rounding gain.
	if want := "[411 0.67/0.00 706 0.00/0.33 707 0.00/0.33 758 0.00/0.01]"; fmt.Sprint(got) != want {
		t.Fatalf("entries %v, want %s", got, want)
	}
	// Each entry keeps its amount in USD, but the rounding line, which
	// exists in euros only.
	got = got[:0]
	for _, e := range b.Entries {
		got = append(got, e.Account+" "+e.AmountCurrency.StringFixed(2)+" "+e.Currency)
	}
	if want := "[411 2.00 USD 706 1.00 USD 707 1.00 USD 758 0.00 ]"; fmt.Sprint(got) != want {
		t.Fatalf("foreign amounts %v, want %s", got, want)
	}
	// With VAT the third party's line is the gross converted whole — what
	// a payment in full is measured against (Document.SetExchange) — and
	// the cent that net and VAT converted apart leave goes to rounding:
	// 1,013.37 + 202.67 USD at 1.07 is 1,136.49 EUR owed, 947.07 + 189.41.
	vat := BookingDocument{ID: 2, Type: DocInvoice, Ref: "FA2", ThirdPartyID: 7,
		FX:    BookingFX{Currency: "USD", CompanyCurrency: "EUR", Rate: dec("1.07")},
		Lines: []BookingLine{{Net: dec("1013.37"), VAT: dec("202.67"), VATRate: dec("20"), Service: true}}}
	bv, err := BookDocument(vat, testPlan())
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, e := range bv.Entries {
		got = append(got, e.Account+" "+e.Debit.StringFixed(2)+"/"+e.Credit.StringFixed(2))
	}
	if owed := DivMoney(dec("1216.04"), dec("1.07"), "EUR"); !bv.Entries[0].Debit.Equal(owed) || len(got) != 4 || got[3] != "758 0.00/0.01" {
		t.Fatalf("entries %v, want 411 debited %s and a rounding gain of 0.01", got, owed)
	}
	// In the company currency nothing is converted.
	d.FX.Currency = "EUR"
	if b, err = BookDocument(d, testPlan()); err != nil || !b.Entries[0].Debit.Equal(dec("2")) || b.Entries[0].Foreign() {
		t.Fatalf("company currency: %v %+v", err, b)
	}
}

// TestBookBankTransferForeign: a transfer books each leg in the company
// currency, a leg of an account in another currency converted at the rate
// of the day with its own amount kept, and the difference between two legs
// of different currencies on 766 or 666.
func TestBookBankTransferForeign(t *testing.T) {
	plan := testPlan()
	for _, c := range []string{"5121", "5122", AcctExchangeGain, AcctExchangeLoss} {
		plan.Codes[c] = true
	}
	usd := func(amount, rate string) BookingBankLeg {
		return BookingBankLeg{Account: "5122", Amount: dec(amount), FX: BookingFX{Currency: "USD", CompanyCurrency: "EUR", Rate: dec(rate)}}
	}
	eur := func(code, amount string) BookingBankLeg {
		return BookingBankLeg{Account: code, Amount: dec(amount), FX: BookingFX{Currency: "EUR", CompanyCurrency: "EUR"}}
	}
	for _, tc := range []struct {
		name     string
		from, to BookingBankLeg
		want     string
	}{
		{"euros", eur("", "300"), eur("5121", "300"), "[5121 300.00/0.00 512 0.00/300.00]"},
		// 100.00 USD at 1.1 is 90.91 EUR; the bank credited 92.00: a gain.
		{"dollars to euros", usd("100", "1.1"), eur("", "92"), "[512 92.00/0.00 5122 0.00/90.91 100.00 USD 766 0.00/1.09]"},
		// 92.00 EUR bought 100.00 USD, worth 90.91 EUR at 1.1: a loss.
		{"euros to dollars", eur("", "92"), usd("100", "1.1"), "[5122 90.91/0.00 100.00 USD 512 0.00/92.00 666 1.09/0.00]"},
		{"dollars to dollars", usd("50", "1.2"), BookingBankLeg{Account: "5121", Amount: dec("50"), FX: usd("50", "1.2").FX},
			"[5121 41.67/0.00 50.00 USD 5122 0.00/41.67 50.00 USD]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := BookBankTransfer(BookingBankTransfer{ID: 9, From: tc.from, To: tc.to}, plan)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range b.Entries {
				s := e.Account + " " + e.Debit.StringFixed(2) + "/" + e.Credit.StringFixed(2)
				if e.Foreign() {
					s += " " + e.AmountCurrency.StringFixed(2) + " " + e.Currency
				}
				got = append(got, s)
			}
			if d, c := b.Totals(); !d.Equal(c) || fmt.Sprint(got) != tc.want {
				t.Fatalf("entries %v (debit %s, credit %s), want %s", got, d, c, tc.want)
			}
		})
	}
}

// TestFECRecordForeign: Montantdevise is unsigned with a decimal comma and
// the currency's decimals (at least two), Idevise its code; both empty in
// the company currency.
func TestFECRecordForeign(t *testing.T) {
	for _, tc := range []struct {
		currency, amount, want string
	}{{"", "", "\t"}, {"USD", "1200", "1200,00\tUSD"}, {"JPY", "1500", "1500,00\tJPY"}, {"KWD", "12.345", "12,345\tKWD"}} {
		r := FECRow{Entry: Entry{Journal: JournalSales, Debit: dec("1"), Credit: dec("0"), Currency: tc.currency}}
		if tc.amount != "" {
			r.AmountCurrency = dec(tc.amount)
		}
		f := r.FECRecord()
		if got := f[16] + "\t" + f[17]; len(f) != 18 || got != tc.want {
			t.Errorf("%s: Montantdevise and Idevise %q, want %q", tc.currency, got, tc.want)
		}
	}
}
