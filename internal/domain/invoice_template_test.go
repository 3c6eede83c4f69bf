package domain

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func onDay(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func dates(ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Format(time.DateOnly)
	}
	return out
}

// The period arithmetic: each frequency with its interval, month ends
// clamped to shorter months and counted from the anchor (so the 31st comes
// back), leap days, weeks across a year's end.
func TestPeriodDate(t *testing.T) {
	cases := []struct {
		name     string
		anchor   string
		f        Frequency
		interval int
		want     []string // periods 0, 1, 2, …
	}{
		{"weekly", "2026-12-17", FrequencyWeekly, 1, []string{"2026-12-17", "2026-12-24", "2026-12-31", "2027-01-07"}},
		{"every 2 weeks", "2026-02-20", FrequencyWeekly, 2, []string{"2026-02-20", "2026-03-06", "2026-03-20"}},
		{"monthly on the 31st", "2027-01-31", FrequencyMonthly, 1,
			[]string{"2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31", "2027-06-30"}},
		{"monthly on the 31st, leap year", "2028-01-31", FrequencyMonthly, 1, []string{"2028-01-31", "2028-02-29", "2028-03-31"}},
		{"monthly on the 30th", "2026-01-30", FrequencyMonthly, 1, []string{"2026-01-30", "2026-02-28", "2026-03-30"}},
		{"every 3 months across years", "2026-11-15", FrequencyMonthly, 3, []string{"2026-11-15", "2027-02-15", "2027-05-15"}},
		{"every 14 months", "2026-12-01", FrequencyMonthly, 14, []string{"2026-12-01", "2028-02-01", "2029-04-01"}},
		{"quarterly from a month end", "2026-11-30", FrequencyQuarterly, 1, []string{"2026-11-30", "2027-02-28", "2027-05-30", "2027-08-30"}},
		{"half-yearly", "2026-08-31", FrequencyQuarterly, 2, []string{"2026-08-31", "2027-02-28", "2027-08-31"}},
		{"yearly from a leap day", "2028-02-29", FrequencyYearly, 1, []string{"2028-02-29", "2029-02-28", "2030-02-28", "2031-02-28", "2032-02-29"}},
		{"every 2 years", "2026-06-15", FrequencyYearly, 2, []string{"2026-06-15", "2028-06-15", "2030-06-15"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []time.Time
			for n := range c.want {
				got = append(got, PeriodDate(onDay(c.anchor), c.f, c.interval, n))
			}
			if !slices.Equal(dates(got), c.want) {
				t.Fatalf("periods %v, want %v", dates(got), c.want)
			}
		})
	}
}

func price(s string) *decimal.Decimal {
	d := decimal.RequireFromString(s)
	return &d
}

func template(next string) InvoiceTemplate {
	return InvoiceTemplate{
		ThirdPartyID: 7, Currency: "EUR", Frequency: FrequencyMonthly, Interval: 1, NextDate: onDay(next), Active: true,
		Lines: []LineInput{{Description: "Hosting", Qty: decimal.NewFromInt(1), UnitPrice: price("10"), VATRate: price("20")}},
	}
}

// generate runs the template as the generator does until it is no longer
// due on today, and returns the periods it produced.
func generate(t *InvoiceTemplate, today string) []string {
	var out []string
	for t.Due(onDay(today)) {
		out = append(out, t.NextDate.Format(time.DateOnly))
		t.Advance(time.Time{})
		if len(out) > 1000 {
			panic("runaway template")
		}
	}
	return out
}

// Catch-up: every period up to today, each once, in order; then nothing
// until the next period comes.
func TestTemplateDuePeriodsInOrder(t *testing.T) {
	tp, err := NewInvoiceTemplate(template("2026-07-31"))
	if err != nil {
		t.Fatal(err)
	}
	got := generate(tp, "2026-12-03")
	want := []string{"2026-07-31", "2026-08-31", "2026-09-30", "2026-10-31", "2026-11-30"}
	if !slices.Equal(got, want) {
		t.Fatalf("periods %v, want %v", got, want)
	}
	if tp.GeneratedCount != 5 || tp.NextDate.Format(time.DateOnly) != "2026-12-31" || tp.Version != 6 {
		t.Fatalf("after catch-up: count %d, next %s, version %d", tp.GeneratedCount, tp.NextDate.Format(time.DateOnly), tp.Version)
	}
	if got := generate(tp, "2026-12-30"); len(got) != 0 {
		t.Fatalf("generated %v before the next period", got)
	}
	if got := generate(tp, "2026-12-31"); !slices.Equal(got, []string{"2026-12-31"}) {
		t.Fatalf("on the next period generated %v", got)
	}
}

// An end date is inclusive; a count stops after that many invoices in all;
// a paused template generates nothing.
func TestTemplateEnds(t *testing.T) {
	in := template("2026-01-15")
	end := onDay("2026-04-15")
	in.EndDate = &end
	tp, _ := NewInvoiceTemplate(in)
	if got := generate(tp, "2027-01-01"); !slices.Equal(got, []string{"2026-01-15", "2026-02-15", "2026-03-15", "2026-04-15"}) {
		t.Fatalf("with end date: %v", got)
	}
	if !tp.Finished() {
		t.Fatal("template past its end date not finished")
	}

	in = template("2026-01-15")
	three := 3
	in.MaxCount = &three
	tp, _ = NewInvoiceTemplate(in)
	if got := generate(tp, "2027-01-01"); len(got) != 3 || !tp.Finished() {
		t.Fatalf("with max_count 3: %v, finished %v", got, tp.Finished())
	}

	in = template("2026-01-15")
	in.Active = false
	tp, _ = NewInvoiceTemplate(in)
	if got := generate(tp, "2027-01-01"); len(got) != 0 {
		t.Fatalf("paused template generated %v", got)
	}
}

// A change of next date, frequency or interval re-anchors the schedule on
// the next date; other changes keep it (a month-end anchor stays one).
func TestTemplateApplyReanchors(t *testing.T) {
	tp, _ := NewInvoiceTemplate(template("2026-01-31"))
	generate(tp, "2026-02-28") // Jan 31, Feb 28
	note := "new note"
	if err := tp.Apply(InvoiceTemplatePatch{Note: &note}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got := generate(tp, "2026-03-31"); !slices.Equal(got, []string{"2026-03-31"}) {
		t.Fatalf("after a note change the 31st anchor is lost: %v", got)
	}
	weekly := FrequencyWeekly
	if err := tp.Apply(InvoiceTemplatePatch{Frequency: &weekly}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got := generate(tp, "2026-05-12"); !slices.Equal(got, []string{"2026-04-30", "2026-05-07"}) {
		t.Fatalf("weekly from the next date: %v", got)
	}
	if tp.GeneratedCount != 5 {
		t.Fatalf("generated count %d, want 5 (kept across changes)", tp.GeneratedCount)
	}
}

// The checks name each bad field.
func TestTemplateCheck(t *testing.T) {
	in := template("2026-05-10")
	in.ThirdPartyID, in.Frequency, in.Interval, in.Currency = 0, "daily", 0, "XXX"
	end := onDay("2026-05-09")
	zero := 0
	in.EndDate, in.MaxCount, in.AutoSend = &end, &zero, true
	in.Lines = append(in.Lines, LineInput{Qty: decimal.NewFromInt(1)})
	_, err := NewInvoiceTemplate(in)
	var v *ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("err %v, want a ValidationError", err)
	}
	var fields []string
	for _, f := range v.Fields {
		fields = append(fields, f.Field)
	}
	for _, f := range []string{"thirdparty_id", "currency", "frequency", "interval", "end_date", "max_count", "auto_send",
		"lines[1].description", "lines[1].unit_price", "lines[1].vat_rate"} {
		if !slices.Contains(fields, f) {
			t.Errorf("no error on %s in %v", f, fields)
		}
	}
	// A product line may leave its price and rate to the product.
	ok := template("2026-05-10")
	ok.Lines = []LineInput{{ProductID: 3, Qty: decimal.NewFromInt(2)}}
	if _, err := NewInvoiceTemplate(ok); err != nil {
		t.Fatalf("product line without price: %v", err)
	}
	ok.Lines = nil
	if _, err := NewInvoiceTemplate(ok); err == nil {
		t.Fatal("template without lines accepted")
	}
}

func TestInvoiceRecurringKeyNamesTheState(t *testing.T) {
	if InvoiceRecurringKey(4, 1) == InvoiceRecurringKey(4, 2) || InvoiceRecurringKey(4, 1) == InvoiceRecurringKey(41, 1) {
		t.Fatal("keys of different template states collide")
	}
}
